#pragma once
// Atom-level SMILES tokenizer equivalent to the regular expression of the
// Molecular Transformer (Schwaller et al. 2019):
//   (\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|\%[0-9]{2}|[0-9])
// as a hand-written scanner: bracket atoms are one token, Br/Cl one token,
// %nn ring closures one token. Lossless: the tokens joined give back the
// input. A character the pattern does not cover (or an unclosed '[', a '%'
// without two digits, an empty string) rejects the SMILES with a reason.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plmkit::tokenizers {

/// Why a SMILES was rejected.
struct SmilesError {
    std::string reason;        ///< e.g. "invalid character ' ' at position 12"
    std::size_t position = 0;  ///< 1-based position of the offending character (0: empty input)
};

/// Owning result of the convenience API.
struct SmilesTokenization {
    bool ok = false;
    std::string reason;
    std::vector<std::string> tokens;
};

class SmilesTokenizer {
  public:
    /// Zero-allocation API: clears `tokens` and fills it with views into
    /// `smiles` (reuse the vector across calls and nothing is allocated once
    /// its capacity suffices). Returns false on a rejected SMILES, filling
    /// `error` when given (`tokens` then holds the tokens before the error).
    static bool tokenize(std::string_view smiles, std::vector<std::string_view>& tokens,
                         SmilesError* error = nullptr);

    /// Number of tokens, or -1 when the SMILES is rejected. Allocates nothing.
    static std::ptrdiff_t count_tokens(std::string_view smiles);

    /// Length of the token starting at smiles[pos], or 0 when no token of the
    /// pattern starts there.
    static std::size_t token_length(std::string_view smiles, std::size_t pos);

    /// Convenience API returning owned strings.
    static SmilesTokenization tokenize(std::string_view smiles);
};

}  // namespace plmkit::tokenizers
