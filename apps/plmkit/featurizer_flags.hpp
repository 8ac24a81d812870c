#pragma once
// Flags shared by train / predict / evaluate: how featurizers run (threads,
// device, dtype, token budget) and, for train, which featurizer to build.
#include <string>

#include "apps/plmkit/command.hpp"
#include "pipelines/property_featurizer.hpp"

namespace plmkit::cli {

struct RuntimeFlags {
    int threads = 0;
    std::string device = "auto";
    std::string dtype;  ///< "" = not given: fp32 in train, the model's in predict/evaluate
    std::size_t max_tokens = 4096;
};

/// For unsigned options: refuses "-1", which CLI11 alone would wrap to a
/// huge number ("must be >= 0, got -1").
CLI::Validator non_negative();

/// --threads --device --dtype --max-tokens
void add_runtime_flags(CLI::App* cmd, RuntimeFlags& flags);
/// Parses device and dtype (UsageError when bad).
pipelines::FeaturizerRuntime to_runtime(const RuntimeFlags& flags);

/// --id-col's help: the names tried without it (data::auto_id_columns).
std::string id_col_help();

}  // namespace plmkit::cli
