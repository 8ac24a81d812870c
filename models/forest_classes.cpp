// The multi-class random forest (Forest::fit_classes, models/forest.hpp):
// CART trees on bootstrap samples that split on the Gini impurity over the
// K classes, each leaf the class frequencies of its samples, the forest the
// mean of its trees' frequency vectors.
#include "models/forest.hpp"

#include "models/forest_grower.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>

#include "src/error.hpp"

namespace plmkit::models {
namespace {

/// K classes: a node's values are the class shares of its samples; a
/// split's score is sum_c l_c^2 / n_l + sum_c r_c^2 / n_r over the class
/// counts of the children, largest where their weighted Gini impurity is
/// smallest (n * gini = n - sum_c n_c^2 / n).
class GiniPolicy {
  public:
    using Label = std::int32_t;
    GiniPolicy(const std::int32_t* y, std::int64_t classes)
        : y_(y), k_(classes), total_(static_cast<std::size_t>(classes)) {}

    Label label(std::int32_t row) const { return y_[row]; }

    bool set_node(ForestTree& tree, std::int32_t node, const std::int32_t* rows,
                  std::int32_t count) {
        tree.value.resize(static_cast<std::size_t>((node + 1) * k_));
        std::fill(total_.begin(), total_.end(), 0.0);
        for (std::int32_t i = 0; i < count; ++i)
            total_[y_[rows[i]]] += 1;
        double top = 0;
        for (std::int64_t c = 0; c < k_; ++c) {
            tree.value[node * k_ + c] = static_cast<float>(total_[c] / count);
            top = std::max(top, total_[c]);
        }
        return top == count;
    }

    void start_scan() {
        left_.assign(static_cast<std::size_t>(k_), 0.0);
        left2_ = right2_ = 0;
        for (double c : total_)
            right2_ += c * c;
    }
    void move_left(Label c) {
        const double right_c = total_[c] - left_[c];
        left2_ += 2 * left_[c] + 1;
        right2_ -= 2 * right_c - 1;
        left_[c] += 1;
    }
    double score(std::int32_t nl, std::int32_t nr) const { return left2_ / nl + right2_ / nr; }

  private:
    const std::int32_t* y_;
    std::int64_t k_;
    std::vector<double> total_, left_;  ///< class counts of the node, its left part
    double left2_ = 0, right2_ = 0;     ///< sums of the squared class counts
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
    const std::vector<float> xt = feature_major(x, n, dim);
    Forest forest;
    forest.dim_ = dim;
    forest.classes_ = classes;
    forest.trees_.assign(1, std::vector<ForestTree>(o.trees));
    at::parallel_for(0, o.trees, 1, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) {
            TreeGrower<GiniPolicy> grower(xt.data(), n, dim, mtry, o,
                                          forest_tree_seed(o.seed, 0, i),
                                          GiniPolicy(y.data(), classes));
            forest.trees_[0][i] = grower.build(rows);
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
