#pragma once
// The CART tree growing that the random forests share (models/forest.cpp:
// regression and 0/1 targets; models/forest_classes.cpp: K classes): the
// bootstrap sample, the random feature order at each node, the scan of a
// feature's sorted values for the best threshold and the preorder
// recursion. What differs between the forests is the Policy:
//
//   using Label = ...;  // a row's target as the split scan reads it
//   Label label(std::int32_t row) const;
//   // Writes `node`'s value(s) from the labels of rows[0, count) and keeps
//   // their totals for the split scan; returns whether the node is pure.
//   bool set_node(ForestTree& tree, std::int32_t node, const std::int32_t* rows,
//                 std::int32_t count);
//   void start_scan();             // every row of the node on the right
//   void move_left(Label label);   // one row from the right to the left
//   double score(std::int32_t nl, std::int32_t nr) const;  // larger: better
//
// Internal to models/.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

#include "models/forest.hpp"

namespace plmkit::models {

/// x[n * dim] (row-major) copied feature-major: a node scans one feature
/// over its rows.
std::vector<float> feature_major(const float* x, std::int64_t n, std::int64_t dim);

/// Grows one CART tree on a bootstrap sample of the rows it is given.
template <class Policy>
class TreeGrower {
  public:
    /// xt: the feature-major rows; mtry: features tried per node; seed:
    /// the tree's generator (forest_tree_seed).
    TreeGrower(const float* xt, std::int64_t n, std::int64_t dim, int mtry, const ForestOptions& o,
               std::uint64_t seed, Policy policy)
        : xt_(xt),
          n_(n),
          dim_(dim),
          mtry_(mtry),
          min_leaf_(std::max(1, o.min_samples_leaf)),
          max_depth_(o.max_depth),
          bootstrap_(o.bootstrap),
          rng_(seed),
          policy_(std::move(policy)) {
        features_.resize(static_cast<std::size_t>(dim));
        std::iota(features_.begin(), features_.end(), 0);
    }

    ForestTree build(const std::vector<std::int32_t>& rows) {
        // Bootstrap: as many draws with replacement as there are rows.
        std::uniform_int_distribution<std::size_t> pick(0, rows.size() - 1);
        idx_.resize(rows.size());
        for (std::size_t k = 0; k < idx_.size(); ++k)
            idx_[k] = bootstrap_ ? rows[pick(rng_)] : rows[k];
        tree_ = ForestTree();
        grow(0, static_cast<std::int32_t>(idx_.size()), 0);
        return std::move(tree_);
    }

  private:
    /// Builds the subtree of idx_[begin, end) in preorder; returns its node.
    std::int32_t grow(std::int32_t begin, std::int32_t end, int depth) {
        const std::int32_t node = tree_.add_leaf();
        const std::int32_t count = end - begin;
        const bool pure = policy_.set_node(tree_, node, idx_.data() + begin, count);
        if (count < 2 * min_leaf_ || pure || (max_depth_ > 0 && depth >= max_depth_)) return node;
        std::int32_t feature = -1;
        float threshold = 0;
        if (!best_split(begin, end, feature, threshold)) return node;
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

    /// Whether `col` takes one value on idx_[begin, end).
    bool constant(const float* col, std::int32_t begin, std::int32_t end) const {
        float lo = col[idx_[begin]], hi = lo;
        for (std::int32_t k = begin + 1; k < end; ++k) {
            lo = std::min(lo, col[idx_[k]]);
            hi = std::max(hi, col[idx_[k]]);
        }
        return !(lo < hi);
    }

    /// Tries features in a random order until mtry non-constant ones were
    /// scored; the split with the largest policy score wins.
    bool best_split(std::int32_t begin, std::int32_t end, std::int32_t& feature, float& threshold) {
        double best = -1;
        int scored = 0;
        for (std::int64_t drawn = 0; drawn < dim_ && scored < mtry_; ++drawn) {
            std::uniform_int_distribution<std::int64_t> pick(drawn, dim_ - 1);
            std::swap(features_[drawn], features_[pick(rng_)]);
            const std::int32_t f = features_[drawn];
            const float* col = xt_ + static_cast<std::int64_t>(f) * n_;
            if (constant(col, begin, end)) continue;
            ++scored;
            scan(col, begin, end, f, best, feature, threshold);
        }
        return feature >= 0;
    }

    /// Scores every threshold of feature `f` (values `col`) between two
    /// distinct values that leaves min_leaf_ rows each side; one scoring
    /// above `best` becomes the split.
    void scan(const float* col, std::int32_t begin, std::int32_t end, std::int32_t f, double& best,
              std::int32_t& feature, float& threshold) {
        const std::int32_t count = end - begin;
        pairs_.clear();
        for (std::int32_t k = begin; k < end; ++k)
            pairs_.emplace_back(col[idx_[k]], policy_.label(idx_[k]));
        std::sort(pairs_.begin(), pairs_.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        policy_.start_scan();
        for (std::int32_t j = 0; j + 1 < count; ++j) {
            policy_.move_left(pairs_[j].second);
            if (pairs_[j].first == pairs_[j + 1].first) continue;
            const std::int32_t nl = j + 1, nr = count - nl;
            if (nl < min_leaf_ || nr < min_leaf_) continue;
            const double score = policy_.score(nl, nr);
            if (score > best) {
                best = score;
                feature = f;
                const float a = pairs_[j].first, b = pairs_[j + 1].first;
                threshold = a + (b - a) / 2;
                if (!(threshold < b)) threshold = a;
            }
        }
    }

    const float* xt_;
    std::int64_t n_, dim_;
    int mtry_, min_leaf_, max_depth_;
    bool bootstrap_;
    std::mt19937_64 rng_;
    Policy policy_;
    std::vector<std::int32_t> features_, idx_;
    std::vector<std::pair<float, typename Policy::Label>> pairs_;
    ForestTree tree_;
};

}  // namespace plmkit::models
