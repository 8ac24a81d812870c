#pragma once
// Which ids a reader has already returned, in bounded memory: the readers
// stream, so remembering every id (a std::string each, ~90 bytes per record)
// made memory grow with the file (2 million FASTA records: +180 MB).
// SeenIds keeps a 64-bit fingerprint (XXH64) per id in an open-addressing
// table (8 bytes a slot, at most half full) and stops remembering new ids at
// `max_ids`: memory then stays at its cap, and later ids are not checked.
// Two different ids share a fingerprint with probability ~ n^2 / 2^65
// (about 5e-7 for the default 4 million ids).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace plmkit::data {

class SeenIds {
  public:
    /// 2^22 ids: a table of at most 2^23 slots, 64 MiB.
    static constexpr std::size_t kDefaultMaxIds = std::size_t{1} << 22;

    explicit SeenIds(std::size_t max_ids = kDefaultMaxIds);

    enum class Result {
        first,        ///< not seen before; now remembered
        repeated,     ///< seen before
        not_checked,  ///< the table is full: not looked up, not remembered
    };
    Result insert(std::string_view id);

    std::size_t size() const { return size_; }
    bool full() const { return size_ >= max_ids_; }
    /// Bytes held by the table.
    std::size_t memory_bytes() const { return slots_.size() * sizeof(std::uint64_t); }

  private:
    bool find(std::uint64_t fingerprint) const;
    void add(std::uint64_t fingerprint);
    void grow();

    std::vector<std::uint64_t> slots_;  ///< 0 = empty
    std::size_t size_ = 0;
    std::size_t max_ids_;
};

/// The streaming readers' duplicate-id check (FastaReader; SequenceReader's
/// tables): a repeated id is counted and warned about on stderr (the first
/// kMaxWarnings, naming file:line; the record is kept), and the first id past
/// the SeenIds cap gets a note that later repeats are not reported.
class DuplicateIdCheck {
  public:
    static constexpr std::uint64_t kMaxWarnings = 10;

    /// `item`: what the messages call an input record ("record", "row").
    explicit DuplicateIdCheck(std::string item, std::size_t max_ids = SeenIds::kDefaultMaxIds);

    /// The item at `where` ("file:line") has `id`.
    void note(const std::string& id, const std::string& where);
    /// At the end of `path`: the total, when there were more repeats than
    /// warnings.
    void say_total(const std::string& path) const;
    std::uint64_t duplicates() const { return duplicates_; }

  private:
    std::string item_;
    SeenIds seen_;
    std::uint64_t duplicates_ = 0;
    bool said_unchecked_ = false;
};

}  // namespace plmkit::data
