#pragma once
// The ESM-2 protein alphabet and tokenizer (fair-esm's "ESM-1b" alphabet):
// ids 0..32 = <cls> <pad> <eos> <unk> L A G V S E R T I D P K Q N F Y M H W C
// X B U Z O . - <null_1> <mask>. A sequence encodes as <cls> residues <eos>.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plmkit::tokenizers {

struct EsmEncodeOptions {
    /// Keep at most this many residues (0 = no limit). fair-esm's extract.py
    /// uses 1022 so that <cls>+residues+<eos> fits 1024 positions.
    std::size_t truncate = 0;
    bool add_special_tokens = true;  ///< <cls> ... <eos>
};

struct EsmEncoding {
    bool ok = false;
    std::string reason;             ///< why the record was rejected (when !ok)
    std::vector<std::int32_t> ids;  ///< token ids incl. <cls>/<eos> when requested
    std::size_t residues = 0;       ///< residues kept (after truncation); <mask> = 1
    std::size_t original_residues = 0;
    bool truncated = false;
};

class EsmTokenizer {
  public:
    static constexpr std::int32_t kCls = 0, kPad = 1, kEos = 2, kUnk = 3, kMask = 32;
    static constexpr std::int32_t kVocabSize = 33;

    /// The built-in alphabet.
    EsmTokenizer();
    /// Reads a checkpoint's vocab.txt and verifies it equals the built-in
    /// alphabet in order; a mismatch is a ModelError naming line and tokens.
    static EsmTokenizer from_vocab_file(const std::string& path);

    /// Upper-cases letters, drops whitespace and one trailing '*'. `<mask>`
    /// and `<unk>` inside the text are read as one token each (fair-esm's
    /// Alphabet.encode splits them out the same way), and count as one
    /// residue for `residues` and truncation; the other special tokens
    /// (`<cls>`, `<pad>`, `<eos>`, `<null_1>`) and any other `<word>` reject
    /// the sequence. Any other character outside the alphabet rejects the
    /// sequence with a reason naming the character and its 1-based character
    /// position in `sequence`. An empty sequence is rejected ("empty
    /// sequence"; "no residues: only the '*' stop character" for a lone '*').
    EsmEncoding encode(std::string_view sequence, const EsmEncodeOptions& options = {}) const;

    const std::string& token(std::int32_t id) const;
    const std::vector<std::string>& tokens() const { return tokens_; }

  private:
    std::vector<std::string> tokens_;
    std::int16_t byte_to_id_[256];
};

}  // namespace plmkit::tokenizers
