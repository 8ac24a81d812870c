#include "models/boost_tree_builder.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

namespace plmkit::models {
namespace {

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
    tree_ = ForestTree();
    std::vector<BoostLeaf> open;
    BoostLeaf root;
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
        BoostLeaf parent = std::move(open[pick]);
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(pick));
        BoostLeaf left, right;
        split(parent, left, right);
        ++leaves;
        for (BoostLeaf* child : {&left, &right}) {
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

void BoostTreeBuilder::histogram(BoostLeaf& leaf) const {
    leaf.hist.assign(static_cast<std::size_t>(bins_.offsets.back()), BoostHistBin());
    const auto& feats = *features_;
    at::parallel_for(0, static_cast<std::int64_t>(feats.size()), 16,
                     [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t i = b; i < e; ++i) {
                             const std::int32_t f = feats[i];
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
                     });
}

void BoostTreeBuilder::best_split(BoostLeaf& leaf) const {
    leaf.split = BoostSplit();
    const std::int32_t count = leaf.end - leaf.begin;
    if (count < 2 * o_.min_samples_leaf) return;
    if (o_.max_depth > 0 && leaf.depth >= o_.max_depth) return;
    const auto& feats = *features_;
    std::vector<BoostSplit> best(feats.size());
    const double parent = score(leaf.g, leaf.h);
    at::parallel_for(
        0, static_cast<std::int64_t>(feats.size()), 64, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i) {
                const std::int32_t f = feats[i];
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
                    if (gain > best[i].gain) {
                        best[i] = {gain, f, static_cast<int>(k), gl, hl, nl};
                    }
                }
            }
        });
    for (const auto& s : best)  // in feature order: ties go to the first
        if (s.feature >= 0 && s.gain > leaf.split.gain + 1e-12) leaf.split = s;
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
    // The smaller child's histogram is built, the larger one's is the
    // parent's minus it.
    BoostLeaf& small = (left.end - left.begin) <= (right.end - right.begin) ? left : right;
    BoostLeaf& large = &small == &left ? right : left;
    histogram(small);
    large.hist = std::move(parent.hist);
    for (std::size_t i = 0; i < large.hist.size(); ++i) {
        large.hist[i].g -= small.hist[i].g;
        large.hist[i].h -= small.hist[i].h;
        large.hist[i].count -= small.hist[i].count;
    }
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
