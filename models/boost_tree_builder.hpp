#pragma once
// The tree growing shared by the binary/regression boosted trees
// (models/boosted_trees.cpp) and the multi-class ones
// (models/boosted_classes.cpp): features binned once at their training
// quantiles, one regression tree grown leaf-wise on the histograms of the
// gradients and hessians of the sampled rows, each leaf the Newton step
// -learning_rate * G / (H + l2), and the per-round row and feature draws.
#include <cstdint>
#include <random>
#include <vector>

#include "models/boosted_trees.hpp"
#include "models/forest.hpp"
#include "models/loop_helpers.hpp"

namespace plmkit::models {

/// Each feature's bin edges: bin b holds the values in (edge[b-1], edge[b]],
/// so "bin <= b" is "x <= edge[b]", the test a tree node stores.
struct Binning {
    std::vector<std::vector<float>> edges;  ///< [feature], ascending
    std::vector<std::uint8_t> bins;         ///< feature-major [dim * n]
    /// Cumulative histogram offsets: feature f's bins start at offsets[f].
    std::vector<std::int64_t> offsets;
};

/// Bins the features of x[n * dim]: every distinct value its own bin when
/// there are at most max_bins, else equal-count bins; edges are midpoints
/// between neighbouring distinct values.
Binning make_bins(const float* x, std::int64_t n, std::int64_t dim, int max_bins);

struct BoostLeaf;
struct BoostSplit;

/// Grows one tree on the gradients of the sampled rows.
class BoostTreeBuilder {
  public:
    /// `helpers` (may be null: all on the calling thread) share the work
    /// of the leaves large enough (BoostOptions::parallel_min_work).
    BoostTreeBuilder(const Binning& bins, std::int64_t n, const BoostOptions& o,
                     LoopHelpers* helpers)
        : bins_(bins), n_(n), o_(o), helpers_(helpers) {}

    /// A tree on rows (indices into the binned rows) that may split on
    /// `features` (ascending), g[row] and h[row] the loss derivatives.
    ForestTree build(std::vector<std::int32_t> rows, const std::vector<std::int32_t>& features,
                     const double* g, const double* h);

  private:
    void set_leaf(const BoostLeaf& leaf);
    void sums(BoostLeaf& leaf) const;
    bool may_split(const BoostLeaf& leaf) const;
    double score(double g, double h) const { return g * g / (h + o_.l2); }
    /// Runs per_feature(i, feature) for each allowed feature, shared with
    /// the helpers when a leaf of `rows` rows is worth it.
    template <typename PerFeature>
    void for_features(std::int64_t rows, PerFeature&& per_feature) const;
    /// Adds the leaf's rows to feature f's bins of its histogram.
    void histogram(BoostLeaf& leaf, std::int32_t f) const;
    /// The best split of the leaf on feature f (feature -1: none gains).
    BoostSplit feature_split(const BoostLeaf& leaf, std::int32_t f) const;
    /// The root's sums, histogram and best split.
    void grow_root(BoostLeaf& root) const;
    void split(BoostLeaf& parent, BoostLeaf& left, BoostLeaf& right);
    /// The children's histograms and best splits.
    void grow_children(BoostLeaf& parent, BoostLeaf& left, BoostLeaf& right) const;

    const Binning& bins_;
    std::int64_t n_;
    const BoostOptions& o_;
    LoopHelpers* helpers_;
    std::vector<std::int32_t> rows_;
    const std::vector<std::int32_t>* features_ = nullptr;
    const double *g_ = nullptr, *h_ = nullptr;
    std::int64_t chosen_bins_ = 0;  ///< bins of the allowed features
    ForestTree tree_;
};

/// The generator of round `round` of target `target`.
std::mt19937_64 round_rng(std::uint64_t seed, std::int64_t target, std::int64_t round);

/// The rows one round's tree sees: a random subsample of the labelled rows
/// (all of them when subsampling is off or would leave none).
std::vector<std::int32_t> round_rows(const std::vector<std::int32_t>& rows, double subsample,
                                     std::mt19937_64& rng);

/// The features one round's tree may split on: per_tree of dim, drawn by a
/// partial Fisher-Yates shuffle, ascending.
std::vector<std::int32_t> round_features(std::int64_t dim, std::size_t per_tree,
                                         std::mt19937_64& rng);

/// Features a tree may split on: colsample of dim, at least 1.
std::size_t features_per_tree(double colsample, std::int64_t dim);

}  // namespace plmkit::models
