#include "pipelines/tree_parts.hpp"

#include <chrono>
#include <vector>

#include "src/log.hpp"

namespace plmkit::pipelines {

namespace {

/// The boosted trees part (multi-class when o.classes > 0) into out.gbm and
/// out.gbm_info.
void fit_gbm(const models::TrainTensors& train, const models::TrainTensors& valid, std::int64_t dim,
             const TreeFitOptions& o, FittedTrees& out) {
    const std::int64_t targets = train.y.size(1);
    const auto g0 = std::chrono::steady_clock::now();
    std::vector<models::BoostHistory> history;
    const bool has_valid = valid.size() > 0;
    const float* xv = has_valid ? valid.x.data_ptr<float>() : nullptr;
    const float* yv = has_valid ? valid.y.data_ptr<float>() : nullptr;
    const float* maskv = has_valid ? valid.mask.data_ptr<float>() : nullptr;
    const float *x = train.x.data_ptr<float>(), *y = train.y.data_ptr<float>();
    const float* mask = train.mask.data_ptr<float>();
    out.gbm = std::make_shared<const models::BoostedTrees>(
        o.classes > 0
            ? models::BoostedTrees::fit_classes(x, y, mask, train.size(), xv, yv, maskv,
                                                valid.size(), dim, o.classes, o.gbm_options,
                                                &history)
            : models::BoostedTrees::fit(x, y, mask, train.size(), xv, yv, maskv, valid.size(), dim,
                                        targets, o.task, o.gbm_options, &history));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
    nlohmann::json per_target = nlohmann::json::array();
    std::string rounds;
    for (const auto& h : history) {
        per_target.push_back({{"rounds", h.rounds},
                              {"rounds_tried", h.rounds_tried},
                              {"best_valid_loss", h.best_valid_loss}});
        rounds += (rounds.empty() ? "" : ",") + std::to_string(h.rounds);
    }
    out.gbm_info = {{"targets", per_target},
                    {"nodes", out.gbm->num_nodes()},
                    {"seed", o.gbm_options.seed},
                    {"seconds", seconds}};
    log_info("train: gradient-boosted trees, " + rounds + " rounds kept (" +
             std::to_string(out.gbm->num_nodes()) + " nodes) in " +
             std::to_string(static_cast<int>(seconds + 0.5)) + " s");
}

}  // namespace

FittedTrees fit_trees(const models::TrainTensors& train, const models::TrainTensors& valid,
                      std::int64_t dim, const TreeFitOptions& o) {
    const std::int64_t targets = train.y.size(1);
    FittedTrees out;
    if (o.forest) {
        const auto f0 = std::chrono::steady_clock::now();
        const models::ForestOptions& fo = o.forest_options;
        const float *x = train.x.data_ptr<float>(), *y = train.y.data_ptr<float>();
        const float* mask = train.mask.data_ptr<float>();
        out.forest = std::make_shared<const models::Forest>(
            o.classes > 0
                ? models::Forest::fit_classes(x, y, mask, train.size(), dim, o.classes, fo)
                : models::Forest::fit(x, y, mask, train.size(), dim, targets, o.task, fo));
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - f0).count();
        out.forest_info = {{"trees", fo.trees},
                           {"nodes", out.forest->num_nodes()},
                           {"seed", fo.seed},
                           {"seconds", seconds}};
        log_info("train: random forest of " + std::to_string(fo.trees) + " trees (" +
                 std::to_string(out.forest->num_nodes()) + " nodes) in " +
                 std::to_string(static_cast<int>(seconds + 0.5)) + " s");
    }
    if (o.gbm) fit_gbm(train, valid, dim, o, out);
    return out;
}

std::shared_ptr<const models::NearestNeighbours> fit_knn(const models::TrainTensors& t,
                                                         std::int64_t dim,
                                                         const models::KnnOptions& o,
                                                         std::int64_t classes) {
    const float *x = t.x.data_ptr<float>(), *y = t.y.data_ptr<float>();
    const float* mask = t.mask.data_ptr<float>();
    using models::NearestNeighbours;
    return std::make_shared<const NearestNeighbours>(
        classes > 0 ? NearestNeighbours::fit_classes(x, y, mask, t.size(), dim, classes, o)
                    : NearestNeighbours::fit(x, y, mask, t.size(), dim, t.y.size(1), o));
}

}  // namespace plmkit::pipelines
