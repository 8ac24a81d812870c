#include "models/boosted_trees.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "models/boost_tree_builder.hpp"
#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {

void check_boost_options(const BoostOptions& o) {
    if (o.rounds <= 0) throw UsageError("--gbm-rounds must be > 0");
    if (!(o.learning_rate > 0 && o.learning_rate <= 1))
        throw UsageError("--gbm-lr must be in (0, 1]");
    if (o.max_leaves < 2) throw UsageError("--gbm-leaves must be at least 2");
    if (o.max_depth < 0) throw UsageError("--gbm-max-depth must be >= 0");
    if (o.min_samples_leaf <= 0) throw UsageError("--gbm-min-leaf must be > 0");
    if (!(o.l2 >= 0)) throw UsageError("--gbm-l2 must be >= 0");
    if (!(o.subsample > 0 && o.subsample <= 1))
        throw UsageError("--gbm-subsample must be in (0, 1]");
    if (!(o.colsample > 0 && o.colsample <= 1))
        throw UsageError("--gbm-colsample must be in (0, 1]");
    if (o.max_bins < 2 || o.max_bins > 255) throw UsageError("--gbm-bins must be in 2..255");
    if (o.patience < 0) throw UsageError("--gbm-patience must be >= 0");
}

namespace {

double sigmoid(double z) {
    return 1.0 / (1.0 + std::exp(-z));
}

/// Mean loss over the labelled rows: log loss (classification) or half
/// the squared error.
double loss(const std::vector<double>& score, const std::vector<float>& y,
            const std::vector<std::int32_t>& rows, bool classification) {
    double sum = 0;
    for (std::int32_t r : rows) {
        if (classification) {
            // log(1 + e^-z) for y = 1, log(1 + e^z) for y = 0, stably.
            const double z = y[r] > 0.5f ? score[r] : -score[r];
            sum += z > 0 ? std::log1p(std::exp(-z)) : -z + std::log1p(std::exp(z));
        } else {
            const double d = score[r] - y[r];
            sum += 0.5 * d * d;
        }
    }
    return rows.empty() ? 0 : sum / static_cast<double>(rows.size());
}

/// One target's labels: every row's value and the rows that carry a label.
struct TargetLabels {
    std::vector<float> y;            ///< [row]
    std::vector<std::int32_t> rows;  ///< labelled rows, ascending
};

TargetLabels target_labels(const float* y, const float* mask, std::int64_t n, std::int64_t targets,
                           std::int64_t t) {
    TargetLabels out;
    out.y.resize(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
        out.y[r] = y[r * targets + t];
        if (mask[r * targets + t] > 0) out.rows.push_back(static_cast<std::int32_t>(r));
    }
    return out;
}

/// The starting score: the mean label (regression) or its log-odds
/// (classification), rounded to float as saved so that predictions survive
/// a round trip.
double starting_score(const TargetLabels& train, bool classification) {
    double sum = 0;
    for (std::int32_t r : train.rows)
        sum += train.y[r];
    const double mean = sum / static_cast<double>(train.rows.size());
    double base = mean;
    if (classification) {
        const double p = std::min(1 - 1e-6, std::max(1e-6, mean));
        base = std::log(p / (1 - p));
    }
    return static_cast<float>(base);
}

/// First and second derivatives of the loss at the current scores, for the
/// labelled rows.
void loss_derivatives(const std::vector<double>& score, const TargetLabels& train,
                      bool classification, std::vector<double>& g, std::vector<double>& h) {
    for (std::int32_t r : train.rows) {
        if (classification) {
            const double p = sigmoid(score[r]);
            g[r] = p - train.y[r];
            h[r] = std::max(p * (1 - p), 1e-16);
        } else {
            g[r] = score[r] - train.y[r];
            h[r] = 1;
        }
    }
}

/// The features and validation data every target's trees are fitted on.
struct BoostData {
    const float* x;  ///< [n * dim]
    std::int64_t n;
    const float* xv;  ///< [nv * dim]
    std::int64_t nv;
    std::int64_t dim;
    bool classification;
};

/// Grows one target's trees round by round from the starting score base,
/// stopping once the validation loss has not improved for o.patience
/// rounds, and keeps the best prefix.
BoostHistory fit_target(const BoostData& d, const TargetLabels& train, const TargetLabels& valid,
                        double base, std::int64_t t, const BoostOptions& o,
                        BoostTreeBuilder& builder, std::vector<ForestTree>& trees) {
    const std::size_t per_tree = features_per_tree(o.colsample, d.dim);
    const bool early_stop = !valid.rows.empty() && o.patience != 0;
    std::vector<double> score(static_cast<std::size_t>(d.n), base), vscore(d.nv, base);
    std::vector<double> g(static_cast<std::size_t>(d.n), 0), h(static_cast<std::size_t>(d.n), 0);
    double best = std::numeric_limits<double>::infinity();
    std::size_t best_rounds = 0;
    int tried = 0;
    for (int round = 0; round < o.rounds; ++round) {
        loss_derivatives(score, train, d.classification, g, h);
        auto rng = round_rng(o.seed, t, round);
        std::vector<std::int32_t> sample = round_rows(train.rows, o.subsample, rng);
        const std::vector<std::int32_t> chosen = round_features(d.dim, per_tree, rng);
        trees.push_back(builder.build(std::move(sample), chosen, g.data(), h.data()));
        ++tried;
        const ForestTree& tree = trees.back();
        for (std::int64_t r = 0; r < d.n; ++r)
            score[r] += tree.predict(d.x + r * d.dim);
        if (!early_stop) {
            best_rounds = trees.size();
            continue;
        }
        for (std::int32_t r : valid.rows)
            vscore[r] += tree.predict(d.xv + static_cast<std::int64_t>(r) * d.dim);
        const double l = loss(vscore, valid.y, valid.rows, d.classification);
        if (l < best - 1e-12) {
            best = l;
            best_rounds = trees.size();
        } else if (static_cast<int>(trees.size() - best_rounds) >= o.patience) {
            break;
        }
    }
    trees.resize(std::max<std::size_t>(1, best_rounds));
    BoostHistory history;
    history.rounds = static_cast<int>(trees.size());
    history.rounds_tried = tried;
    history.best_valid_loss = !early_stop ? -1 : (best_rounds ? best : -1);
    return history;
}

}  // namespace

BoostedTrees BoostedTrees::fit(const float* x, const float* y, const float* mask, std::int64_t n,
                               const float* xv, const float* yv, const float* maskv,
                               std::int64_t nv, std::int64_t dim, std::int64_t targets,
                               const std::string& task, const BoostOptions& o,
                               std::vector<BoostHistory>* history) {
    check_boost_options(o);
    if (n <= 0 || dim <= 0 || targets <= 0)
        throw ModelError("gradient-boosted trees: no training data");
    const bool classification = task == "classification";
    const Binning bins = make_bins(x, n, dim, o.max_bins);

    BoostedTrees model;
    model.dim_ = dim;
    model.classification_ = classification;
    model.base_.assign(targets, 0.0);
    model.trees_.assign(targets, {});
    if (history) history->assign(targets, BoostHistory());
    const BoostData data{x, n, xv, nv, dim, classification};
    LoopHelpers helpers(std::max(0, at::get_num_threads() - 1));
    for (std::int64_t t = 0; t < targets; ++t) {
        const TargetLabels train = target_labels(y, mask, n, targets, t);
        const TargetLabels valid = target_labels(yv, maskv, nv, targets, t);
        if (train.rows.empty())
            throw ModelError("gradient-boosted trees: target " + std::to_string(t) +
                             " has no labelled training row");
        model.base_[t] = starting_score(train, classification);
        BoostTreeBuilder builder(bins, n, o, &helpers);
        const BoostHistory fitted =
            fit_target(data, train, valid, model.base_[t], t, o, builder, model.trees_[t]);
        if (history) (*history)[t] = fitted;
    }
    return model;
}

std::size_t BoostedTrees::num_nodes() const {
    std::size_t total = 0;
    for (const auto& per_target : trees_)
        for (const auto& tree : per_target)
            total += tree.feature.size();
    return total;
}

void BoostedTrees::predict(const float* x, std::int64_t n, double* out) const {
    if (classes_ > 0) return predict_classes(x, n, out);
    const std::int64_t targets = num_targets();
    at::parallel_for(0, n, 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r) {
            const float* row = x + r * dim_;
            for (std::int64_t t = 0; t < targets; ++t) {
                double z = base_[t];
                for (const auto& tree : trees_[t])
                    z += tree.predict(row);
                out[r * targets + t] = classification_ ? sigmoid(z) : z;
            }
        }
    });
}

void BoostedTrees::to_tensors(std::vector<TensorView>& views,
                              std::vector<std::vector<char>>& keep) const {
    keep.reserve(keep.size() + tensor_count(num_outputs()));
    for (std::int64_t t = 0; t < num_outputs(); ++t) {
        const std::string p = "gbm." + std::to_string(t) + ".";
        const float base = static_cast<float>(base_[t]);
        keep.emplace_back(sizeof(float));
        std::memcpy(keep.back().data(), &base, sizeof(float));
        TensorView v;
        v.name = p + "base";
        v.dtype = StoredDType::f32;
        v.shape = {1};
        v.data = keep.back().data();
        v.nbytes = sizeof(float);
        views.push_back(v);
        trees_to_tensors(p, trees_[t], views, keep);
    }
}

BoostedTrees BoostedTrees::from_tensors(const SafetensorsFile& file, std::int64_t dim,
                                        std::int64_t targets, const std::string& task,
                                        std::int64_t classes) {
    BoostedTrees model;
    model.dim_ = dim;
    model.classification_ = task == "classification";
    model.classes_ = classes > 0 ? classes : 0;
    const std::int64_t groups = classes > 0 ? classes : targets;
    model.base_.resize(groups);
    model.trees_.resize(groups);
    for (std::int64_t t = 0; t < groups; ++t) {
        const std::string p = "gbm." + std::to_string(t) + ".";
        const TensorView& v = file.get(p + "base");
        if (v.dtype != StoredDType::f32 || v.shape != std::vector<std::int64_t>{1})
            throw ModelError(file.path() + ": tensor '" + p + "base' has shape " +
                             v.shape_string() + " " + to_string(v.dtype) + ", expected [1] F32");
        float base = 0;
        std::memcpy(&base, v.data, sizeof(float));
        if (!std::isfinite(base))
            throw ModelError(file.path() + ": tensor '" + p + "base' is not finite");
        model.base_[t] = base;
        model.trees_[t] = trees_from_tensors(file, p, dim,
                                             "boosted trees of " +
                                                 std::string(classes > 0 ? "class " : "target ") +
                                                 std::to_string(t));
        if (t > 0 && classes > 0 && model.trees_[t].size() != model.trees_[0].size())
            throw ModelError(file.path() + ": tensor '" + p + "roots' holds " +
                             count_noun(model.trees_[t].size(), "tree") +
                             ", expected one a round like class 0's " +
                             std::to_string(model.trees_[0].size()));
    }
    return model;
}

}  // namespace plmkit::models
