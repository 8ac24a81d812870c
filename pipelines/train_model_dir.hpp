#pragma once
// The model directory that `plmkit train` writes (docs/train.md): the
// featurizer's files next to config.json, and at the end of a run
// metrics.json, split.csv, rejects.tsv and the model itself.
#include <nlohmann/json.hpp>
#include <string>

#include "models/property_model.hpp"
#include "pipelines/property_featurizer.hpp"
#include "pipelines/train_data.hpp"
#include "pipelines/train_job.hpp"

namespace plmkit::pipelines {

/// Model files next to config.json that the featurizer needs: a copy of
/// the smiles-lm encoder, so the model directory is self-contained.
/// Returns the featurizer's description for config.json; throws IoError.
nlohmann::json bundle_featurizer(const PropertyFeaturizer& f, const std::string& out);

/// Writes metrics.json, split.csv, rejects.tsv and the model (config.json
/// last: its presence marks a complete model), then removes the checkpoints.
/// `header` names the input column of split.csv and rejects.tsv.
void write_model_dir(const TrainOptions& o, const TrainData& p, const models::PropertyModel& model,
                     const nlohmann::json& metrics, const char* header);

}  // namespace plmkit::pipelines
