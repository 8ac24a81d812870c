#pragma once
// The checkpoints folder of `plmkit train` (<output>/checkpoints): what a
// run records there when it begins, and what `--resume` compares with it
// (docs/train.md, Resume).
#include <nlohmann/json.hpp>
#include <string>

#include "pipelines/train_job.hpp"

namespace plmkit::pipelines {

/// Writes `j` (indented) to `path` atomically; throws IoError.
void write_json_file(const std::string& path, const nlohmann::json& j);

/// Reads JSON from `path`: IoError when it cannot be opened, InputError
/// naming the file when it is not JSON.
nlohmann::json read_json_file(const std::string& path);

/// --resume: throws UsageError when the interrupted run had other options
/// (naming the first that differs by its dotted name) or read other data,
/// split file or encoder files.
void check_resume(const TrainOptions& options);

/// Creates <output>/checkpoints with the run's options and the fingerprints
/// of its files; a new run (not --resume) first removes an older run's
/// checkpoints.
void begin_run(const TrainOptions& options);

}  // namespace plmkit::pipelines
