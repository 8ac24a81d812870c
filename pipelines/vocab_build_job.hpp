#pragma once
// `plmkit vocab build`: a SMILES vocabulary (vocab.txt) counted over a
// molecule file: specials <pad> <unk> <cls> <eos> <mask> first, then the
// atom-level tokens by decreasing frequency. Every record that cannot be used
// (unreadable, or a SMILES the tokenizer rejects) is left out and written to
// the rejects TSV (id, line, reason); the first few are also warnings.
#include <cstddef>
#include <cstdint>
#include <string>

namespace plmkit::pipelines {

struct VocabBuildJobOptions {
    std::string kind = "smiles";  ///< only "smiles" (the protein alphabet is fixed)
    std::string input;            ///< .smi / CSV / TSV (+.gz), "-" = stdin
    std::string output;           ///< vocab.txt
    std::string rejects;          ///< rejects TSV; "" = <output>.rejects.tsv
    std::uint64_t min_frequency = 1;
    std::size_t max_size = 0;  ///< 0 = no cap (specials included in the count)
    std::string format = "auto";
    std::string smiles_col = "smiles";
    std::size_t max_warnings = 20;  ///< rejects also printed on stderr (all are in the file)
    bool progress = true;
};

struct VocabBuildSummary {
    std::uint64_t records = 0;
    std::uint64_t rejected = 0;
    std::uint64_t tokens = 0;           ///< tokens counted
    std::uint64_t distinct_tokens = 0;  ///< before min_frequency / max_size
    std::uint64_t vocab_size = 0;       ///< written, specials included
    std::string rejects;                ///< the rejects file written
    double seconds = 0;
};

/// Builds and writes the vocabulary, logs a summary line. UsageError for a
/// bad kind, IoError / InputError for unreadable input.
VocabBuildSummary run_vocab_build(const VocabBuildJobOptions& options);

}  // namespace plmkit::pipelines
