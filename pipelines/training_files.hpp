#pragma once
// Where a model's training data came from, kept in config.json's "training"
// next to the options as typed ("data": "data/tox21.csv", relative to where
// train ran): "data_file" (and "split_file" for --split file:PATH) records
// {"path": the absolute path, "size": bytes, "xxh64": "<16 hex digits>"}
// (run_files' file_fingerprint), so the file can be found and recognized
// later. Model directories written before these fields load as before.
#include <nlohmann/json.hpp>
#include <string>

namespace plmkit::pipelines {

/// {"path", "size", "xxh64"} of `path`; {"path": "-"} for standard input
/// (read once: nothing to hash). IoError when it cannot be read.
nlohmann::json training_file_record(const std::string& path);

/// Adds "data_file" (and, when not empty, "split_file") to `training`.
void add_training_files(nlohmann::json& training, const std::string& data,
                        const std::string& split_file);

/// When `data` is the file a model was trained on (the same size and hash as
/// `training`'s "data_file"), a note saying so for evaluate: its rows
/// include the training rows, so the metrics are no held-out estimate. ""
/// otherwise, for "-", and for models without "data_file".
std::string training_data_note(const nlohmann::json& training, const std::string& data);

}  // namespace plmkit::pipelines
