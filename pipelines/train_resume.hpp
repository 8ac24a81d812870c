#pragma once
// The checkpoints folder of `plmkit train` (<output>/checkpoints): what a
// run records there when it begins, and what `--resume` compares with it
// (docs/train.md, Resume).
#include <nlohmann/json.hpp>
#include <string>

#include "pipelines/train_job.hpp"
#include "src/json_file.hpp"  // read_json_file, write_json_file: train_job and train_model_dir use them

namespace plmkit::pipelines {

/// --resume: throws UsageError naming the first option of `now` that differs
/// from `before` (the interrupted run's), by its dotted name ("seed",
/// "featurizer.esm_pooling"), plain values before groups. Train and pretrain
/// use it.
void refuse_changed_option(const nlohmann::json& before, const nlohmann::json& now,
                           const std::string& prefix = "");

/// --resume: throws UsageError when the interrupted run had other options
/// (naming the first that differs by its dotted name) or read other data,
/// split file or encoder files.
void check_resume(const TrainOptions& options);

/// Creates <output>/checkpoints with the run's options and the fingerprints
/// of its files; a new run (not --resume) first removes an older run's
/// checkpoints.
void begin_run(const TrainOptions& options);

}  // namespace plmkit::pipelines
