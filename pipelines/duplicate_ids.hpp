#pragma once
// The ids of a streamed input that repeat an earlier record's id (predict:
// a user who joins the predictions back on id would pair rows wrongly).
// Memory stays bounded: data::SeenIds keeps a 64-bit fingerprint (XXH64) per
// distinct id, 8 bytes a slot at most half full (16-32 bytes per id), up to
// its cap of ids (64 MiB for the default 4,194,304); ids first seen after the
// cap are not checked, and the warning says from which record on. Only the
// first few repeats are kept as text, for the warning.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/seen_ids.hpp"

namespace plmkit::pipelines {

class DuplicateIds {
  public:
    /// How many repeats the warning lists by id and line.
    static constexpr std::size_t kListed = 5;

    explicit DuplicateIds(std::size_t max_ids = data::SeenIds::kDefaultMaxIds);

    /// Record `index` (0-based), starting at `line` (1-based; 0 = unknown),
    /// has `id`. An empty id is not checked.
    void add(const std::string& id, std::uint64_t index, std::uint64_t line);

    /// Records whose id an earlier record had.
    std::uint64_t count() const { return count_; }

    /// "" without repeats; else one line for the log: `<input>: <n> records
    /// repeat an id of an earlier record: 'a' (line 4), ...` and what it
    /// means for `what` (the output).
    std::string warning(const std::string& input, const std::string& what) const;

  private:
    struct Repeat {
        std::string id;
        std::uint64_t index = 0, line = 0;
    };
    data::SeenIds seen_;
    std::uint64_t count_ = 0;
    std::vector<Repeat> listed_;
    bool capped_ = false;
    std::uint64_t capped_at_ = 0;  ///< record (0-based) from which new ids went unchecked
};

}  // namespace plmkit::pipelines
