#pragma once
// Counts of a screening run (or of merged shards) and summary.json. The
// counts are derived from the records' fates only, so a merge of shard
// outputs recomputes exactly what a single run reports. Timing and paths go
// under "run", the only part that differs between a single run and a merge.
#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "pipelines/screen_step.hpp"

namespace plmkit::pipelines {

struct ScreenCounts {
    std::uint64_t read = 0;                             ///< input records (of this shard)
    std::uint64_t hits = 0;                             ///< rows of hits.csv
    std::array<std::uint64_t, kScreenSteps> removed{};  ///< rejects per step
    std::map<std::string, std::uint64_t> filtered_by_rule;

    /// Counts one reject; a filter reject's rule is its reason up to ':'.
    void add_reject(ScreenStep step, const std::string& reason);
    std::uint64_t duplicates() const { return removed[static_cast<int>(ScreenStep::dedupe)]; }
    std::uint64_t filtered() const { return removed[static_cast<int>(ScreenStep::filter)]; }
    std::uint64_t cut_by_top() const { return removed[static_cast<int>(ScreenStep::top)]; }
    /// Rejected as unusable: read, parse, standardize, descriptors, similarity.
    std::uint64_t rejected() const;
    /// records read == hits + rejected + filtered + duplicates + cut by top.
    bool balanced() const;
};

/// summary.json: input (the path as given), input_file (its size and hash,
/// see file_fingerprint), reader (the input's format and columns, see
/// screen_reader_json), config, counts, steps, accounting identity; `run`
/// (timing, threads, shard, output paths) is appended as is.
nlohmann::json screen_summary_json(const ScreenCounts& counts, const std::string& input,
                                   const nlohmann::json& input_file, const nlohmann::json& reader,
                                   const nlohmann::json& config, const nlohmann::json& run);

/// The summary's "reader" object: the resolved input format and the column
/// options, which together with the input decide which records a run sees
/// (a merge refuses shards that differ in it).
nlohmann::json screen_reader_json(const std::string& format, const std::string& smiles_col,
                                  const std::string& id_col);

}  // namespace plmkit::pipelines
