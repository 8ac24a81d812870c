#pragma once
// Gradient-boosted trees (Friedman 2001) on fixed feature rows, the
// property model's third head next to the MLP ensemble and the random
// forest. One model per target: trees fitted one after another to the
// gradient of the loss (logistic for classification, squared error on the
// standardized values for regression), each leaf the Newton step
// -G / (H + l2) times the learning rate. Trees grow leaf-wise (the leaf with
// the largest gain splits next, up to max_leaves) on histograms of the
// features binned once at their training quantiles (at most 255 bins), with
// rows and features subsampled per tree. Boosting stops when the validation
// loss has not improved for `patience` rounds and keeps the best round.
//
// Determinism: the rows and features of round i of target t are drawn from
// a generator seeded from (seed, t, i); histograms are per feature, so the
// thread count does not change the model.
#include <cstdint>
#include <string>
#include <vector>

#include "models/forest.hpp"
#include "src/safetensors.hpp"

namespace plmkit::models {

struct BoostOptions {
    int rounds = 1000;  ///< most trees per target
    double learning_rate = 0.05;
    int max_leaves = 31;
    int max_depth = 0;  ///< 0 = unlimited
    int min_samples_leaf = 10;
    double l2 = 1.0;         ///< on the leaf values
    double subsample = 0.8;  ///< fraction of the training rows per tree
    double colsample = 0.5;  ///< fraction of the features per tree
    int max_bins = 255;      ///< 2..255
    int patience = 50;       ///< rounds without a better validation loss (0 = off)
    std::uint64_t seed = 0;
};

/// Throws UsageError naming the bad option.
void check_boost_options(const BoostOptions& o);

/// Per-target training record.
struct BoostHistory {
    int rounds = 0;               ///< trees kept
    int rounds_tried = 0;         ///< trees grown before stopping
    double best_valid_loss = -1;  ///< -1 without validation rows
};

class BoostedTrees {
  public:
    BoostedTrees() = default;

    /// Fits one model per target on x[n * dim] with targets y[n * T] and
    /// mask[n * T] (0 = missing label), stopping early on the validation
    /// rows xv[nv * dim] (nv may be 0: all rounds are kept). Classification
    /// targets are 0/1, regression targets standardized.
    static BoostedTrees fit(const float* x, const float* y, const float* mask, std::int64_t n,
                            const float* xv, const float* yv, const float* maskv, std::int64_t nv,
                            std::int64_t dim, std::int64_t targets, const std::string& task,
                            const BoostOptions& options, std::vector<BoostHistory>* history);

    std::int64_t input_dim() const { return dim_; }
    std::int64_t num_targets() const { return static_cast<std::int64_t>(trees_.size()); }
    bool classification() const { return classification_; }
    std::size_t num_trees(std::int64_t target) const { return trees_[target].size(); }
    std::size_t num_nodes() const;

    /// out[n * T]: the class-1 probability (classification) or the
    /// standardized value (regression). Rows are not checked for NaN here.
    void predict(const float* x, std::int64_t n, double* out) const;

    /// Tensors "gbm.<t>.base" F32 [1] and the trees as
    /// "gbm.<t>.{roots,feature,left,right,threshold,value}" (leaf values
    /// include the learning rate).
    void to_tensors(std::vector<TensorView>& views, std::vector<std::vector<char>>& keep) const;
    static BoostedTrees from_tensors(const SafetensorsFile& file, std::int64_t dim,
                                     std::int64_t targets, const std::string& task);
    static std::size_t tensor_count(std::int64_t targets) { return 7 * targets; }

  private:
    std::int64_t dim_ = 0;
    bool classification_ = false;
    std::vector<double> base_;                    ///< [target] the starting score
    std::vector<std::vector<ForestTree>> trees_;  ///< [target][round]
};

}  // namespace plmkit::models
