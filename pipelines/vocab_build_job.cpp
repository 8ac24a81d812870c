#include "pipelines/vocab_build_job.hpp"

#include <vector>

#include "data/molecule_reader.hpp"
#include "pipelines/run_files.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/progress.hpp"
#include "src/runtime.hpp"
#include "src/utf8.hpp"
#include "tokenizers/smiles_tokenizer.hpp"
#include "tokenizers/vocab.hpp"

namespace plmkit::pipelines {

VocabBuildSummary run_vocab_build(const VocabBuildJobOptions& opt) {
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
    const std::string rejects_path =
        opt.rejects.empty() ? opt.output + ".rejects.tsv" : opt.rejects;
    // Before any work: an output that is the input (any spelling or link) or
    // the other output, a folder, or in a missing folder.
    check_run_files({{"the input", opt.input}},
                    {{"--output", opt.output}, {"the rejects file", rejects_path}});

    data::MoleculeReaderOptions ropt;
    ropt.format = opt.format;
    ropt.smiles_col = opt.smiles_col;
    ropt.keep_props = false;
    data::MoleculeReader reader(opt.input, ropt);
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
    data::MoleculeRecord rec;
    std::vector<std::string_view> tokens;
    tokenizers::SmilesError err;
    while (reader.next(rec)) {
        throw_if_interrupted();
        ++s.records;
        std::string reason = rec.error;
        // vocab.txt is UTF-8 text: a bracket atom holding a Latin-1 byte
        // ("[\xE9]") would put an undecodable token into it.
        if (reason.empty()) reason = invalid_utf8_reason(rec.smiles, "SMILES", rec.line);
        if (reason.empty() && !tokenizers::SmilesTokenizer::tokenize(rec.smiles, tokens, &err))
            reason = err.reason;
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
    log_info("vocab: " + std::to_string(s.records) + " records (" + std::to_string(s.rejected) +
             " skipped), " + std::to_string(s.tokens) + " tokens, " +
             std::to_string(s.distinct_tokens) + " distinct -> " + std::to_string(s.vocab_size) +
             " entries (5 specials, min frequency " + std::to_string(opt.min_frequency) + ") in " +
             opt.output + (s.rejected > 0 ? "; skipped records in " + s.rejects : ""));
    return s;
}

}  // namespace plmkit::pipelines
