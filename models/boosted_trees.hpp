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
// A multi-class model (fit_classes, models/boosted_classes.cpp) has one
// target of class indices and K trees a round, one per class, fitted to the
// gradients of the multinomial deviance (softmax over the K scores, which
// start at the log class priors). A class tree's hessian is
// K/(K-1) * p(1-p) (LightGBM's), so its leaves -G / (H + l2) are, with l2 = 0,
// Friedman's (2001) (K-1)/K * sum(r) / sum(|r|(1-|r|)) with r = y - p,
// scikit-learn's GradientBoostingClassifier's step. The K trees of a round
// see the same row sample; early stopping watches the mean validation log
// loss and keeps the same number of rounds for every class.
//
// Determinism: the rows and features of round i of target t are drawn from
// a generator seeded from (seed, t, i) (a multi-class round draws its K
// feature sets in class order before its trees grow in parallel, one a
// thread); histograms and split scans are per feature (a leaf's features
// shared between the threads, models/loop_helpers.hpp), so the thread count
// does not change the model.
#include <cstdint>
#include <string>
#include <vector>

#include "models/forest.hpp"
#include "src/safetensors.hpp"

namespace plmkit::models {

/// BoostOptions::parallel_min_work's default, 2^15 units of work (a
/// row-feature update or a bin scanned). Chosen from ESOL on this 2-core
/// machine: one thread grows 60 trees in 1.3 s, roughly 5 ns a unit, so a
/// leaf under the threshold takes under ~0.15 ms alone, a few times what
/// waking a sleeping helper costs on an idle core (a system call and tens
/// of microseconds until it runs), and the helper would find little left
/// to take. Under load the choice hardly matters (ESOL and BBBP on 2
/// threads at load 12: every leaf shared, none, or 2^16 and 2^18 within the
/// run-to-run spread, and the same bytes), because the caller never waits
/// for a helper that is not running (models/loop_helpers.hpp).
inline constexpr std::int64_t kBoostParallelMinWork = 1 << 15;

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
    /// Not an option of the command line nor saved: a leaf whose histogram
    /// and split search come to fewer row-feature updates (plus bins
    /// scanned) than this is grown on the calling thread, a larger one on
    /// all threads (kBoostParallelMinWork says how the default was
    /// chosen). The model is the same either way; tests set 0 to share
    /// every leaf.
    std::int64_t parallel_min_work = kBoostParallelMinWork;
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

    /// A multi-class model: one target, labels[n] the class index (0 ..
    /// classes - 1) of each row, mask[n] 0 for a row without a label; the
    /// validation rows likewise (nv may be 0). `history` gets one entry.
    /// Throws UsageError for fewer than 2 classes, ModelError for a label
    /// outside them or no labelled row.
    static BoostedTrees fit_classes(const float* x, const float* labels, const float* mask,
                                    std::int64_t n, const float* xv, const float* labelsv,
                                    const float* maskv, std::int64_t nv, std::int64_t dim,
                                    std::int64_t classes, const BoostOptions& options,
                                    std::vector<BoostHistory>* history);

    std::int64_t input_dim() const { return dim_; }
    std::int64_t num_targets() const {
        return classes_ > 0 ? 1 : static_cast<std::int64_t>(trees_.size());
    }
    /// Classes of a multi-class model, 0 for the others.
    std::int64_t num_classes() const { return classes_; }
    /// Values predict writes per row: the classes, or one per target.
    std::int64_t num_outputs() const { return static_cast<std::int64_t>(trees_.size()); }
    bool classification() const { return classification_; }
    /// Trees of a target (multi-class: of a class).
    std::size_t num_trees(std::int64_t output) const { return trees_[output].size(); }
    std::size_t num_nodes() const;

    /// out[n * T]: the class-1 probability (classification) or the
    /// standardized value (regression); multi-class: T = num_outputs(),
    /// the softmax of the class scores. Rows are not checked for NaN here.
    void predict(const float* x, std::int64_t n, double* out) const;

    /// Tensors "gbm.<t>.base" F32 [1] and the trees as
    /// "gbm.<t>.{roots,feature,left,right,threshold,value}" (leaf values
    /// include the learning rate); multi-class: <t> is the class.
    void to_tensors(std::vector<TensorView>& views, std::vector<std::vector<char>>& keep) const;
    /// `classes` > 0: a multi-class model (task "multiclass", one target),
    /// whose classes must have the same number of trees.
    static BoostedTrees from_tensors(const SafetensorsFile& file, std::int64_t dim,
                                     std::int64_t targets, const std::string& task,
                                     std::int64_t classes = 0);
    /// Number of tensors to_tensors writes (`classes` > 0: multi-class).
    static std::size_t tensor_count(std::int64_t targets, std::int64_t classes = 0) {
        return 7 * static_cast<std::size_t>(classes > 0 ? classes : targets);
    }

  private:
    void predict_classes(const float* x, std::int64_t n, double* out) const;

    std::int64_t dim_ = 0;
    bool classification_ = false;
    std::int64_t classes_ = 0;                    ///< multi-class: K; else 0
    std::vector<double> base_;                    ///< [target or class] the starting score
    std::vector<std::vector<ForestTree>> trees_;  ///< [target or class][round]
};

}  // namespace plmkit::models
