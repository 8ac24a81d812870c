#pragma once
// `plmkit tokenize`: one JSON line per input record,
//   {"id":"P1","tokens":["<cls>","M",...,"<eos>"],"ids":[0,20,...,2]}
// for proteins (FASTA, ESM-2 alphabet) or SMILES (.smi/CSV/TSV, atom-level
// tokens; ids only with a vocabulary). Rejected records go to stderr as
// warnings and, for a file output, to `<output>.rejects.tsv` (id, line,
// reason). Format documented in docs/tokenizers.md.
#include <cstddef>
#include <cstdint>
#include <string>

namespace plmkit::pipelines {

struct TokenizeOptions {
    std::string kind;             ///< "protein" or "smiles"
    std::string input;            ///< FASTA (protein) or molecule file (smiles); "-" = stdin
    std::string output = "-";     ///< JSON-lines file, "-" = stdout
    std::string vocab;            ///< protein: vocab.txt to verify; smiles: vocab.txt for ids
    std::size_t truncate = 0;     ///< residues (protein) or tokens (smiles) kept; 0 = all
    std::string format = "auto";  ///< smiles input format (data::MoleculeReaderOptions)
    std::string smiles_col = "smiles";
    std::string id_col;             ///< empty = auto
    std::size_t max_warnings = 20;  ///< rejects printed on stderr before going quiet
    bool progress = true;
};

struct TokenizeSummary {
    std::uint64_t records = 0;         ///< input records read
    std::uint64_t written = 0;         ///< JSON lines written
    std::uint64_t rejected = 0;        ///< records in the rejects output
    std::uint64_t truncated = 0;       ///< written after truncation
    std::uint64_t tokens = 0;          ///< tokens written (incl. specials)
    std::uint64_t unknown_tokens = 0;  ///< SMILES tokens mapped to <unk>
    double seconds = 0;
};

/// Runs the job and logs a summary line. UsageError for a bad kind or
/// option, IoError / InputError for unreadable inputs, ModelError for a
/// protein vocab.txt that is not the ESM-2 alphabet.
TokenizeSummary run_tokenize(const TokenizeOptions& options);

/// Text of the summary line ("tokenize: N records, ...").
std::string describe(const TokenizeSummary& summary, const TokenizeOptions& options);

}  // namespace plmkit::pipelines
