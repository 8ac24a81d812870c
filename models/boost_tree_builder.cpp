#include "models/boost_tree_builder.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <utility>

namespace plmkit::models {
namespace {

/// Features a thread takes at a time from a leaf's loop: small, so that a
/// helper descheduled in the middle of its chunk holds the caller up only
/// briefly, and large enough that taking a chunk (one atomic add) costs
/// nothing next to its histogram.
constexpr std::int64_t kFeatureChunk = 8;

std::uint8_t bin_of(const std::vector<float>& e, float v) {
    return static_cast<std::uint8_t>(std::lower_bound(e.begin(), e.end(), v) - e.begin());
}

float midpoint(float a, float b) {
    const float m = a + (b - a) / 2;
    return m < b ? m : a;
}

}  // namespace

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
                out[r] = bin_of(e, x[r * dim + f]);
        }
    });
    b.offsets.assign(static_cast<std::size_t>(dim) + 1, 0);
    for (std::int64_t f = 0; f < dim; ++f)
        b.offsets[f + 1] = b.offsets[f] + static_cast<std::int64_t>(b.edges[f].size()) + 1;
    return b;
}

struct BoostHistBin {
    double g = 0, h = 0;
    std::int32_t count = 0;
};

struct BoostSplit {
    double gain = 0;
    std::int32_t feature = -1;
    int bin = 0;
    double gl = 0, hl = 0;
    std::int32_t nl = 0;
};

/// A leaf that may still split: its rows rows_[begin, end) and histogram.
struct BoostLeaf {
    std::int32_t node = 0, begin = 0, end = 0;
    int depth = 0;
    double g = 0, h = 0;
    std::vector<BoostHistBin> hist;
    BoostSplit split;
};

ForestTree BoostTreeBuilder::build(std::vector<std::int32_t> rows,
                                   const std::vector<std::int32_t>& features, const double* g,
                                   const double* h) {
    rows_ = std::move(rows);
    features_ = &features;
    g_ = g;
    h_ = h;
    chosen_bins_ = 0;
    for (std::int32_t f : features)
        chosen_bins_ += bins_.offsets[f + 1] - bins_.offsets[f];
    tree_ = ForestTree();
    std::vector<BoostLeaf> open;
    BoostLeaf root;
    root.node = tree_.add_leaf();
    root.end = static_cast<std::int32_t>(rows_.size());
    grow_root(root);
    open.push_back(std::move(root));
    int leaves = 1;
    while (leaves < o_.max_leaves) {
        std::size_t pick = open.size();
        for (std::size_t i = 0; i < open.size(); ++i)
            if (open[i].split.feature >= 0 &&
                (pick == open.size() || open[i].split.gain > open[pick].split.gain))
                pick = i;
        if (pick == open.size()) break;
        BoostLeaf parent = std::move(open[pick]);
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(pick));
        BoostLeaf left, right;
        split(parent, left, right);
        ++leaves;
        for (BoostLeaf* child : {&left, &right}) {
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

void BoostTreeBuilder::set_leaf(const BoostLeaf& leaf) {
    tree_.value[leaf.node] = static_cast<float>(-o_.learning_rate * leaf.g / (leaf.h + o_.l2));
}

void BoostTreeBuilder::sums(BoostLeaf& leaf) const {
    leaf.g = leaf.h = 0;
    for (std::int32_t k = leaf.begin; k < leaf.end; ++k) {
        leaf.g += g_[rows_[k]];
        leaf.h += h_[rows_[k]];
    }
}

template <typename PerFeature>
void BoostTreeBuilder::for_features(std::int64_t rows, PerFeature&& per_feature) const {
    const auto nf = static_cast<std::int64_t>(features_->size());
    const std::function<void(std::int64_t, std::int64_t)> run = [&](std::int64_t b,
                                                                    std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i)
            per_feature(i, (*features_)[i]);
    };
    // The work of the leaf: the histogram's row-feature updates, and the
    // bins the split scans (both children) and the subtraction go over.
    if (helpers_ == nullptr || rows * nf + 3 * chosen_bins_ < o_.parallel_min_work) {
        run(0, nf);
    } else {
        helpers_->run(nf, kFeatureChunk, run);
    }
}

void BoostTreeBuilder::histogram(BoostLeaf& leaf, std::int32_t f) const {
    const std::uint8_t* col = bins_.bins.data() + f * n_;
    BoostHistBin* hist = leaf.hist.data() + bins_.offsets[f];
    for (std::int32_t k = leaf.begin; k < leaf.end; ++k) {
        const std::int32_t r = rows_[k];
        BoostHistBin& bin = hist[col[r]];
        bin.g += g_[r];
        bin.h += h_[r];
        ++bin.count;
    }
}

bool BoostTreeBuilder::may_split(const BoostLeaf& leaf) const {
    if (leaf.end - leaf.begin < 2 * o_.min_samples_leaf) return false;
    return o_.max_depth == 0 || leaf.depth < o_.max_depth;
}

BoostSplit BoostTreeBuilder::feature_split(const BoostLeaf& leaf, std::int32_t f) const {
    BoostSplit best;
    const std::int32_t count = leaf.end - leaf.begin;
    const double parent = score(leaf.g, leaf.h);
    const BoostHistBin* hist = leaf.hist.data() + bins_.offsets[f];
    const std::int64_t nb = bins_.offsets[f + 1] - bins_.offsets[f];
    double gl = 0, hl = 0;
    std::int32_t nl = 0;
    for (std::int64_t k = 0; k + 1 < nb; ++k) {
        gl += hist[k].g;
        hl += hist[k].h;
        nl += hist[k].count;
        const std::int32_t nr = count - nl;
        if (nl < o_.min_samples_leaf) continue;
        if (nr < o_.min_samples_leaf) break;
        const double gain = score(gl, hl) + score(leaf.g - gl, leaf.h - hl) - parent;
        if (gain > best.gain) best = {gain, f, static_cast<int>(k), gl, hl, nl};
    }
    return best;
}

namespace {

/// The leaf's split: the best of the features' in feature order, ties to
/// the first (none when no feature gains).
void pick_split(BoostLeaf& leaf, const std::vector<BoostSplit>& best) {
    leaf.split = BoostSplit();
    for (const auto& s : best)
        if (s.feature >= 0 && s.gain > leaf.split.gain + 1e-12) leaf.split = s;
}

}  // namespace

void BoostTreeBuilder::grow_root(BoostLeaf& root) const {
    root.hist.assign(static_cast<std::size_t>(bins_.offsets.back()), BoostHistBin());
    sums(root);
    const bool may = may_split(root);
    std::vector<BoostSplit> best(may ? features_->size() : 0);
    for_features(root.end - root.begin, [&](std::int64_t i, std::int32_t f) {
        histogram(root, f);
        if (may) best[i] = feature_split(root, f);
    });
    pick_split(root, best);
}

void BoostTreeBuilder::split(BoostLeaf& parent, BoostLeaf& left, BoostLeaf& right) {
    const BoostSplit& s = parent.split;
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
    grow_children(parent, left, right);
}

void BoostTreeBuilder::grow_children(BoostLeaf& parent, BoostLeaf& left, BoostLeaf& right) const {
    // The smaller child's histogram is built, the larger one's is the
    // parent's minus it; then both children's best splits, one feature at
    // a time (the features are independent, so the result is the same in
    // any order and on any number of threads).
    BoostLeaf& small = (left.end - left.begin) <= (right.end - right.begin) ? left : right;
    BoostLeaf& large = &small == &left ? right : left;
    small.hist.assign(static_cast<std::size_t>(bins_.offsets.back()), BoostHistBin());
    large.hist = std::move(parent.hist);
    const bool may_left = may_split(left), may_right = may_split(right);
    std::vector<BoostSplit> best_left(may_left ? features_->size() : 0);
    std::vector<BoostSplit> best_right(may_right ? features_->size() : 0);
    for_features(small.end - small.begin, [&](std::int64_t i, std::int32_t f) {
        histogram(small, f);
        BoostHistBin* lg = large.hist.data() + bins_.offsets[f];
        const BoostHistBin* sm = small.hist.data() + bins_.offsets[f];
        for (std::int64_t k = 0; k < bins_.offsets[f + 1] - bins_.offsets[f]; ++k) {
            lg[k].g -= sm[k].g;
            lg[k].h -= sm[k].h;
            lg[k].count -= sm[k].count;
        }
        if (may_left) best_left[i] = feature_split(left, f);
        if (may_right) best_right[i] = feature_split(right, f);
    });
    pick_split(left, best_left);
    pick_split(right, best_right);
}

std::mt19937_64 round_rng(std::uint64_t seed, std::int64_t target, std::int64_t round) {
    std::seed_seq s{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(target), static_cast<std::uint32_t>(round),
                    0x9b05688cu};
    return std::mt19937_64(s);
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

std::size_t features_per_tree(double colsample, std::int64_t dim) {
    return static_cast<std::size_t>(
        std::max<double>(1, std::round(colsample * static_cast<double>(dim))));
}

}  // namespace plmkit::models
