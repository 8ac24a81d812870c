#pragma once
// A token vocabulary: token <-> id, stored as vocab.txt (one token per line,
// line number - 1 = id). Built vocabularies start with the special tokens
// <pad> <unk> <cls> <eos> <mask> (ids 0..4). Unknown tokens encode as <unk>
// and are counted so a run summary can report them.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace plmkit::tokenizers {

struct VocabBuildOptions {
    std::uint64_t min_frequency = 1;  ///< keep tokens seen at least this often
    std::size_t max_size = 0;         ///< cap on the vocabulary size incl. specials (0 = none)
};

class Vocab {
  public:
    static constexpr std::int32_t kPad = 0, kUnk = 1, kCls = 2, kEos = 3, kMask = 4;
    /// "<pad>", "<unk>", "<cls>", "<eos>", "<mask>" in id order.
    static const std::vector<std::string>& special_tokens();

    /// The special tokens only.
    Vocab();
    /// Tokens in id order; a duplicate or empty token, or a missing "<unk>",
    /// is an InputError.
    explicit Vocab(std::vector<std::string> tokens);

    /// Reads vocab.txt (CRLF and trailing blank lines tolerated). Errors name
    /// file:line (IoError when unreadable, InputError when malformed).
    static Vocab load(const std::string& path);
    /// Writes vocab.txt atomically (IoError on failure).
    void save(const std::string& path) const;

    std::size_t size() const { return tokens_->size(); }
    const std::vector<std::string>& tokens() const { return *tokens_; }
    const std::string& token(std::int32_t id) const;
    /// Id of `token`, or -1 when absent.
    std::int32_t find(std::string_view token) const;
    bool contains(std::string_view token) const { return find(token) >= 0; }
    std::int32_t unk_id() const { return unk_; }
    /// Id of a special token (e.g. "<pad>"), or -1 when the vocabulary lacks it.
    std::int32_t special_id(std::string_view token) const { return find(token); }

    /// Id of `token`, <unk> when absent (then ++*unknown when given).
    std::int32_t encode_token(std::string_view token, std::uint64_t* unknown = nullptr) const;
    /// Clears `ids` and appends the ids of `tokens` (optionally wrapped in
    /// <cls> ... <eos> when the vocabulary has them). Returns the number of
    /// unknown tokens.
    std::uint64_t encode(const std::vector<std::string_view>& tokens,
                         std::vector<std::int32_t>& ids, bool add_special_tokens = false) const;

  private:
    void index();

    // Shared immutable storage: the map's keys view into these strings, so
    // copies of a Vocab stay valid.
    std::shared_ptr<const std::vector<std::string>> tokens_;
    std::shared_ptr<const std::unordered_map<std::string_view, std::int32_t>> ids_;
    std::array<std::int32_t, 256> single_;  ///< ids of one-byte tokens (-1: absent), the fast path
    std::int32_t unk_ = -1;
    std::int32_t cls_ = -1;
    std::int32_t eos_ = -1;
};

/// Counts tokens over a corpus and builds a Vocab: specials first, then
/// tokens by decreasing frequency (ties in byte order), those seen fewer than
/// min_frequency times left out.
class VocabBuilder {
  public:
    void add(const std::vector<std::string_view>& tokens);
    void add(std::string_view token, std::uint64_t count = 1);
    std::uint64_t sequences() const { return sequences_; }
    std::uint64_t distinct_tokens() const { return counts_.size(); }
    const std::unordered_map<std::string, std::uint64_t>& counts() const { return counts_; }
    Vocab build(const VocabBuildOptions& options = {}) const;

  private:
    std::unordered_map<std::string, std::uint64_t> counts_;
    std::uint64_t sequences_ = 0;
};

}  // namespace plmkit::tokenizers
