// The multi-class random forest (Forest::fit_classes, models/forest.hpp):
// CART trees on bootstrap samples that split on the Gini impurity over the
// K classes, each leaf the class frequencies of its samples, the forest the
// mean of its trees' frequency vectors.
#include "models/forest.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <utility>

#include "src/error.hpp"

namespace plmkit::models {
namespace {

/// Grows one classification tree on a bootstrap sample of class indices.
class ClassTreeBuilder {
  public:
    ClassTreeBuilder(const float* xt, std::int64_t n, std::int64_t dim, const std::int32_t* y,
                     std::int64_t classes, int mtry, const ForestOptions& o, std::uint64_t seed)
        : xt_(xt),
          n_(n),
          dim_(dim),
          y_(y),
          k_(classes),
          mtry_(mtry),
          min_leaf_(std::max(1, o.min_samples_leaf)),
          max_depth_(o.max_depth),
          bootstrap_(o.bootstrap),
          rng_(seed) {
        features_.resize(static_cast<std::size_t>(dim));
        std::iota(features_.begin(), features_.end(), 0);
    }

    ForestTree build(const std::vector<std::int32_t>& rows) {
        std::uniform_int_distribution<std::size_t> pick(0, rows.size() - 1);
        idx_.resize(rows.size());
        for (std::size_t k = 0; k < idx_.size(); ++k)
            idx_[k] = bootstrap_ ? rows[pick(rng_)] : rows[k];
        tree_ = ForestTree();
        grow(0, static_cast<std::int32_t>(idx_.size()), 0);
        return std::move(tree_);
    }

  private:
    /// Builds the subtree of idx_[begin, end) in preorder; returns its node,
    /// whose K values are the class shares of its samples.
    std::int32_t grow(std::int32_t begin, std::int32_t end, int depth) {
        const std::int32_t node = tree_.add_leaf();
        tree_.value.resize(static_cast<std::size_t>((node + 1) * k_));
        const std::int32_t count = end - begin;
        std::vector<double> counts(static_cast<std::size_t>(k_), 0.0);
        for (std::int32_t i = begin; i < end; ++i)
            counts[y_[idx_[i]]] += 1;
        double top = 0;
        for (std::int64_t c = 0; c < k_; ++c) {
            tree_.value[node * k_ + c] = static_cast<float>(counts[c] / count);
            top = std::max(top, counts[c]);
        }
        const bool pure = top == count;
        if (count < 2 * min_leaf_ || pure || (max_depth_ > 0 && depth >= max_depth_)) return node;
        std::int32_t feature = -1;
        float threshold = 0;
        if (!best_split(begin, end, counts, feature, threshold)) return node;
        const float* col = xt_ + static_cast<std::int64_t>(feature) * n_;
        auto mid = std::partition(idx_.begin() + begin, idx_.begin() + end,
                                  [&](std::int32_t i) { return col[i] <= threshold; });
        const auto split = static_cast<std::int32_t>(mid - idx_.begin());
        tree_.feature[node] = feature;
        tree_.threshold[node] = threshold;
        const std::int32_t l = grow(begin, split, depth + 1);
        tree_.left[node] = l;
        const std::int32_t r = grow(split, end, depth + 1);
        tree_.right[node] = r;
        return node;
    }

    /// The next feature to try (a random one not tried yet at this node)
    /// that is not constant on idx_[begin, end), or -1 when none is left.
    std::int32_t next_feature(std::int64_t& drawn, std::int32_t begin, std::int32_t end) {
        for (; drawn < dim_; ++drawn) {
            std::uniform_int_distribution<std::int64_t> pick(drawn, dim_ - 1);
            std::swap(features_[drawn], features_[pick(rng_)]);
            const std::int32_t f = features_[drawn];
            const float* col = xt_ + static_cast<std::int64_t>(f) * n_;
            float lo = col[idx_[begin]], hi = lo;
            for (std::int32_t k = begin + 1; k < end; ++k) {
                lo = std::min(lo, col[idx_[k]]);
                hi = std::max(hi, col[idx_[k]]);
            }
            if (lo < hi) {
                ++drawn;
                return f;
            }
        }
        return -1;
    }

    /// Tries features in a random order until mtry non-constant ones were
    /// scored; the split with the smallest weighted Gini impurity of the
    /// children wins. n * gini = n - sum_c n_c^2 / n, so that split has the
    /// largest sum_c l_c^2 / n_l + sum_c r_c^2 / n_r.
    bool best_split(std::int32_t begin, std::int32_t end, const std::vector<double>& total,
                    std::int32_t& feature, float& threshold) {
        const std::int32_t count = end - begin;
        double best = -1;
        std::int64_t drawn = 0;
        for (int scored = 0; scored < mtry_; ++scored) {
            const std::int32_t f = next_feature(drawn, begin, end);
            if (f < 0) break;
            const float* col = xt_ + static_cast<std::int64_t>(f) * n_;
            pairs_.clear();
            for (std::int32_t k = begin; k < end; ++k)
                pairs_.emplace_back(col[idx_[k]], y_[idx_[k]]);
            std::sort(pairs_.begin(), pairs_.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            left_.assign(static_cast<std::size_t>(k_), 0.0);
            double left2 = 0, right2 = 0;  // sum of the squared class counts
            for (double c : total)
                right2 += c * c;
            for (std::int32_t j = 0; j + 1 < count; ++j) {
                const std::int32_t c = pairs_[j].second;
                const double right_c = total[c] - left_[c];
                left2 += 2 * left_[c] + 1;
                right2 -= 2 * right_c - 1;
                left_[c] += 1;
                if (pairs_[j].first == pairs_[j + 1].first) continue;
                const std::int32_t nl = j + 1, nr = count - nl;
                if (nl < min_leaf_ || nr < min_leaf_) continue;
                const double score = left2 / nl + right2 / nr;
                if (score > best) {
                    best = score;
                    feature = f;
                    const float a = pairs_[j].first, b = pairs_[j + 1].first;
                    threshold = a + (b - a) / 2;
                    if (!(threshold < b)) threshold = a;
                }
            }
        }
        return feature >= 0;
    }

    const float* xt_;
    std::int64_t n_, dim_;
    const std::int32_t* y_;
    std::int64_t k_;
    int mtry_, min_leaf_, max_depth_;
    bool bootstrap_;
    std::mt19937_64 rng_;
    std::vector<std::int32_t> features_, idx_;
    std::vector<std::pair<float, std::int32_t>> pairs_;
    std::vector<double> left_;
    ForestTree tree_;
};

/// The class index of each labelled row (-1 for the others) and the
/// labelled rows; throws ModelError for a label that is not one.
std::vector<std::int32_t> class_indices(const float* labels, const float* mask, std::int64_t n,
                                        std::int64_t classes, std::vector<std::int32_t>& rows) {
    std::vector<std::int32_t> y(static_cast<std::size_t>(n), -1);
    for (std::int64_t r = 0; r < n; ++r) {
        if (!(mask[r] > 0)) continue;
        const float v = labels[r];
        if (!(v >= 0 && v < static_cast<float>(classes)) || v != std::floor(v))
            throw ModelError("random forest: training row " + std::to_string(r) +
                             " has class index " + std::to_string(v) + ", expected 0 .. " +
                             std::to_string(classes - 1));
        y[r] = static_cast<std::int32_t>(v);
        rows.push_back(static_cast<std::int32_t>(r));
    }
    if (rows.empty()) throw ModelError("random forest: no labelled training row");
    return y;
}

}  // namespace

Forest Forest::fit_classes(const float* x, const float* labels, const float* mask, std::int64_t n,
                           std::int64_t dim, std::int64_t classes, const ForestOptions& o) {
    if (o.trees <= 0) throw UsageError("--trees must be > 0");
    if (classes < 2)
        throw UsageError("a multi-class forest needs 2 or more classes, got " +
                         std::to_string(classes));
    if (n <= 0 || dim <= 0) throw ModelError("random forest: no training data");
    std::vector<std::int32_t> rows;
    const std::vector<std::int32_t> y = class_indices(labels, mask, n, classes, rows);
    const int mtry = forest_max_features(o.max_features, "classification", dim);
    std::vector<float> xt(static_cast<std::size_t>(n * dim));  // feature-major
    for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t f = 0; f < dim; ++f)
            xt[f * n + r] = x[r * dim + f];
    Forest forest;
    forest.dim_ = dim;
    forest.classes_ = classes;
    forest.trees_.assign(1, std::vector<ForestTree>(o.trees));
    at::parallel_for(0, o.trees, 1, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) {
            ClassTreeBuilder builder(xt.data(), n, dim, y.data(), classes, mtry, o,
                                     forest_tree_seed(o.seed, 0, i));
            forest.trees_[0][i] = builder.build(rows);
        }
    });
    return forest;
}

void Forest::predict_classes(const float* x, std::int64_t n, double* out, double* sd) const {
    const std::int64_t k = classes_;
    const auto& trees = trees_.front();
    const double count = static_cast<double>(trees.size());
    at::parallel_for(0, n, 16, [&](std::int64_t b, std::int64_t e) {
        std::vector<double> sum(static_cast<std::size_t>(k)), sum2(sum.size());
        for (std::int64_t r = b; r < e; ++r) {
            std::fill(sum.begin(), sum.end(), 0.0);
            std::fill(sum2.begin(), sum2.end(), 0.0);
            for (const auto& tree : trees) {
                const float* v = &tree.value[tree.leaf(x + r * dim_) * k];
                for (std::int64_t c = 0; c < k; ++c) {
                    sum[c] += v[c];
                    sum2[c] += static_cast<double>(v[c]) * v[c];
                }
            }
            for (std::int64_t c = 0; c < k; ++c) {
                const double mean = sum[c] / count;
                out[r * k + c] = mean;
                if (sd) sd[r * k + c] = std::sqrt(std::max(0.0, sum2[c] / count - mean * mean));
            }
        }
    });
}

}  // namespace plmkit::models
