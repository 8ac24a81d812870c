#include "pipelines/vocab_build_job.hpp"

#include <vector>

#include "data/molecule_reader.hpp"
#include "pipelines/run_files.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/progress.hpp"
#include "src/runtime.hpp"
#include "src/strings.hpp"
#include "src/utf8.hpp"
#include "tokenizers/smiles_tokenizer.hpp"
#include "tokenizers/vocab.hpp"

namespace plmkit::pipelines {

namespace {

/// Throws on options no vocabulary can be built with.
void check_vocab_options(const VocabBuildJobOptions& opt) {
    if (opt.kind == "protein")
        throw UsageError(
            "the protein vocabulary is the fixed ESM-2 alphabet: use a checkpoint's vocab.txt "
            "(plmkit tokenize --kind protein --vocab FILE verifies one)");
    if (opt.kind != "smiles") throw UsageError("--kind must be 'smiles', got '" + opt.kind + "'");
    if (opt.output.empty()) throw UsageError("--output is required");
    if (opt.min_frequency == 0) throw UsageError("--min-freq must be at least 1");
    const std::size_t specials = tokenizers::Vocab::special_tokens().size();
    if (opt.max_size != 0 && opt.max_size < specials)
        throw UsageError("--max-size " + std::to_string(opt.max_size) + " is below the " +
                         std::to_string(specials) +
                         " special tokens every vocabulary starts with (0 = no cap)");
}

data::MoleculeReaderOptions smiles_reader_options(const VocabBuildJobOptions& opt) {
    data::MoleculeReaderOptions ropt;
    ropt.format = opt.format;
    ropt.smiles_col = opt.smiles_col;
    ropt.keep_props = false;
    return ropt;
}

/// Why the record cannot be tokenized (empty: it can, its tokens are in
/// `tokens`).
std::string reject_reason(const data::MoleculeRecord& rec, std::vector<std::string_view>& tokens,
                          tokenizers::SmilesError& err) {
    std::string reason = rec.error;
    // vocab.txt is UTF-8 text: a bracket atom holding a Latin-1 byte
    // ("[\xE9]") would put an undecodable token into it.
    if (reason.empty()) reason = invalid_utf8_reason(rec.smiles, "SMILES", rec.line);
    if (reason.empty() && !tokenizers::SmilesTokenizer::tokenize(rec.smiles, tokens, &err))
        reason = err.reason;
    return reason;
}

void log_vocab_summary(const VocabBuildJobOptions& opt, const VocabBuildSummary& s) {
    log_info("vocab: " + count_noun(s.records, "record") + " (" + std::to_string(s.rejected) +
             " skipped), " + count_noun(s.tokens, "token") + ", " +
             std::to_string(s.distinct_tokens) + " distinct -> " + std::to_string(s.vocab_size) +
             " entries (5 specials, min frequency " + std::to_string(opt.min_frequency) + ") in " +
             opt.output + (s.rejected > 0 ? "; skipped records in " + s.rejects : ""));
}

/// Counts each record in s; adds the tokens of those that tokenize to
/// builder, writes the others to rejects (warning about the first
/// opt.max_warnings).
void count_tokens(data::MoleculeReader& reader, const VocabBuildJobOptions& opt,
                  tokenizers::VocabBuilder& builder, CsvWriter& rejects, Progress& progress,
                  VocabBuildSummary& s) {
    data::MoleculeRecord rec;
    std::vector<std::string_view> tokens;
    tokenizers::SmilesError err;
    while (reader.next(rec)) {
        throw_if_interrupted();
        ++s.records;
        const std::string reason = reject_reason(rec, tokens, err);
        if (!reason.empty()) {
            const std::string id = escape_invalid_utf8(rec.id);
            rejects.row({id, std::to_string(rec.line), reason});
            if (++s.rejected <= opt.max_warnings)
                log_warn(reader.path() + ":" + std::to_string(rec.line) + ": record '" + id +
                         "' skipped: " + reason);
            else if (s.rejected == opt.max_warnings + 1)
                log_warn("more skipped records not shown: all are in " + s.rejects);
            continue;
        }
        builder.add(tokens);
        s.tokens += tokens.size();
        progress.add(1, tokens.size());
    }
}

}  // namespace

VocabBuildSummary run_vocab_build(const VocabBuildJobOptions& opt) {
    check_vocab_options(opt);
    const std::string rejects_path =
        opt.rejects.empty() ? opt.output + ".rejects.tsv" : opt.rejects;
    // Before any work: an output that is the input (any spelling or link) or
    // the other output, a folder, or in a missing folder.
    check_run_files({{"the input", opt.input}},
                    {{"--output", opt.output}, {"the rejects file", rejects_path}});

    data::MoleculeReader reader(opt.input, smiles_reader_options(opt));
    if (reader.format() == "sdf")
        throw UsageError(
            "'" + opt.input +
            "' is an SD file: SMILES tokenization needs SMILES text (.smi, CSV or TSV)");
    Progress progress(ProgressOptions{"vocab", "records", "tokens", 0, opt.progress, false});

    VocabBuildSummary s;
    s.rejects = rejects_path;
    CsvWriter rejects(s.rejects, '\t');
    rejects.header({"id", "line", "reason"});
    tokenizers::VocabBuilder builder;
    count_tokens(reader, opt, builder, rejects, progress, s);
    progress.finish();

    tokenizers::VocabBuildOptions bopt;
    bopt.min_frequency = opt.min_frequency;
    bopt.max_size = opt.max_size;
    auto vocab = builder.build(bopt);
    vocab.save(opt.output);
    rejects.close();
    s.distinct_tokens = builder.distinct_tokens();
    s.vocab_size = vocab.size();
    s.seconds = progress.elapsed_seconds();
    log_vocab_summary(opt, s);
    return s;
}

}  // namespace plmkit::pipelines
