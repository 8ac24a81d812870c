// The multi-class boosted trees (BoostedTrees::fit_classes,
// models/boosted_trees.hpp): K regression trees a round, one per class, on
// the gradients of the multinomial deviance, grown by the tree code the
// binary model uses (models/boost_tree_builder.hpp).
//
// With scores z (a row's K class scores, starting at the log class priors),
// p = softmax(z) and y the one-hot label, class c's gradient is p_c - y_c
// and its hessian K/(K-1) * p_c (1 - p_c); a leaf is the Newton step
// -learning_rate * G / (H + l2). The K/(K-1) factor (LightGBM's) makes the
// leaf, with l2 = 0, Friedman's (K-1)/K * sum(r) / sum(|r| (1 - |r|)),
// r = y_c - p_c, as scikit-learn's GradientBoostingClassifier computes it.
#include "models/boosted_trees.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "models/boost_tree_builder.hpp"
#include "src/error.hpp"

namespace plmkit::models {
namespace {

/// One set's class indices and the rows that carry a label.
struct ClassLabels {
    std::vector<std::int32_t> y;     ///< [row], -1 without a label
    std::vector<std::int32_t> rows;  ///< labelled rows, ascending
};

ClassLabels class_labels(const float* labels, const float* mask, std::int64_t n,
                         std::int64_t classes, const std::string& set) {
    ClassLabels out;
    out.y.assign(static_cast<std::size_t>(n), -1);
    for (std::int64_t r = 0; r < n; ++r) {
        if (!(mask[r] > 0)) continue;
        const float v = labels[r];
        if (!(v >= 0 && v < static_cast<float>(classes)) || v != std::floor(v))
            throw ModelError("gradient-boosted trees: " + set + " row " + std::to_string(r) +
                             " has class index " + std::to_string(v) + ", expected 0 .. " +
                             std::to_string(classes - 1));
        out.y[r] = static_cast<std::int32_t>(v);
        out.rows.push_back(static_cast<std::int32_t>(r));
    }
    return out;
}

/// p[0, k) = softmax(z[0, k)).
void softmax(const double* z, std::int64_t k, double* p) {
    const double top = *std::max_element(z, z + k);
    double sum = 0;
    for (std::int64_t c = 0; c < k; ++c)
        sum += p[c] = std::exp(z[c] - top);
    for (std::int64_t c = 0; c < k; ++c)
        p[c] /= sum;
}

/// Mean multinomial log loss -log softmax(z)_y over the labelled rows.
double class_loss(const std::vector<double>& score, const ClassLabels& l, std::int64_t k) {
    double sum = 0;
    for (std::int32_t r : l.rows) {
        const double* z = score.data() + static_cast<std::int64_t>(r) * k;
        const double top = *std::max_element(z, z + k);
        double e = 0;
        for (std::int64_t c = 0; c < k; ++c)
            e += std::exp(z[c] - top);
        sum += top + std::log(e) - z[l.y[r]];
    }
    return l.rows.empty() ? 0 : sum / static_cast<double>(l.rows.size());
}

/// The log class priors of the labelled rows (a class without a row gets
/// log 1e-6), rounded to float as saved.
std::vector<double> log_priors(const ClassLabels& train, std::int64_t k) {
    std::vector<double> counts(static_cast<std::size_t>(k), 0.0), base(counts.size());
    for (std::int32_t r : train.rows)
        counts[train.y[r]] += 1;
    for (std::int64_t c = 0; c < k; ++c)
        base[c] = static_cast<float>(
            std::log(std::max(1e-6, counts[c] / static_cast<double>(train.rows.size()))));
    return base;
}

/// Each class's gradient g[c * n + r] = p_c - y_c and hessian
/// h[c * n + r] = K/(K-1) p_c (1 - p_c) at the labelled rows.
void class_derivatives(const std::vector<double>& score, const ClassLabels& train, std::int64_t k,
                       std::int64_t n, std::vector<double>& g, std::vector<double>& h) {
    const double factor = static_cast<double>(k) / static_cast<double>(k - 1);
    std::vector<double> p(static_cast<std::size_t>(k));
    for (std::int32_t r : train.rows) {
        softmax(score.data() + static_cast<std::int64_t>(r) * k, k, p.data());
        for (std::int64_t c = 0; c < k; ++c) {
            g[c * n + r] = p[c] - (train.y[r] == c ? 1.0 : 0.0);
            h[c * n + r] = std::max(factor * p[c] * (1 - p[c]), 1e-16);
        }
    }
}

/// The features and validation rows the class trees are fitted on.
struct ClassBoostData {
    const Binning* bins;  ///< of x
    const float* x;       ///< [n * dim]
    std::int64_t n;
    const float* xv;  ///< [nv * dim]
    std::int64_t nv;
    std::int64_t dim, k;
    /// With fewer classes than threads: the threads but this one.
    LoopHelpers* helpers;
};

/// Adds round `round`'s K trees to the scores of `rows` of x.
void add_round(const std::vector<std::vector<ForestTree>>& trees, std::size_t round, const float* x,
               std::int64_t dim, const std::vector<std::int32_t>& rows,
               std::vector<double>& score) {
    const auto k = static_cast<std::int64_t>(trees.size());
    for (std::int32_t r : rows)
        for (std::int64_t c = 0; c < k; ++c)
            score[r * k + c] += trees[c][round].predict(x + static_cast<std::int64_t>(r) * dim);
}

/// Grows one round's K class trees, tree c on the sampled rows, its
/// features chosen[c] and class c's derivatives g, h [c * n, (c + 1) * n).
/// The trees are independent given the round's gradients, so with at least
/// as many classes as threads (--threads) they grow in parallel, each with
/// its own builder on one thread: one parallel region a round instead of a
/// few per leaf. With fewer classes than threads they grow one after
/// another, each leaf's work shared with the helpers, as the binary
/// model's trees do. Either way every tree is the one a lone builder
/// grows, so the model does not depend on the thread count.
void grow_round(const ClassBoostData& d, const BoostOptions& o,
                const std::vector<std::int32_t>& sample,
                const std::vector<std::vector<std::int32_t>>& chosen, const std::vector<double>& g,
                const std::vector<double>& h, std::vector<std::vector<ForestTree>>& trees) {
    std::vector<ForestTree> grown(static_cast<std::size_t>(d.k));
    auto grow = [&](std::int64_t b, std::int64_t e, LoopHelpers* helpers) {
        for (std::int64_t c = b; c < e; ++c) {
            BoostTreeBuilder builder(*d.bins, d.n, o, helpers);
            grown[c] = builder.build(sample, chosen[c], g.data() + c * d.n, h.data() + c * d.n);
        }
    };
    if (d.k >= at::get_num_threads()) {
        at::parallel_for(0, d.k, 1, [&](std::int64_t b, std::int64_t e) { grow(b, e, nullptr); });
    } else {
        grow(0, d.k, d.helpers);
    }
    for (std::int64_t c = 0; c < d.k; ++c)
        trees[c].push_back(std::move(grown[c]));
}

/// Grows K trees a round from the scores `base`, stopping once the
/// validation loss has not improved for o.patience rounds, and keeps the
/// best prefix of rounds.
BoostHistory fit_rounds(const ClassBoostData& d, const ClassLabels& train, const ClassLabels& valid,
                        const std::vector<double>& base, const BoostOptions& o,
                        std::vector<std::vector<ForestTree>>& trees) {
    const std::size_t per_tree = features_per_tree(o.colsample, d.dim);
    const bool early_stop = !valid.rows.empty() && o.patience != 0;
    std::vector<double> score(static_cast<std::size_t>(d.n * d.k));
    std::vector<double> vscore(static_cast<std::size_t>(d.nv * d.k));
    for (std::size_t i = 0; i < score.size(); ++i)
        score[i] = base[i % d.k];
    for (std::size_t i = 0; i < vscore.size(); ++i)
        vscore[i] = base[i % d.k];
    std::vector<double> g(score.size(), 0.0), h(score.size(), 0.0);
    double best = std::numeric_limits<double>::infinity();
    std::size_t rounds = 0, best_rounds = 0;
    for (int round = 0; round < o.rounds; ++round) {
        class_derivatives(score, train, d.k, d.n, g, h);
        auto rng = round_rng(o.seed, 0, round);
        const std::vector<std::int32_t> sample = round_rows(train.rows, o.subsample, rng);
        std::vector<std::vector<std::int32_t>> chosen(static_cast<std::size_t>(d.k));
        for (auto& features : chosen)  // drawn in class order, as one generator
            features = round_features(d.dim, per_tree, rng);
        grow_round(d, o, sample, chosen, g, h, trees);
        add_round(trees, rounds, d.x, d.dim, train.rows, score);
        ++rounds;
        if (!early_stop) {
            best_rounds = rounds;
            continue;
        }
        add_round(trees, rounds - 1, d.xv, d.dim, valid.rows, vscore);
        const double l = class_loss(vscore, valid, d.k);
        if (l < best - 1e-12) {
            best = l;
            best_rounds = rounds;
        } else if (static_cast<int>(rounds - best_rounds) >= o.patience) {
            break;
        }
    }
    for (auto& per_class : trees)
        per_class.resize(std::max<std::size_t>(1, best_rounds));
    BoostHistory history;
    history.rounds = static_cast<int>(trees.front().size());
    history.rounds_tried = static_cast<int>(rounds);
    history.best_valid_loss = !early_stop ? -1 : (best_rounds ? best : -1);
    return history;
}

}  // namespace

BoostedTrees BoostedTrees::fit_classes(const float* x, const float* labels, const float* mask,
                                       std::int64_t n, const float* xv, const float* labelsv,
                                       const float* maskv, std::int64_t nv, std::int64_t dim,
                                       std::int64_t classes, const BoostOptions& o,
                                       std::vector<BoostHistory>* history) {
    check_boost_options(o);
    if (classes < 2)
        throw UsageError("multi-class boosted trees need 2 or more classes, got " +
                         std::to_string(classes));
    if (n <= 0 || dim <= 0) throw ModelError("gradient-boosted trees: no training data");
    const ClassLabels train = class_labels(labels, mask, n, classes, "training");
    const ClassLabels valid = class_labels(labelsv, maskv, nv, classes, "validation");
    if (train.rows.empty()) throw ModelError("gradient-boosted trees: no labelled training row");
    const Binning bins = make_bins(x, n, dim, o.max_bins);
    BoostedTrees model;
    model.dim_ = dim;
    model.classes_ = classes;
    model.base_ = log_priors(train, classes);
    model.trees_.assign(static_cast<std::size_t>(classes), {});
    const int threads = at::get_num_threads();
    LoopHelpers helpers(classes >= threads ? 0 : threads - 1);
    const ClassBoostData data{&bins, x, n, xv, nv, dim, classes, &helpers};
    const BoostHistory fitted = fit_rounds(data, train, valid, model.base_, o, model.trees_);
    if (history) history->assign(1, fitted);
    return model;
}

void BoostedTrees::predict_classes(const float* x, std::int64_t n, double* out) const {
    const std::int64_t k = classes_;
    at::parallel_for(0, n, 16, [&](std::int64_t b, std::int64_t e) {
        std::vector<double> z(static_cast<std::size_t>(k));
        for (std::int64_t r = b; r < e; ++r) {
            const float* row = x + r * dim_;
            for (std::int64_t c = 0; c < k; ++c) {
                z[c] = base_[c];
                for (const auto& tree : trees_[c])
                    z[c] += tree.predict(row);
            }
            softmax(z.data(), k, out + r * k);
        }
    });
}

}  // namespace plmkit::models
