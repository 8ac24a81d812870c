#pragma once
// One slice of a batch job split across processes (a Slurm job array): shard
// I of N takes the input records whose 0-based index satisfies
// index % N == I, so N shards together see every record exactly once and a
// merge can restore input order by interleaving.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace plmkit::pipelines {

struct Shard {
    std::int64_t index = 0;  ///< I, 0 <= I < N
    std::int64_t count = 1;  ///< N >= 1; {0, 1} is the whole input

    /// True when the record with 0-based input position `record` belongs here.
    bool contains(std::uint64_t record) const {
        return static_cast<std::int64_t>(record % static_cast<std::uint64_t>(count)) == index;
    }
    bool whole() const { return count == 1; }
    /// How many of the records 0..total-1 belong here.
    std::uint64_t records_of(std::uint64_t total) const {
        const auto i = static_cast<std::uint64_t>(index), n = static_cast<std::uint64_t>(count);
        return total > i ? (total - i - 1) / n + 1 : 0;
    }
    /// "I/N".
    std::string to_string() const;
};

inline bool operator==(const Shard& a, const Shard& b) {
    return a.index == b.index && a.count == b.count;
}

/// Looks up an environment variable (nullptr when unset); std::getenv by default.
using EnvLookup = std::function<const char*(const char*)>;

/// Parses the --shard value: "" (whole input), "I/N", "auto" or "auto/N".
/// "auto" reads the Slurm job array variables of a complete array: index =
/// (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP,
/// count = SLURM_ARRAY_TASK_COUNT (MIN defaults to 0, STEP to 1). It refuses
/// what a partial re-run looks like (a one-task array such as sbatch
/// --array=2, or a list whose COUNT does not match MIN-MAX:STEP), where the
/// shard count cannot be known. "auto/N" is shard SLURM_ARRAY_TASK_ID of N
/// (tasks numbered 0..N-1), which stays right when one task is re-run.
/// Throws UsageError naming the value and what was expected
/// ("--shard 4/4: index must be < count").
Shard parse_shard(const std::string& text, const EnvLookup& env = {});

/// The file a shard writes for the output `path`: "hits.csv" ->
/// "hits.shard-3-of-4.csv" (index_text "3", count 4). index_text is text so
/// that a job script can pass "${SLURM_ARRAY_TASK_ID}". Paths without an
/// extension get the suffix appended; the extension is split_extension's
/// (src/output_names.hpp: ".csv.gz" counts as one).
std::string shard_path(const std::string& path, const std::string& index_text, std::int64_t count);
std::string shard_path(const std::string& path, const Shard& shard);

/// The shard "I/N" that a file name made by shard_path states
/// ("hits.shard-2-of-12.csv" -> 2/12); nothing when the name has no such tag.
std::optional<Shard> shard_in_name(const std::string& path);

/// The shell glob that matches every shard of the run whose shard file is
/// `path` ("out/emb.shard-2-of-3.h5" -> "out/emb.shard-*-of-3.h5"); "" when
/// the name has no shard tag.
std::string shard_glob(const std::string& path);

/// Where a run of `shard` writes the output `path` given by `option`
/// (--output, --rejects, ...): unchanged for a whole run, "" and "-", and a
/// name that already states this shard; otherwise shard_path(path, shard),
/// so that the N shards of one command line never write the same file.
/// Throws UsageError when the name states another shard.
std::string shard_output_path(const std::string& path, const Shard& shard,
                              const std::string& option);

}  // namespace plmkit::pipelines
