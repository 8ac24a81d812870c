#pragma once
// The shard outputs `plmkit merge --kind screen` reads: for each merge input,
// the shard's summary.json and its hits, rejects and SDF files found beside
// the hits file, checked to be all N shards of one screening run.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/screen_merge.hpp"
#include "pipelines/shard.hpp"

namespace plmkit::pipelines {

struct ScreenShardFiles {
    std::string summary, hits, rejects, sdf;
    std::string label;  ///< "I/N"
    Shard shard;
    nlohmann::json doc;                           ///< the summary
    std::uint64_t hit_rows = 0, reject_rows = 0;  ///< as its summary counts them
};

/// The shards of `options.inputs`, in the order given. InputError when a
/// summary is not a shard's screen summary (or is a merged one), when shards
/// are missing, doubled or of another N, or when one is foreign to the first
/// (input file content, reader, config or version, naming the differing key);
/// IoError when a summary is not found or cannot be read. Warns when the
/// shards were written by another plmkit version.
std::vector<ScreenShardFiles> load_screen_shards(const ScreenMergeOptions& options);

}  // namespace plmkit::pipelines
