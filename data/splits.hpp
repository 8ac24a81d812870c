#pragma once
// Train/valid/test splits, deterministic on every platform: a splitmix64
// generator and Fisher-Yates shuffles (std::uniform_int_distribution is
// implementation-defined, so it is not used). Sets are numbered 0 = train,
// 1 = valid, 2 = test; -1 marks a record in no set.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace plmkit::data {

enum SplitSet : int { kNoSet = -1, kTrain = 0, kValid = 1, kTest = 2 };

/// Fractions of the records per set; they must be >= 0 and sum to 1.
struct SplitSizes {
    double train = 0.8;
    double valid = 0.1;
    double test = 0.1;
};

enum class GroupSplitMethod {
    /// Chemprop's balanced scaffold split: groups larger than half the valid
    /// or test size go first (shuffled), then the others (shuffled); each group
    /// goes to train if it fits in train's size, else valid if it fits, else test.
    balanced,
    /// DeepChem's ScaffoldSplitter: groups sorted by size, largest first (ties:
    /// later first occurrence first); fill train up to train*n, then valid up
    /// to (train+valid)*n, the rest test. Ignores the seed. Reproduces the
    /// scaffold_split.csv files in ../shared/data.
    largest_first,
};

/// Small, fast, portable generator (Steele et al., splitmix64).
class SplitMix64 {
  public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next();
    /// Uniform in [0, bound) without modulo bias; bound > 0.
    std::uint64_t below(std::uint64_t bound);

  private:
    std::uint64_t state_;
};

/// 0..n-1 shuffled by Fisher-Yates (i from n-1 down to 1, j = below(i+1)).
std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed);

/// Throws UsageError unless the sizes are >= 0 and sum to 1 (within 1e-6).
void check_split_sizes(const SplitSizes& sizes);

/// Shuffles the n records and cuts them: floor(train*n) to train,
/// floor((train+valid)*n) - that to valid, the rest to test.
std::vector<int> random_split(std::size_t n, const SplitSizes& sizes, std::uint64_t seed);

/// Records with equal keys (e.g. Murcko scaffolds) always land in the same set.
std::vector<int> group_split(const std::vector<std::string>& groups, const SplitSizes& sizes,
                             std::uint64_t seed,
                             GroupSplitMethod method = GroupSplitMethod::balanced);

/// Set of a split-column value: "train"; "valid", "val", "validation", "dev";
/// "test" (case-insensitive, trimmed). Anything else (e.g. "invalid") -> -1.
/// Lenient: a misspelled value silently leaves its row out; the train job
/// uses parse_split_name.
int split_from_name(const std::string& value);
std::vector<int> column_split(const std::vector<std::string>& values);

/// Strict form of split_from_name: the names above, or "none", "invalid",
/// "exclude" (-1: the row is left out on purpose). False for anything else,
/// a blank value included.
bool parse_split_name(const std::string& value, int& set);

/// What parse_split_name accepts, for error messages.
extern const char* const kSplitNamesExpected;

/// "train", "valid", "test" or "none".
const char* split_name(int set);

}  // namespace plmkit::data
