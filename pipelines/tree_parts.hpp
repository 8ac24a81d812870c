#pragma once
// The tree parts of a property model (`plmkit train --head ...forest`,
// `...gbm`): fitted on the training rows' fixed features, boosting stopped
// early on the validation rows, with what metrics.json records of them; and
// the nearest-neighbours part (`...knn`).
#include <cstdint>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "models/boosted_trees.hpp"
#include "models/forest.hpp"
#include "models/knn.hpp"
#include "models/trainable.hpp"

namespace plmkit::pipelines {

struct TreeFitOptions {
    std::string task = "regression";
    bool forest = false, gbm = false;  ///< which parts to fit
    models::ForestOptions forest_options;
    models::BoostOptions gbm_options;
    /// multiclass: the number of classes (targets hold class indices); the
    /// forest and the boosted trees are multi-class ones.
    std::int64_t classes = 0;
};

struct FittedTrees {
    std::shared_ptr<const models::Forest> forest;     ///< null unless asked for
    std::shared_ptr<const models::BoostedTrees> gbm;  ///< null unless asked for
    nlohmann::json forest_info, gbm_info;             ///< sizes, rounds, seconds
};

/// Fits the parts asked for on `train` (x, y, mask; regression targets
/// standardized); boosting watches `valid` (may be empty). Logs one line a
/// part.
FittedTrees fit_trees(const models::TrainTensors& train, const models::TrainTensors& valid,
                      std::int64_t dim, const TreeFitOptions& options);

/// The knn part on the rows of `t` (x, y, mask); `classes` > 0: a
/// multi-class target of class indices.
std::shared_ptr<const models::NearestNeighbours> fit_knn(const models::TrainTensors& t,
                                                         std::int64_t dim,
                                                         const models::KnnOptions& options,
                                                         std::int64_t classes);

}  // namespace plmkit::pipelines
