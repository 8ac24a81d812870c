#include "models/forest.hpp"

#include "models/flat_tensors.hpp"
#include "models/forest_grower.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <utility>

#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {

int forest_max_features(const std::string& spec, const std::string& task, std::int64_t dim) {
    const std::string s = spec == "auto" ? (task == "classification" ? "sqrt" : "third") : spec;
    const double d = static_cast<double>(dim);
    double k = 0;
    if (s == "sqrt") {
        k = std::sqrt(d);
    } else if (s == "third") {
        k = d / 3.0;
    } else if (s == "all") {
        k = d;
    } else {
        std::size_t used = 0;
        double f = 0;
        try {
            f = std::stod(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != s.size() || !(f > 0 && f <= 1))
            throw UsageError(
                "--forest-max-features must be auto, sqrt, third, all or a "
                "fraction in (0, 1], got '" +
                spec + "'");
        k = f * d;
    }
    return static_cast<int>(std::max(1.0, std::min(d, std::floor(k))));
}

std::int32_t ForestTree::add_leaf() {
    feature.push_back(-1);
    left.push_back(-1);
    right.push_back(-1);
    threshold.push_back(0);
    value.push_back(0);
    return static_cast<std::int32_t>(feature.size() - 1);
}

std::int32_t ForestTree::leaf(const float* row) const {
    std::int32_t j = 0;
    while (feature[j] >= 0)
        j = row[feature[j]] <= threshold[j] ? left[j] : right[j];
    return j;
}

namespace {

/// Regression and 0/1 targets: a node's value is the mean of its targets;
/// a split's score is the children's sum^2 / count summed (largest where
/// their summed squared error is smallest), plus for 0/1 targets the same
/// for the negatives (then largest where their weighted Gini is smallest:
/// n * gini = n - (pos^2 + neg^2) / n).
class MeanPolicy {
  public:
    using Label = float;
    MeanPolicy(const float* y, bool classification) : y_(y), classification_(classification) {}

    Label label(std::int32_t row) const { return y_[row]; }

    bool set_node(ForestTree& tree, std::int32_t node, const std::int32_t* rows,
                  std::int32_t count) {
        double sum = 0, sum2 = 0;
        for (std::int32_t k = 0; k < count; ++k) {
            const double v = y_[rows[k]];
            sum += v;
            sum2 += v * v;
        }
        tree.value[node] = static_cast<float>(sum / count);
        total_ = sum;
        const double impurity = sum2 / count - (sum / count) * (sum / count);
        return impurity <= 1e-12;
    }

    void start_scan() { left_ = 0; }
    void move_left(Label v) { left_ += v; }
    double score(std::int32_t nl, std::int32_t nr) const {
        const double right = total_ - left_;
        double score = left_ * left_ / nl + right * right / nr;
        if (classification_)
            score += (nl - left_) * (nl - left_) / nl + (nr - right) * (nr - right) / nr;
        return score;
    }

  private:
    const float* y_;
    bool classification_;
    double total_ = 0, left_ = 0;  ///< the node's target sum; its left part's
};

}  // namespace

std::vector<float> feature_major(const float* x, std::int64_t n, std::int64_t dim) {
    std::vector<float> xt(static_cast<std::size_t>(n * dim));
    for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t f = 0; f < dim; ++f)
            xt[f * n + r] = x[r * dim + f];
    return xt;
}

std::uint64_t forest_tree_seed(std::uint64_t seed, std::int64_t target, std::int64_t tree) {
    std::seed_seq s{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(target), static_cast<std::uint32_t>(tree)};
    std::uint32_t words[2];
    s.generate(words, words + 2);
    return (static_cast<std::uint64_t>(words[0]) << 32) | words[1];
}

Forest Forest::fit(const float* x, const float* y, const float* mask, std::int64_t n,
                   std::int64_t dim, std::int64_t targets, const std::string& task,
                   const ForestOptions& o) {
    if (o.trees <= 0) throw UsageError("--trees must be > 0");
    if (n <= 0 || dim <= 0 || targets <= 0) throw ModelError("random forest: no training data");
    const bool classification = task == "classification";
    const int mtry = forest_max_features(o.max_features, task, dim);
    const std::vector<float> xt = feature_major(x, n, dim);
    std::vector<std::vector<float>> ys(targets, std::vector<float>(n));
    std::vector<std::vector<std::int32_t>> rows(targets);
    for (std::int64_t t = 0; t < targets; ++t) {
        for (std::int64_t r = 0; r < n; ++r) {
            ys[t][r] = y[r * targets + t];
            if (mask[r * targets + t] > 0) rows[t].push_back(static_cast<std::int32_t>(r));
        }
        if (rows[t].empty())
            throw ModelError("random forest: target " + std::to_string(t) +
                             " has no labelled training row");
    }
    Forest forest;
    forest.dim_ = dim;
    forest.trees_.assign(targets, std::vector<ForestTree>(o.trees));
    const std::int64_t jobs = targets * o.trees;
    at::parallel_for(0, jobs, 1, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t j = b; j < e; ++j) {
            const std::int64_t t = j / o.trees, i = j % o.trees;
            TreeGrower<MeanPolicy> grower(xt.data(), n, dim, mtry, o,
                                          forest_tree_seed(o.seed, t, i),
                                          MeanPolicy(ys[t].data(), classification));
            forest.trees_[t][i] = grower.build(rows[t]);
        }
    });
    return forest;
}

std::size_t Forest::num_nodes() const {
    std::size_t total = 0;
    for (const auto& per_target : trees_)
        for (const auto& tree : per_target)
            total += tree.feature.size();
    return total;
}

void Forest::predict(const float* x, std::int64_t n, double* out, double* sd) const {
    if (classes_ > 0) return predict_classes(x, n, out, sd);
    const std::int64_t targets = num_targets();
    at::parallel_for(0, n, 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r) {
            const float* row = x + r * dim_;
            for (std::int64_t t = 0; t < targets; ++t) {
                double sum = 0, sum2 = 0;
                for (const auto& tree : trees_[t]) {
                    const double v = tree.predict(row);
                    sum += v;
                    sum2 += v * v;
                }
                const double k = static_cast<double>(trees_[t].size());
                const double mean = sum / k;
                out[r * targets + t] = mean;
                if (sd) sd[r * targets + t] = std::sqrt(std::max(0.0, sum2 / k - mean * mean));
            }
        }
    });
}

void trees_to_tensors(const std::string& prefix, const std::vector<ForestTree>& trees,
                      std::vector<TensorView>& views, std::vector<std::vector<char>>& keep) {
    std::vector<std::int32_t> roots{0}, feature, left, right;
    std::vector<float> threshold, value;
    for (const auto& tree : trees) {
        feature.insert(feature.end(), tree.feature.begin(), tree.feature.end());
        left.insert(left.end(), tree.left.begin(), tree.left.end());
        right.insert(right.end(), tree.right.begin(), tree.right.end());
        threshold.insert(threshold.end(), tree.threshold.begin(), tree.threshold.end());
        value.insert(value.end(), tree.value.begin(), tree.value.end());
        roots.push_back(static_cast<std::int32_t>(feature.size()));
    }
    add_view(views, keep, prefix + "roots", StoredDType::i32, roots);
    add_view(views, keep, prefix + "feature", StoredDType::i32, feature);
    add_view(views, keep, prefix + "left", StoredDType::i32, left);
    add_view(views, keep, prefix + "right", StoredDType::i32, right);
    add_view(views, keep, prefix + "threshold", StoredDType::f32, threshold);
    add_view(views, keep, prefix + "value", StoredDType::f32, value);
}

namespace {

/// Whether the K values of a leaf are finite (K = 1) or class shares: each
/// in [0, 1], summing to 1.
bool good_leaf(const float* v, std::int64_t k) {
    if (k == 1) return std::isfinite(v[0]);
    double sum = 0;
    for (std::int64_t c = 0; c < k; ++c) {
        if (!(v[c] >= 0 && v[c] <= 1)) return false;
        sum += v[c];
    }
    return std::fabs(sum - 1.0) < 1e-4;
}

}  // namespace

std::vector<ForestTree> trees_from_tensors(const SafetensorsFile& file, const std::string& prefix,
                                           std::int64_t dim, const std::string& what,
                                           std::int64_t classes) {
    const std::int64_t k = std::max<std::int64_t>(1, classes);
    const std::string& p = prefix;
    auto roots = read_vector<std::int32_t>(file, p + "roots", StoredDType::i32, -1);
    auto feature = read_vector<std::int32_t>(file, p + "feature", StoredDType::i32, -1);
    const auto nodes = static_cast<std::int64_t>(feature.size());
    auto left = read_vector<std::int32_t>(file, p + "left", StoredDType::i32, nodes);
    auto right = read_vector<std::int32_t>(file, p + "right", StoredDType::i32, nodes);
    auto threshold = read_vector<float>(file, p + "threshold", StoredDType::f32, nodes);
    auto value = read_vector<float>(file, p + "value", StoredDType::f32, nodes * k);
    auto bad = [&](const std::string& why) {
        return ModelError(file.path() + ": " + what + ": " + why);
    };
    if (roots.size() < 2 || roots.front() != 0 || roots.back() != nodes)
        throw bad("'" + p + "roots' does not cover its " + count_noun(nodes, "node"));
    std::vector<ForestTree> trees;
    for (std::size_t i = 0; i + 1 < roots.size(); ++i) {
        const std::int32_t b = roots[i], e = roots[i + 1];
        if (e <= b) throw bad("tree " + std::to_string(i) + " has no node");
        ForestTree tree;
        for (std::int32_t j = b; j < e; ++j) {
            const std::int32_t local = j - b, size = e - b;
            const bool leaf = feature[j] < 0;
            if (feature[j] >= dim || feature[j] < -1)
                throw bad("node " + std::to_string(j) + " tests feature " +
                          std::to_string(feature[j]) + " of " + std::to_string(dim));
            // Children come after their parent, so every walk ends at a leaf.
            if (!leaf &&
                (left[j] <= local || left[j] >= size || right[j] <= local || right[j] >= size))
                throw bad("node " + std::to_string(j) + " has children outside its tree");
            if (leaf && !good_leaf(&value[j * k], k))
                throw bad("leaf " + std::to_string(j) +
                          (k == 1 ? " has no value" : " has no class shares summing to 1"));
            tree.feature.push_back(feature[j]);
            tree.left.push_back(left[j]);
            tree.right.push_back(right[j]);
            tree.threshold.push_back(threshold[j]);
            tree.value.insert(tree.value.end(), &value[j * k], &value[j * k] + k);
        }
        trees.push_back(std::move(tree));
    }
    return trees;
}

void Forest::to_tensors(std::vector<TensorView>& views,
                        std::vector<std::vector<char>>& keep) const {
    keep.reserve(keep.size() + tensor_count(num_targets()));
    for (std::int64_t t = 0; t < num_targets(); ++t)
        trees_to_tensors("forest." + std::to_string(t) + ".", trees_[t], views, keep);
}

Forest Forest::from_tensors(const SafetensorsFile& file, std::int64_t dim, std::int64_t targets,
                            std::int64_t classes) {
    if (classes > 0 && (classes < 2 || targets != 1))
        throw ModelError(file.path() +
                         ": a multi-class forest has one target and 2 or more "
                         "classes, not " +
                         std::to_string(targets) + " and " + std::to_string(classes));
    Forest forest;
    forest.dim_ = dim;
    forest.classes_ = classes;
    forest.trees_.resize(targets);
    for (std::int64_t t = 0; t < targets; ++t) {
        const std::string what = "forest of target " + std::to_string(t);
        forest.trees_[t] = trees_from_tensors(file, "forest." + std::to_string(t) + ".", dim, what,
                                              std::max<std::int64_t>(1, classes));
        if (t > 0 && forest.trees_[t].size() != forest.trees_[0].size())
            throw ModelError(file.path() + ": " + what + ": has " +
                             count_noun(forest.trees_[t].size(), "tree") + ", target 0 has " +
                             std::to_string(forest.trees_[0].size()));
    }
    return forest;
}

}  // namespace plmkit::models
