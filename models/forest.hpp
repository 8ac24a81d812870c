#pragma once
// Random forests (Breiman 2001) on fixed feature rows: one forest per
// target, CART trees grown to purity on bootstrap samples, a random subset
// of the features tried at each node (Gini impurity for classification,
// squared error for regression), predictions averaged over the trees
// (class-1 probability or the standardized value). A multi-class forest
// (fit_classes, models/forest_classes.cpp) has one target of class indices:
// its trees split on the Gini impurity over the K classes, a leaf holds the
// class frequencies of its samples and the forest the mean of its trees'
// frequency vectors (scikit-learn's RandomForestClassifier). The property model's
// alternative head to the MLP ensemble: strong on fingerprint bits and
// small data sets, nothing to tune, no early stopping.
//
// Determinism: tree i of target t draws from a generator seeded from
// (seed, t, i), so a forest is the same whatever the thread count.
#include <cstdint>
#include <string>
#include <vector>

#include "src/safetensors.hpp"

namespace plmkit::models {

struct ForestOptions {
    int trees = 500;
    /// Features tried per node: "sqrt", "third", "all", or a fraction in
    /// (0, 1]; "auto" = sqrt (classification) / third (regression).
    std::string max_features = "auto";
    int min_samples_leaf = 1;
    int max_depth = 0;  ///< 0 = unlimited
    std::uint64_t seed = 0;
    int threads = 0;  ///< 0 = LibTorch's intra-op thread count
    /// false: every tree sees each training row once, no bootstrap sample
    /// (scikit-learn's bootstrap=False; for hand-checked tests, no CLI flag).
    bool bootstrap = true;
};

/// The seed of tree `tree` of target `target` of a forest seeded `seed`.
std::uint64_t forest_tree_seed(std::uint64_t seed, std::int64_t target, std::int64_t tree);

/// Features tried per node for `dim` features (at least 1); throws
/// UsageError for a bad spelling.
int forest_max_features(const std::string& spec, const std::string& task, std::int64_t dim);

/// One tree, nodes in arrays; node 0 is the root. Leaves have feature -1.
struct ForestTree {
    std::vector<std::int32_t> feature, left, right;
    std::vector<float> threshold;  ///< go left when x[feature] <= threshold
    /// leaf: mean target of its samples; in a multi-class forest K values a
    /// node, value[node * K + c] the share of class c among its samples.
    std::vector<float> value;
    float predict(const float* row) const { return value[leaf(row)]; }
    /// The leaf `row` ends in.
    std::int32_t leaf(const float* row) const;
    /// Appends a leaf (value 0) and returns its index.
    std::int32_t add_leaf();
};

/// Appends the tensors "<prefix>roots" (I32 [trees + 1], node offsets),
/// "<prefix>feature|left|right" (I32 [nodes]) and "<prefix>threshold|value"
/// (F32 [nodes]); `keep` holds the data the views point to.
void trees_to_tensors(const std::string& prefix, const std::vector<ForestTree>& trees,
                      std::vector<TensorView>& views, std::vector<std::vector<char>>& keep);
/// Reads them back (at least one tree), checking dtypes, shapes, feature
/// indices, child links and leaf values; throws ModelError naming the file
/// and `what`. `classes` > 1: "value" holds that many values a node (F32
/// [nodes * classes]), each leaf's in [0, 1] with sum 1.
std::vector<ForestTree> trees_from_tensors(const SafetensorsFile& file, const std::string& prefix,
                                           std::int64_t dim, const std::string& what,
                                           std::int64_t classes = 1);

class Forest {
  public:
    Forest() = default;

    /// Fits one forest per target on x[n * dim] (row-major) with targets
    /// y[n * T] and mask[n * T] (0 = missing label, the row is not used for
    /// that target). Classification targets are 0/1.
    static Forest fit(const float* x, const float* y, const float* mask, std::int64_t n,
                      std::int64_t dim, std::int64_t targets, const std::string& task,
                      const ForestOptions& options);
    /// A multi-class forest: one target, labels[n] the class index (0 ..
    /// classes - 1) of each row, mask[n] 0 for a row without a label.
    /// Throws UsageError for fewer than 2 classes, ModelError for a label
    /// outside them or no labelled row.
    static Forest fit_classes(const float* x, const float* labels, const float* mask,
                              std::int64_t n, std::int64_t dim, std::int64_t classes,
                              const ForestOptions& options);

    std::int64_t input_dim() const { return dim_; }
    std::int64_t num_targets() const { return static_cast<std::int64_t>(trees_.size()); }
    /// Classes of a multi-class forest, 0 for the others.
    std::int64_t num_classes() const { return classes_; }
    /// Values predict writes per row: the classes, or one per target.
    std::int64_t num_outputs() const { return classes_ > 0 ? classes_ : num_targets(); }
    std::size_t trees_per_target() const { return trees_.empty() ? 0 : trees_[0].size(); }
    std::size_t num_nodes() const;

    /// Mean over the trees, out[n * T]; sd[n * T] (may be null) their
    /// standard deviation. Multi-class: T = num_outputs(), the mean of the
    /// trees' class frequencies (a row sums to 1) and their spread per
    /// class. Rows are not checked for NaN here.
    void predict(const float* x, std::int64_t n, double* out, double* sd) const;

    /// Tensors "forest.<t>.<field>" (roots I32 [trees + 1] = node offsets;
    /// feature/left/right I32, threshold/value F32 [nodes]); `keep` holds
    /// the data the views point to.
    void to_tensors(std::vector<TensorView>& views, std::vector<std::vector<char>>& keep) const;
    /// Reads the tensors written by to_tensors, checking dtypes, shapes,
    /// feature indices and child links. Throws ModelError naming the tensor.
    /// `classes` > 0: a multi-class forest (one target; "value" F32
    /// [nodes * classes]).
    static Forest from_tensors(const SafetensorsFile& file, std::int64_t dim, std::int64_t targets,
                               std::int64_t classes = 0);
    /// Number of tensors to_tensors writes.
    static std::size_t tensor_count(std::int64_t targets) { return 6 * targets; }

  private:
    void predict_classes(const float* x, std::int64_t n, double* out, double* sd) const;

    std::int64_t dim_ = 0;
    std::int64_t classes_ = 0;                    ///< multi-class: K; else 0
    std::vector<std::vector<ForestTree>> trees_;  ///< [target][tree]
};

}  // namespace plmkit::models
