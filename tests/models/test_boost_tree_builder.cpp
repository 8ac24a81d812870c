// The boosted trees' leaf work shared between threads
// (models/boost_tree_builder.cpp with models/loop_helpers.cpp): the saved
// tensors are the same bytes on 1, 2 or 3 threads, with every leaf's
// histograms and split scans shared (parallel_min_work 0), none shared, or
// the default threshold; for regression, 0/1 classification and the
// multi-class trees grown one class after another (fewer classes than
// threads).
#include <ATen/Parallel.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "models/boosted_trees.hpp"
#include "src/safetensors.hpp"
#include "tests/catch.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

/// 500 rows of 24 features drawn from a fixed generator (continuous, so
/// most features have the full 255 bins), a noisy non-linear target and
/// its 0/1 and three-band cuts.
struct NoisyData {
    std::int64_t n = 500, dim = 24;
    std::vector<float> x, y, y01, band, mask;
    NoisyData() {
        std::mt19937 gen(11);
        std::normal_distribution<float> z(0.f, 1.f);
        for (std::int64_t r = 0; r < n; ++r) {
            for (std::int64_t f = 0; f < dim; ++f)
                x.push_back(z(gen));
            const float* row = x.data() + r * dim;
            const float v = row[0] * row[1] + std::sin(3 * row[2]) + 0.5f * row[3] + 0.3f * z(gen);
            y.push_back(v);
            y01.push_back(v > 0.2f ? 1.f : 0.f);
            band.push_back(v < -0.5f ? 0.f : (v < 0.8f ? 1.f : 2.f));
            mask.push_back(1.f);
        }
    }
};

BoostOptions sampled_options(std::int64_t min_work) {
    BoostOptions o;
    o.rounds = 12;
    o.learning_rate = 0.3;
    o.max_leaves = 15;
    o.min_samples_leaf = 4;
    o.subsample = 0.8;
    o.colsample = 0.7;
    o.patience = 0;
    o.seed = 7;
    o.parallel_min_work = min_work;
    return o;
}

/// The model's tensors, names and bytes, as model.safetensors holds them.
std::string tensor_bytes(const BoostedTrees& m) {
    std::vector<TensorView> views;
    std::vector<std::vector<char>> keep;
    m.to_tensors(views, keep);
    std::string out;
    for (const auto& v : views) {
        out += v.name + v.shape_string() + ":";
        out.append(static_cast<const char*>(v.data), v.nbytes);
    }
    return out;
}

/// `task` regression / classification / multiclass fitted on `threads`.
std::string fitted(const NoisyData& d, const std::string& task, int threads,
                   std::int64_t min_work) {
    const int before = at::get_num_threads();
    at::set_num_threads(threads);
    const BoostOptions o = sampled_options(min_work);
    BoostedTrees m;
    if (task == "multiclass") {
        m = BoostedTrees::fit_classes(d.x.data(), d.band.data(), d.mask.data(), d.n, nullptr,
                                      nullptr, nullptr, 0, d.dim, 3, o, nullptr);
    } else {
        const auto& y = task == "regression" ? d.y : d.y01;
        m = BoostedTrees::fit(d.x.data(), y.data(), d.mask.data(), d.n, nullptr, nullptr, nullptr,
                              0, d.dim, 1, task, o, nullptr);
    }
    at::set_num_threads(before);
    // Trees that split: the leaves' work was there to share.
    CHECK(m.num_nodes() > 10 * m.num_trees(0));
    return tensor_bytes(m);
}

}  // namespace

TEST_CASE("gbm threads: the same bytes on any thread count, leaves shared or not",
          "[models][gbm][threads]") {
    const NoisyData d;
    for (const std::string task : {"regression", "classification", "multiclass"}) {
        INFO(task);
        const std::string serial = fitted(d, task, 1, kBoostParallelMinWork);
        CHECK(fitted(d, task, 2, 0) == serial);  // every leaf shared
        CHECK(fitted(d, task, 2, kBoostParallelMinWork) == serial);
        CHECK(fitted(d, task, 2, std::int64_t{1} << 60) == serial);  // none shared
        // Multi-class on 4 threads: its 3 classes grow one after another,
        // each leaf shared with 3 helpers.
        CHECK(fitted(d, task, task == "multiclass" ? 4 : 3, 0) == serial);
    }
}
