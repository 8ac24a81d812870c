#pragma once
// `plmkit screen`: stream a compound library through parse -> standardize ->
// dedupe -> descriptors -> filter -> similarity -> score -> rank, in chunks,
// with worker threads, writing hits.csv (+ hits.sdf), rejects.tsv and
// summary.json. Every input record ends in exactly one of hits.csv and
// rejects.tsv; the outputs are byte-identical for any --threads and --chunk.
// A run from a file into a file keeps a checkpoint after every chunk, so that
// `resume` can finish an interrupted run with the same outputs.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/molecule_reader.hpp"
#include "pipelines/screen_config.hpp"
#include "pipelines/screen_summary.hpp"
#include "pipelines/shard.hpp"

namespace plmkit::pipelines {

struct ScreenOptions {
    std::string input;                   ///< .smi/.csv/.tsv/.sdf[.gz], "-" = stdin
    data::MoleculeReaderOptions reader;  ///< format, smiles/id columns
    std::string config_path;             ///< YAML; empty = the default pipeline
    std::optional<ScreenConfig> config;  ///< used instead of config_path when set
    std::string output = "hits.csv";     ///< hits CSV ("-" = stdout)
    std::string sdf;                     ///< hits SDF (optional)
    std::string rejects;                 ///< "" = <output stem>.rejects.tsv
    std::string summary;                 ///< "" = <output stem>.summary.json
    int threads = 1;                     ///< worker threads; 0 = all available cores
    std::size_t chunk = 10000;           ///< records read and processed per chunk
    std::optional<std::uint64_t> top;    ///< overrides the config's rank.top
    /// --keep-cols: overrides the config's output.keep_cols.
    std::optional<std::vector<std::string>> keep_cols;
    Shard shard;           ///< process records with index % N == I
    bool progress = true;  ///< progress line on a terminal
    /// Continue the interrupted run writing `output` from its checkpoint in
    /// `<output>.partial/` (pipelines/screen_checkpoint.hpp).
    bool resume = false;
};

struct ScreenResult {
    ScreenCounts counts;
    double seconds = 0;
    std::string output, sdf, rejects, summary;  ///< paths written
};

ScreenResult run_screen(const ScreenOptions& options);

}  // namespace plmkit::pipelines
