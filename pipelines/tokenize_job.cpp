#include "pipelines/tokenize_job.hpp"

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "data/fasta_reader.hpp"
#include "data/molecule_reader.hpp"
#include "pipelines/run_files.hpp"
#include "src/atomic_file.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/progress.hpp"
#include "src/runtime.hpp"
#include "src/strings.hpp"
#include "src/utf8.hpp"
#include "tokenizers/esm_tokenizer.hpp"
#include "tokenizers/smiles_tokenizer.hpp"
#include "tokenizers/vocab.hpp"

namespace plmkit::pipelines {

namespace {

void append_json_string(std::string& out, std::string_view s) {
    static const char* hex = "0123456789abcdef";
    out += '"';
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += ch;
        }
    }
    out += '"';
}

/// Lines to stdout ("-") or to a file that appears only at close().
class LineOutput {
  public:
    explicit LineOutput(const std::string& path) : path_(path) {
        if (path == "-") {
            file_ = stdout;
            return;
        }
        atomic_ = std::make_unique<AtomicFile>(path);
        file_ = std::fopen(atomic_->temp_path().c_str(), "wb");
        if (!file_) throw IoError("cannot write '" + path + "': " + errno_message());
    }
    ~LineOutput() {
        if (file_ && file_ != stdout) std::fclose(file_);
    }
    void write(const std::string& text) {
        if (std::fwrite(text.data(), 1, text.size(), file_) != text.size())
            throw IoError("cannot write '" + path_ + "': " + errno_message());
    }
    void close() {
        if (file_ == stdout) {
            if (std::fflush(stdout) != 0)
                throw IoError("cannot write to stdout: " + errno_message());
            return;
        }
        int rc = std::fclose(file_);
        file_ = nullptr;
        if (rc != 0) throw IoError("cannot write '" + path_ + "': " + errno_message());
        atomic_->commit();
    }

  private:
    std::string path_;
    std::unique_ptr<AtomicFile> atomic_;
    std::FILE* file_ = nullptr;
};

class TokenizeRun {
  public:
    explicit TokenizeRun(const TokenizeOptions& opt)
        : opt_(opt),
          out_(opt.output),
          progress_(ProgressOptions{"tokenize", "records", "tokens", 0, opt.progress, false}) {
        if (opt.output != "-") {
            rejects_ = std::make_unique<CsvWriter>(opt.output + ".rejects.tsv", '\t');
            rejects_->header({"id", "line", "reason"});
        }
    }

    void protein() {
        auto tok = opt_.vocab.empty() ? tokenizers::EsmTokenizer()
                                      : tokenizers::EsmTokenizer::from_vocab_file(opt_.vocab);
        tokenizers::EsmEncodeOptions enc_opt;
        enc_opt.truncate = opt_.truncate;
        // JSON must be UTF-8: an id that is not is a rejected record.
        data::FastaReader reader(opt_.input, {/*require_utf8_ids=*/true});
        data::SequenceRecord rec;
        while (reader.next(rec)) {
            throw_if_interrupted();
            ++s_.records;
            if (!rec.error.empty()) {
                reject(reader.path(), rec.id, rec.line, rec.error);
                continue;
            }
            auto enc = tok.encode(rec.sequence, enc_opt);
            if (!enc.ok) {
                reject(reader.path(), rec.id, rec.line, enc.reason);
                continue;
            }
            views_.clear();
            for (auto id : enc.ids)
                views_.emplace_back(tok.token(id));
            if (enc.truncated) ++s_.truncated;
            emit(rec.id, views_, &enc.ids);
        }
        if (reader.records() == 0)
            log_warn(reader.path() +
                     ": no FASTA records (no line starts with '>'): " + "nothing to tokenize");
    }

    void smiles() {
        std::optional<tokenizers::Vocab> vocab;
        if (!opt_.vocab.empty()) vocab = tokenizers::Vocab::load(opt_.vocab);
        data::MoleculeReaderOptions ropt;
        ropt.format = opt_.format;
        ropt.smiles_col = opt_.smiles_col;
        ropt.id_col = opt_.id_col;
        ropt.keep_props = false;
        data::MoleculeReader reader(opt_.input, ropt);
        if (reader.format() == "sdf")
            throw UsageError(
                "'" + opt_.input +
                "' is an SD file: SMILES tokenization needs SMILES text (.smi, CSV or TSV)");
        data::MoleculeRecord rec;
        tokenizers::SmilesError err;
        std::vector<std::int32_t> ids;
        while (reader.next(rec)) {
            throw_if_interrupted();
            ++s_.records;
            if (!rec.error.empty()) {
                reject(reader.path(), escape_invalid_utf8(rec.id), rec.line, rec.error);
                continue;
            }
            // JSON needs valid UTF-8 (a FASTA id is checked by the reader).
            std::string bad_id = invalid_utf8_reason(rec.id, "id", rec.line);
            if (!bad_id.empty()) {
                reject(reader.path(), escape_invalid_utf8(rec.id), rec.line, bad_id);
                continue;
            }
            // A bracket atom takes any byte ("[\xE9]" of a Latin-1 file): its
            // token would make the JSON line invalid.
            std::string bad_smiles = invalid_utf8_reason(rec.smiles, "SMILES", rec.line);
            if (!bad_smiles.empty()) {
                reject(reader.path(), rec.id, rec.line, bad_smiles);
                continue;
            }
            if (!tokenizers::SmilesTokenizer::tokenize(rec.smiles, views_, &err)) {
                reject(reader.path(), rec.id, rec.line, err.reason);
                continue;
            }
            if (opt_.truncate != 0 && views_.size() > opt_.truncate) {
                views_.resize(opt_.truncate);
                ++s_.truncated;
            }
            if (vocab) s_.unknown_tokens += vocab->encode(views_, ids, false);
            emit(rec.id, views_, vocab ? &ids : nullptr);
        }
    }

    TokenizeSummary finish() {
        out_.close();
        if (rejects_) rejects_->close();
        progress_.finish();
        s_.seconds = progress_.elapsed_seconds();
        return s_;
    }

  private:
    void emit(const std::string& id, const std::vector<std::string_view>& tokens,
              const std::vector<std::int32_t>* ids) {
        line_.assign("{\"id\":");
        append_json_string(line_, id);
        line_ += ",\"tokens\":[";
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (i) line_ += ',';
            append_json_string(line_, tokens[i]);
        }
        line_ += ']';
        if (ids) {
            line_ += ",\"ids\":[";
            for (std::size_t i = 0; i < ids->size(); ++i) {
                if (i) line_ += ',';
                line_ += std::to_string((*ids)[i]);
            }
            line_ += ']';
        }
        line_ += "}\n";
        out_.write(line_);
        ++s_.written;
        s_.tokens += tokens.size();
        progress_.add(1, tokens.size());
    }

    void reject(const std::string& path, const std::string& id, std::uint64_t line,
                const std::string& reason) {
        ++s_.rejected;
        if (rejects_) rejects_->row({id, std::to_string(line), reason});
        // With a file output the rejects file has them all; on stdout every
        // reject is a warning so none is lost.
        if (!rejects_ || s_.rejected <= opt_.max_warnings) {
            log_warn(path + ":" + std::to_string(line) + ": record '" + id +
                     "' rejected: " + reason);
        } else if (s_.rejected == opt_.max_warnings + 1) {
            log_warn("more rejected records not shown: see " + opt_.output + ".rejects.tsv");
        }
    }

    const TokenizeOptions& opt_;
    LineOutput out_;
    std::unique_ptr<CsvWriter> rejects_;
    Progress progress_;
    TokenizeSummary s_;
    std::string line_;
    std::vector<std::string_view> views_;
};

}  // namespace

TokenizeSummary run_tokenize(const TokenizeOptions& opt) {
    if (opt.kind != "protein" && opt.kind != "smiles")
        throw UsageError("--kind must be 'protein' or 'smiles', got '" + opt.kind + "'");
    if (opt.input.empty()) throw UsageError("no input file given");
    if (opt.output.empty())
        throw UsageError("--output is empty: name a file, or - for standard output");
    // Before any work: an output that is the input (any spelling or link), a
    // folder, or in a missing folder.
    check_run_files({{"the input", opt.input}},
                    {{"--output", opt.output},
                     {"the rejects file", opt.output == "-" ? "" : opt.output + ".rejects.tsv"}});
    TokenizeRun run(opt);
    if (opt.kind == "protein")
        run.protein();
    else
        run.smiles();
    auto summary = run.finish();
    log_info(describe(summary, opt));
    return summary;
}

std::string describe(const TokenizeSummary& s, const TokenizeOptions& opt) {
    std::string msg = "tokenize: " + count_noun(s.records, "record") + ", " +
                      std::to_string(s.written) + " written, " + std::to_string(s.rejected) +
                      " rejected, " + std::to_string(s.truncated) + " truncated, " +
                      count_noun(s.tokens, "token");
    msg += ", " + std::to_string(s.unknown_tokens) + " unknown tokens";
    if (s.rejected > 0 && opt.output != "-") msg += "; rejects in " + opt.output + ".rejects.tsv";
    return msg;
}

}  // namespace plmkit::pipelines
