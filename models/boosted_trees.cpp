#include "models/boosted_trees.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <utility>

#include "src/error.hpp"

namespace plmkit::models {

void check_boost_options(const BoostOptions& o) {
    if (o.rounds <= 0) throw UsageError("--gbm-rounds must be > 0");
    if (!(o.learning_rate > 0 && o.learning_rate <= 1))
        throw UsageError("--gbm-lr must be in (0, 1]");
    if (o.max_leaves < 2) throw UsageError("--gbm-leaves must be at least 2");
    if (o.max_depth < 0) throw UsageError("--gbm-max-depth must be >= 0");
    if (o.min_samples_leaf <= 0) throw UsageError("--gbm-min-leaf must be > 0");
    if (!(o.l2 >= 0)) throw UsageError("--gbm-l2 must be >= 0");
    if (!(o.subsample > 0 && o.subsample <= 1))
        throw UsageError("--gbm-subsample must be in (0, 1]");
    if (!(o.colsample > 0 && o.colsample <= 1))
        throw UsageError("--gbm-colsample must be in (0, 1]");
    if (o.max_bins < 2 || o.max_bins > 255) throw UsageError("--gbm-bins must be in 2..255");
    if (o.patience < 0) throw UsageError("--gbm-patience must be >= 0");
}

namespace {

/// Each feature's bin edges: bin b holds the values in (edge[b-1], edge[b]],
/// so "bin <= b" is "x <= edge[b]", the test a tree node stores.
struct Binning {
    std::vector<std::vector<float>> edges;  ///< [feature], ascending
    std::vector<std::uint8_t> bins;         ///< feature-major [dim * n]

    static std::uint8_t bin_of(const std::vector<float>& e, float v) {
        return static_cast<std::uint8_t>(std::lower_bound(e.begin(), e.end(), v) - e.begin());
    }
};

float midpoint(float a, float b) {
    const float m = a + (b - a) / 2;
    return m < b ? m : a;
}

Binning make_bins(const float* x, std::int64_t n, std::int64_t dim, int max_bins) {
    Binning b;
    b.edges.resize(static_cast<std::size_t>(dim));
    b.bins.resize(static_cast<std::size_t>(n * dim));
    at::parallel_for(0, dim, 8, [&](std::int64_t f0, std::int64_t f1) {
        std::vector<float> v(static_cast<std::size_t>(n));
        for (std::int64_t f = f0; f < f1; ++f) {
            for (std::int64_t r = 0; r < n; ++r)
                v[r] = x[r * dim + f];
            std::sort(v.begin(), v.end());
            // Distinct values and their counts.
            std::vector<std::pair<float, std::int64_t>> distinct;
            for (float value : v) {
                if (distinct.empty() || distinct.back().first != value)
                    distinct.emplace_back(value, 0);
                ++distinct.back().second;
            }
            auto& e = b.edges[f];
            if (static_cast<int>(distinct.size()) <= max_bins) {
                for (std::size_t i = 0; i + 1 < distinct.size(); ++i)
                    e.push_back(midpoint(distinct[i].first, distinct[i + 1].first));
            } else {
                // Equal-count bins: an edge after the distinct value where
                // the running count passes the next quantile.
                std::int64_t seen = 0;
                int cut = 1;
                for (std::size_t i = 0; i + 1 < distinct.size() && cut < max_bins; ++i) {
                    seen += distinct[i].second;
                    if (seen * max_bins >= cut * n) {
                        e.push_back(midpoint(distinct[i].first, distinct[i + 1].first));
                        while (cut < max_bins && seen * max_bins >= cut * n)
                            ++cut;
                    }
                }
            }
            std::uint8_t* out = b.bins.data() + f * n;
            for (std::int64_t r = 0; r < n; ++r)
                out[r] = Binning::bin_of(e, x[r * dim + f]);
        }
    });
    return b;
}

struct HistBin {
    double g = 0, h = 0;
    std::int32_t count = 0;
};

struct Split {
    double gain = 0;
    std::int32_t feature = -1;
    int bin = 0;
    double gl = 0, hl = 0;
    std::int32_t nl = 0;
};

/// A leaf that may still split: its rows rows_[begin, end) and histogram.
struct Leaf {
    std::int32_t node = 0, begin = 0, end = 0;
    int depth = 0;
    double g = 0, h = 0;
    std::vector<HistBin> hist;
    Split split;
};

/// Grows one tree on the gradients of the sampled rows.
class BoostTreeBuilder {
  public:
    BoostTreeBuilder(const Binning& bins, std::int64_t n, const std::vector<std::int64_t>& offsets,
                     const BoostOptions& o)
        : bins_(bins), n_(n), offsets_(offsets), o_(o) {}

    ForestTree build(std::vector<std::int32_t> rows, const std::vector<std::int32_t>& features,
                     const double* g, const double* h) {
        rows_ = std::move(rows);
        features_ = &features;
        g_ = g;
        h_ = h;
        tree_ = ForestTree();
        std::vector<Leaf> open;
        Leaf root;
        root.node = tree_.add_leaf();
        root.end = static_cast<std::int32_t>(rows_.size());
        histogram(root);
        sums(root);
        best_split(root);
        open.push_back(std::move(root));
        int leaves = 1;
        while (leaves < o_.max_leaves) {
            std::size_t pick = open.size();
            for (std::size_t i = 0; i < open.size(); ++i)
                if (open[i].split.feature >= 0 &&
                    (pick == open.size() || open[i].split.gain > open[pick].split.gain))
                    pick = i;
            if (pick == open.size()) break;
            Leaf parent = std::move(open[pick]);
            open.erase(open.begin() + static_cast<std::ptrdiff_t>(pick));
            Leaf left, right;
            split(parent, left, right);
            ++leaves;
            for (Leaf* child : {&left, &right}) {
                best_split(*child);
                if (child->split.feature >= 0) {
                    open.push_back(std::move(*child));
                } else {
                    set_leaf(*child);
                }
            }
        }
        for (auto& leaf : open)
            set_leaf(leaf);
        return std::move(tree_);
    }

  private:
    void set_leaf(const Leaf& leaf) {
        tree_.value[leaf.node] = static_cast<float>(-o_.learning_rate * leaf.g / (leaf.h + o_.l2));
    }

    void sums(Leaf& leaf) const {
        leaf.g = leaf.h = 0;
        for (std::int32_t k = leaf.begin; k < leaf.end; ++k) {
            leaf.g += g_[rows_[k]];
            leaf.h += h_[rows_[k]];
        }
    }

    void histogram(Leaf& leaf) const {
        leaf.hist.assign(static_cast<std::size_t>(offsets_.back()), HistBin());
        const auto& feats = *features_;
        at::parallel_for(0, static_cast<std::int64_t>(feats.size()), 16,
                         [&](std::int64_t b, std::int64_t e) {
                             for (std::int64_t i = b; i < e; ++i) {
                                 const std::int32_t f = feats[i];
                                 const std::uint8_t* col = bins_.bins.data() + f * n_;
                                 HistBin* hist = leaf.hist.data() + offsets_[f];
                                 for (std::int32_t k = leaf.begin; k < leaf.end; ++k) {
                                     const std::int32_t r = rows_[k];
                                     HistBin& bin = hist[col[r]];
                                     bin.g += g_[r];
                                     bin.h += h_[r];
                                     ++bin.count;
                                 }
                             }
                         });
    }

    double score(double g, double h) const { return g * g / (h + o_.l2); }

    void best_split(Leaf& leaf) const {
        leaf.split = Split();
        const std::int32_t count = leaf.end - leaf.begin;
        if (count < 2 * o_.min_samples_leaf) return;
        if (o_.max_depth > 0 && leaf.depth >= o_.max_depth) return;
        const auto& feats = *features_;
        std::vector<Split> best(feats.size());
        const double parent = score(leaf.g, leaf.h);
        at::parallel_for(0, static_cast<std::int64_t>(feats.size()), 64,
                         [&](std::int64_t b, std::int64_t e) {
                             for (std::int64_t i = b; i < e; ++i) {
                                 const std::int32_t f = feats[i];
                                 const HistBin* hist = leaf.hist.data() + offsets_[f];
                                 const std::int64_t nb = offsets_[f + 1] - offsets_[f];
                                 double gl = 0, hl = 0;
                                 std::int32_t nl = 0;
                                 for (std::int64_t k = 0; k + 1 < nb; ++k) {
                                     gl += hist[k].g;
                                     hl += hist[k].h;
                                     nl += hist[k].count;
                                     const std::int32_t nr = count - nl;
                                     if (nl < o_.min_samples_leaf) continue;
                                     if (nr < o_.min_samples_leaf) break;
                                     const double gain =
                                         score(gl, hl) + score(leaf.g - gl, leaf.h - hl) - parent;
                                     if (gain > best[i].gain) {
                                         best[i] = {gain, f, static_cast<int>(k), gl, hl, nl};
                                     }
                                 }
                             }
                         });
        for (const auto& s : best)  // in feature order: ties go to the first
            if (s.feature >= 0 && s.gain > leaf.split.gain + 1e-12) leaf.split = s;
    }

    void split(Leaf& parent, Leaf& left, Leaf& right) {
        const Split& s = parent.split;
        const std::uint8_t* col = bins_.bins.data() + s.feature * n_;
        auto mid = std::stable_partition(rows_.begin() + parent.begin, rows_.begin() + parent.end,
                                         [&](std::int32_t r) { return col[r] <= s.bin; });
        const auto at = static_cast<std::int32_t>(mid - rows_.begin());
        tree_.feature[parent.node] = s.feature;
        tree_.threshold[parent.node] = bins_.edges[s.feature][s.bin];
        left.node = tree_.add_leaf();
        right.node = tree_.add_leaf();
        tree_.left[parent.node] = left.node;
        tree_.right[parent.node] = right.node;
        left.begin = parent.begin;
        left.end = at;
        right.begin = at;
        right.end = parent.end;
        left.depth = right.depth = parent.depth + 1;
        left.g = s.gl;
        left.h = s.hl;
        right.g = parent.g - s.gl;
        right.h = parent.h - s.hl;
        // The smaller child's histogram is built, the larger one's is the
        // parent's minus it.
        Leaf& small = (left.end - left.begin) <= (right.end - right.begin) ? left : right;
        Leaf& large = &small == &left ? right : left;
        histogram(small);
        large.hist = std::move(parent.hist);
        for (std::size_t i = 0; i < large.hist.size(); ++i) {
            large.hist[i].g -= small.hist[i].g;
            large.hist[i].h -= small.hist[i].h;
            large.hist[i].count -= small.hist[i].count;
        }
    }

    const Binning& bins_;
    std::int64_t n_;
    const std::vector<std::int64_t>& offsets_;
    const BoostOptions& o_;
    std::vector<std::int32_t> rows_;
    const std::vector<std::int32_t>* features_ = nullptr;
    const double *g_ = nullptr, *h_ = nullptr;
    ForestTree tree_;
};

std::mt19937_64 round_rng(std::uint64_t seed, std::int64_t target, std::int64_t round) {
    std::seed_seq s{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(target), static_cast<std::uint32_t>(round),
                    0x9b05688cu};
    return std::mt19937_64(s);
}

double sigmoid(double z) {
    return 1.0 / (1.0 + std::exp(-z));
}

/// Mean loss over the labelled rows: log loss (classification) or half
/// the squared error.
double loss(const std::vector<double>& score, const std::vector<float>& y,
            const std::vector<std::int32_t>& rows, bool classification) {
    double sum = 0;
    for (std::int32_t r : rows) {
        if (classification) {
            // log(1 + e^-z) for y = 1, log(1 + e^z) for y = 0, stably.
            const double z = y[r] > 0.5f ? score[r] : -score[r];
            sum += z > 0 ? std::log1p(std::exp(-z)) : -z + std::log1p(std::exp(z));
        } else {
            const double d = score[r] - y[r];
            sum += 0.5 * d * d;
        }
    }
    return rows.empty() ? 0 : sum / static_cast<double>(rows.size());
}

/// One target's labels: every row's value and the rows that carry a label.
struct TargetLabels {
    std::vector<float> y;            ///< [row]
    std::vector<std::int32_t> rows;  ///< labelled rows, ascending
};

TargetLabels target_labels(const float* y, const float* mask, std::int64_t n, std::int64_t targets,
                           std::int64_t t) {
    TargetLabels out;
    out.y.resize(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
        out.y[r] = y[r * targets + t];
        if (mask[r * targets + t] > 0) out.rows.push_back(static_cast<std::int32_t>(r));
    }
    return out;
}

/// The starting score: the mean label (regression) or its log-odds
/// (classification), rounded to float as saved so that predictions survive
/// a round trip.
double starting_score(const TargetLabels& train, bool classification) {
    double sum = 0;
    for (std::int32_t r : train.rows)
        sum += train.y[r];
    const double mean = sum / static_cast<double>(train.rows.size());
    double base = mean;
    if (classification) {
        const double p = std::min(1 - 1e-6, std::max(1e-6, mean));
        base = std::log(p / (1 - p));
    }
    return static_cast<float>(base);
}

/// First and second derivatives of the loss at the current scores, for the
/// labelled rows.
void loss_derivatives(const std::vector<double>& score, const TargetLabels& train,
                      bool classification, std::vector<double>& g, std::vector<double>& h) {
    for (std::int32_t r : train.rows) {
        if (classification) {
            const double p = sigmoid(score[r]);
            g[r] = p - train.y[r];
            h[r] = std::max(p * (1 - p), 1e-16);
        } else {
            g[r] = score[r] - train.y[r];
            h[r] = 1;
        }
    }
}

/// The rows one round's tree sees: a random subsample of the labelled rows
/// (all of them when subsampling is off or would leave none).
std::vector<std::int32_t> round_rows(const std::vector<std::int32_t>& rows, double subsample,
                                     std::mt19937_64& rng) {
    if (!(subsample < 1)) return rows;
    std::vector<std::int32_t> sample;
    std::uniform_real_distribution<double> u(0, 1);
    for (std::int32_t r : rows)
        if (u(rng) < subsample) sample.push_back(r);
    if (sample.empty()) sample = rows;
    return sample;
}

/// The features one round's tree may split on: per_tree of dim, drawn by a
/// partial Fisher-Yates shuffle, ascending.
std::vector<std::int32_t> round_features(std::int64_t dim, std::size_t per_tree,
                                         std::mt19937_64& rng) {
    std::vector<std::int32_t> features(static_cast<std::size_t>(dim));
    std::iota(features.begin(), features.end(), 0);
    for (std::size_t i = 0; i < per_tree; ++i) {
        std::uniform_int_distribution<std::size_t> pick(i, features.size() - 1);
        std::swap(features[i], features[pick(rng)]);
    }
    std::vector<std::int32_t> chosen(features.begin(),
                                     features.begin() + static_cast<std::ptrdiff_t>(per_tree));
    std::sort(chosen.begin(), chosen.end());
    return chosen;
}

/// The features and validation data every target's trees are fitted on.
struct BoostData {
    const float* x;  ///< [n * dim]
    std::int64_t n;
    const float* xv;  ///< [nv * dim]
    std::int64_t nv;
    std::int64_t dim;
    bool classification;
};

/// Grows one target's trees round by round from the starting score base,
/// stopping once the validation loss has not improved for o.patience
/// rounds, and keeps the best prefix.
BoostHistory fit_target(const BoostData& d, const TargetLabels& train, const TargetLabels& valid,
                        double base, std::int64_t t, const BoostOptions& o,
                        BoostTreeBuilder& builder, std::vector<ForestTree>& trees) {
    const auto per_tree = static_cast<std::size_t>(
        std::max<double>(1, std::round(o.colsample * static_cast<double>(d.dim))));
    const bool early_stop = !valid.rows.empty() && o.patience != 0;
    std::vector<double> score(static_cast<std::size_t>(d.n), base), vscore(d.nv, base);
    std::vector<double> g(static_cast<std::size_t>(d.n), 0), h(static_cast<std::size_t>(d.n), 0);
    double best = std::numeric_limits<double>::infinity();
    std::size_t best_rounds = 0;
    int tried = 0;
    for (int round = 0; round < o.rounds; ++round) {
        loss_derivatives(score, train, d.classification, g, h);
        auto rng = round_rng(o.seed, t, round);
        std::vector<std::int32_t> sample = round_rows(train.rows, o.subsample, rng);
        const std::vector<std::int32_t> chosen = round_features(d.dim, per_tree, rng);
        trees.push_back(builder.build(std::move(sample), chosen, g.data(), h.data()));
        ++tried;
        const ForestTree& tree = trees.back();
        for (std::int64_t r = 0; r < d.n; ++r)
            score[r] += tree.predict(d.x + r * d.dim);
        if (!early_stop) {
            best_rounds = trees.size();
            continue;
        }
        for (std::int32_t r : valid.rows)
            vscore[r] += tree.predict(d.xv + static_cast<std::int64_t>(r) * d.dim);
        const double l = loss(vscore, valid.y, valid.rows, d.classification);
        if (l < best - 1e-12) {
            best = l;
            best_rounds = trees.size();
        } else if (static_cast<int>(trees.size() - best_rounds) >= o.patience) {
            break;
        }
    }
    trees.resize(std::max<std::size_t>(1, best_rounds));
    BoostHistory history;
    history.rounds = static_cast<int>(trees.size());
    history.rounds_tried = tried;
    history.best_valid_loss = !early_stop ? -1 : (best_rounds ? best : -1);
    return history;
}

/// Cumulative histogram offsets: feature f's bins start at offsets[f].
std::vector<std::int64_t> bin_offsets(const Binning& bins, std::int64_t dim) {
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(dim) + 1, 0);
    for (std::int64_t f = 0; f < dim; ++f)
        offsets[f + 1] = offsets[f] + static_cast<std::int64_t>(bins.edges[f].size()) + 1;
    return offsets;
}

}  // namespace

BoostedTrees BoostedTrees::fit(const float* x, const float* y, const float* mask, std::int64_t n,
                               const float* xv, const float* yv, const float* maskv,
                               std::int64_t nv, std::int64_t dim, std::int64_t targets,
                               const std::string& task, const BoostOptions& o,
                               std::vector<BoostHistory>* history) {
    check_boost_options(o);
    if (n <= 0 || dim <= 0 || targets <= 0)
        throw ModelError("gradient-boosted trees: no training data");
    const bool classification = task == "classification";
    const Binning bins = make_bins(x, n, dim, o.max_bins);
    const std::vector<std::int64_t> offsets = bin_offsets(bins, dim);

    BoostedTrees model;
    model.dim_ = dim;
    model.classification_ = classification;
    model.base_.assign(targets, 0.0);
    model.trees_.assign(targets, {});
    if (history) history->assign(targets, BoostHistory());
    const BoostData data{x, n, xv, nv, dim, classification};
    for (std::int64_t t = 0; t < targets; ++t) {
        const TargetLabels train = target_labels(y, mask, n, targets, t);
        const TargetLabels valid = target_labels(yv, maskv, nv, targets, t);
        if (train.rows.empty())
            throw ModelError("gradient-boosted trees: target " + std::to_string(t) +
                             " has no labelled training row");
        model.base_[t] = starting_score(train, classification);
        BoostTreeBuilder builder(bins, n, offsets, o);
        const BoostHistory fitted =
            fit_target(data, train, valid, model.base_[t], t, o, builder, model.trees_[t]);
        if (history) (*history)[t] = fitted;
    }
    return model;
}

std::size_t BoostedTrees::num_nodes() const {
    std::size_t total = 0;
    for (const auto& per_target : trees_)
        for (const auto& tree : per_target)
            total += tree.feature.size();
    return total;
}

void BoostedTrees::predict(const float* x, std::int64_t n, double* out) const {
    const std::int64_t targets = num_targets();
    at::parallel_for(0, n, 16, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r) {
            const float* row = x + r * dim_;
            for (std::int64_t t = 0; t < targets; ++t) {
                double z = base_[t];
                for (const auto& tree : trees_[t])
                    z += tree.predict(row);
                out[r * targets + t] = classification_ ? sigmoid(z) : z;
            }
        }
    });
}

void BoostedTrees::to_tensors(std::vector<TensorView>& views,
                              std::vector<std::vector<char>>& keep) const {
    keep.reserve(keep.size() + tensor_count(num_targets()));
    for (std::int64_t t = 0; t < num_targets(); ++t) {
        const std::string p = "gbm." + std::to_string(t) + ".";
        const float base = static_cast<float>(base_[t]);
        keep.emplace_back(sizeof(float));
        std::memcpy(keep.back().data(), &base, sizeof(float));
        TensorView v;
        v.name = p + "base";
        v.dtype = StoredDType::f32;
        v.shape = {1};
        v.data = keep.back().data();
        v.nbytes = sizeof(float);
        views.push_back(v);
        trees_to_tensors(p, trees_[t], views, keep);
    }
}

BoostedTrees BoostedTrees::from_tensors(const SafetensorsFile& file, std::int64_t dim,
                                        std::int64_t targets, const std::string& task) {
    BoostedTrees model;
    model.dim_ = dim;
    model.classification_ = task == "classification";
    model.base_.resize(targets);
    model.trees_.resize(targets);
    for (std::int64_t t = 0; t < targets; ++t) {
        const std::string p = "gbm." + std::to_string(t) + ".";
        const TensorView& v = file.get(p + "base");
        if (v.dtype != StoredDType::f32 || v.shape != std::vector<std::int64_t>{1})
            throw ModelError(file.path() + ": tensor '" + p + "base' has shape " +
                             v.shape_string() + " " + to_string(v.dtype) + ", expected [1] F32");
        float base = 0;
        std::memcpy(&base, v.data, sizeof(float));
        if (!std::isfinite(base))
            throw ModelError(file.path() + ": tensor '" + p + "base' is not finite");
        model.base_[t] = base;
        model.trees_[t] =
            trees_from_tensors(file, p, dim, "boosted trees of target " + std::to_string(t));
    }
    return model;
}

}  // namespace plmkit::models
