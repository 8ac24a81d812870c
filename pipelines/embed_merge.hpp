#pragma once
// `plmkit merge --kind embed`: joins the HDF5 files of `plmkit embed --shard
// I/N` (one per array task) into the file a single run writes: sequences back
// in input order (by each shard's /record_index), /offsets and
// /contact_offsets rebuilt, every other dataset concatenated in that order,
// and the shards' rejects files merged in input order. Checks first that the
// files belong together: same input, model and options (every provenance
// attribute except the per-shard ones), all N shards present, none twice.
#include <cstdint>
#include <string>
#include <vector>

namespace plmkit::pipelines {

struct EmbedMergeOptions {
    std::vector<std::string> inputs;  ///< shard files, any order
    std::string output;               ///< merged HDF5; rejects to <output>.rejects.tsv
    std::string command_line;         ///< stored as the merged file's command_line
    /// Sequences per block copied at once (memory: one block of each dataset).
    std::size_t block_sequences = 4096;
    /// A block also ends at this many residues (per-token rows).
    std::size_t block_residues = 65536;
};

struct EmbedMergeSummary {
    std::int64_t shards = 0;
    std::uint64_t sequences = 0;
    std::uint64_t truncated = 0;  ///< the shards' num_truncated, summed
    std::uint64_t rejected = 0;
};

/// Writes options.output (atomically) and its rejects file. InputError when
/// the files do not belong together (naming the missing, duplicate or
/// foreign shard and the differing attribute), IoError when one cannot be
/// read or the output cannot be written, UsageError for no inputs.
EmbedMergeSummary merge_embeddings(const EmbedMergeOptions& options);

/// Joins the checkpoint parts of one `plmkit embed` run (files of the same
/// shard holding consecutive record ranges, in that order:
/// pipelines/embed_checkpoint.hpp) into `output` and its rejects file, both
/// written atomically, as merge_embeddings joins shards. The attributes are
/// the first part's, with the counts summed and `command_line` replaced when
/// given. InputError when the parts do not belong together.
EmbedMergeSummary join_embed_parts(const std::vector<std::string>& parts, const std::string& output,
                                   const std::string& command_line);

/// Attributes allowed to differ between shards of one run.
bool is_per_shard_attribute(const std::string& name);

}  // namespace plmkit::pipelines
