#pragma once
// `plmkit merge --kind screen`: combines the outputs of `plmkit screen
// --shard I/N` runs into exactly the files one run over the whole input
// writes (byte-identical hits.csv, hits.sdf and rejects.tsv; summary.json
// identical except its "run" object of timing and paths).
//
// Shards de-duplicate only within themselves, so the merge walks all records
// in input order, re-deduplicates across shards (a later copy moves to the
// rejects as "duplicate of <first id>"), and re-ranks the hits for --top.
// A hit a shard cut by --top can never be in the global top K (each hit
// ranked above it in its shard is, or has a copy that is, ranked above it
// globally), so shards need to keep only their own top K.
#include <string>
#include <vector>

#include "pipelines/screen_job.hpp"

namespace plmkit::pipelines {

struct ScreenMergeOptions {
    /// Each shard's summary.json, or its hits CSV (the summary is then
    /// <hits stem>.summary.json, or shard_path(summary, k, N) for input k of N).
    /// The rejects and SDF are found beside the hits file by the names the
    /// screen gave them, never at the absolute paths stored in the summary.
    std::vector<std::string> inputs;
    std::string output = "hits.csv";  ///< "-" = stdout (rejects, summary only if named)
    std::string sdf;                  ///< requires the shards to have written SDF
    std::string rejects;              ///< "" = <output stem>.rejects.tsv
    std::string summary;              ///< "" = <output stem>.summary.json
};

/// InputError when the shards do not belong together (missing, doubled,
/// foreign by input file content, reader, config or version, naming the
/// differing key), when a shard file has other rows than its summary counts,
/// or when a merged summary is given; UsageError when an output is one of
/// the shard files; IoError when a file cannot be read or written.
ScreenResult merge_screen(const ScreenMergeOptions& options);

/// True when `path` is a screen output (a screen summary.json, or a CSV whose
/// header starts with id,input_smiles,smiles): used by `plmkit merge` to
/// choose the kind of merge.
bool is_screen_output(const std::string& path);

}  // namespace plmkit::pipelines
