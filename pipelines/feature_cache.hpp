#pragma once
// Raw features of a training table, cached in MODEL_DIR/checkpoints/ so
// that `plmkit train --resume` does not featurize again (ESM-2 embeddings
// can take hours). The cache holds the data row indices and the
// featurizer description it was made with, and is used only when both
// match.
#include <string>

#include <nlohmann/json.hpp>

#include "pipelines/property_table.hpp"

namespace plmkit::pipelines {

/// Writes t's features (atomically). Throws IoError.
void save_features(const std::string& path, const PropertyTable& t, const nlohmann::json& desc);
/// Loads cached features into `t` when they were made for exactly its rows
/// and this featurizer; false otherwise (then the caller featurizes).
bool load_features(const std::string& path, PropertyTable& t, const nlohmann::json& desc);

}  // namespace plmkit::pipelines
