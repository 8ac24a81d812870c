#pragma once
// Checks of the options of `plmkit train` (docs/train.md) made before any
// data is read: required flags, values in range, heads and featurizers that
// go together, flags of a featurizer the run does not use, --finetune depth,
// the output directory and --resume's checkpoints.
#include <string>
#include <utility>

#include "pipelines/train_job.hpp"

namespace plmkit::pipelines {

/// Throws UsageError naming the flag and what it expects.
void check_train_options(const TrainOptions& options);

/// The encoder directory the run reads and its flag ("--lm-model" for
/// smiles-lm, "--esm-model" for esm), or two empty strings when none.
std::pair<std::string, std::string> train_encoder_dir(const TrainOptions& options);

/// The path of --split file:PATH, or "" for the other splits.
std::string train_split_file(const TrainOptions& options);

}  // namespace plmkit::pipelines
