#include "models/forest.hpp"

#include "models/flat_tensors.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <utility>

#include "src/error.hpp"

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

/// Grows one CART tree on a bootstrap sample.
class TreeBuilder {
  public:
    TreeBuilder(const float* xt, std::int64_t n, std::int64_t dim, const float* y,
                bool classification, int mtry, const ForestOptions& o, std::uint64_t seed)
        : xt_(xt),
          n_(n),
          dim_(dim),
          y_(y),
          classification_(classification),
          mtry_(mtry),
          min_leaf_(std::max(1, o.min_samples_leaf)),
          max_depth_(o.max_depth),
          bootstrap_(o.bootstrap),
          rng_(seed) {
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
        double sum = 0, sum2 = 0;
        for (std::int32_t k = begin; k < end; ++k) {
            const double v = y_[idx_[k]];
            sum += v;
            sum2 += v * v;
        }
        tree_.value[node] = static_cast<float>(sum / count);
        const double impurity = sum2 / count - (sum / count) * (sum / count);
        if (count < 2 * min_leaf_ || impurity <= 1e-12 || (max_depth_ > 0 && depth >= max_depth_))
            return node;
        std::int32_t feature = -1;
        float threshold = 0;
        if (!best_split(begin, end, sum, feature, threshold)) return node;
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

    /// Tries features in a random order until mtry non-constant ones were
    /// scored; the split with the largest impurity decrease wins.
    bool best_split(std::int32_t begin, std::int32_t end, double total, std::int32_t& feature,
                    float& threshold) {
        const std::int32_t count = end - begin;
        double best = -1;
        int scored = 0;
        for (std::int64_t drawn = 0; drawn < dim_ && scored < mtry_; ++drawn) {
            std::uniform_int_distribution<std::int64_t> pick(drawn, dim_ - 1);
            std::swap(features_[drawn], features_[pick(rng_)]);
            const std::int32_t f = features_[drawn];
            const float* col = xt_ + static_cast<std::int64_t>(f) * n_;
            float lo = col[idx_[begin]], hi = lo;
            for (std::int32_t k = begin + 1; k < end; ++k) {
                lo = std::min(lo, col[idx_[k]]);
                hi = std::max(hi, col[idx_[k]]);
            }
            if (!(lo < hi)) continue;  // constant here
            ++scored;
            pairs_.clear();
            for (std::int32_t k = begin; k < end; ++k)
                pairs_.emplace_back(col[idx_[k]], y_[idx_[k]]);
            std::sort(pairs_.begin(), pairs_.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            double left = 0;
            for (std::int32_t j = 0; j + 1 < count; ++j) {
                left += pairs_[j].second;
                if (pairs_[j].first == pairs_[j + 1].first) continue;
                const std::int32_t nl = j + 1, nr = count - nl;
                if (nl < min_leaf_ || nr < min_leaf_) continue;
                const double right = total - left;
                // Maximizing this minimizes the children's summed squared
                // error (regression) or their weighted Gini impurity
                // (0/1 targets: n * gini = n - (pos^2 + neg^2) / n).
                double score = left * left / nl + right * right / nr;
                if (classification_)
                    score += (nl - left) * (nl - left) / nl + (nr - right) * (nr - right) / nr;
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
    const float* y_;
    bool classification_;
    int mtry_, min_leaf_, max_depth_;
    bool bootstrap_;
    std::mt19937_64 rng_;
    std::vector<std::int32_t> features_, idx_;
    std::vector<std::pair<float, float>> pairs_;
    ForestTree tree_;
};

}  // namespace

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
    // Feature-major copy: a node scans one feature over its rows.
    std::vector<float> xt(static_cast<std::size_t>(n * dim));
    for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t f = 0; f < dim; ++f)
            xt[f * n + r] = x[r * dim + f];
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
            TreeBuilder builder(xt.data(), n, dim, ys[t].data(), classification, mtry, o,
                                forest_tree_seed(o.seed, t, i));
            forest.trees_[t][i] = builder.build(rows[t]);
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
        throw bad("'" + p + "roots' does not cover its " + std::to_string(nodes) + " nodes");
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
                             std::to_string(forest.trees_[t].size()) + " trees, target 0 has " +
                             std::to_string(forest.trees_[0].size()));
    }
    return forest;
}

}  // namespace plmkit::models
