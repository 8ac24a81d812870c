// Multi-class random forest (Forest::fit_classes, models/forest_classes.cpp):
// a depth-1 Gini split and its leaf frequencies worked by hand, a full tree
// against scikit-learn's DecisionTreeClassifier on 14 points, bootstrap
// forests that are exact away from the class boundaries, probabilities
// summing to 1, the same forest whatever the thread count, labels that are
// no class refused, and stored leaves that are not class shares refused.
#include <ATen/Parallel.h>

#include <cmath>
#include <vector>

#include "models/forest.hpp"
#include "src/error.hpp"
#include "src/safetensors.hpp"
#include "tests/catch.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

/// One tree on every row (no bootstrap), all features tried at each node.
ForestOptions one_tree(int max_depth) {
    ForestOptions o;
    o.trees = 1;
    o.max_features = "all";
    o.max_depth = max_depth;
    o.bootstrap = false;
    return o;
}

/// 14 points of 2 features, classes 0..2, and 7 query points; the expected
/// probabilities are scikit-learn 1.x's DecisionTreeClassifier on them (the
/// same for random_state 0..19: no tie decides the tree).
const std::vector<float> kX = {0.1f,  0.9f,  0.4f, 0.2f,  0.35f, 0.7f,  0.8f,  0.1f,  0.9f, 0.8f,
                               0.2f,  0.3f,  0.6f, 0.6f,  0.7f,  0.35f, 0.15f, 0.55f, 0.5f, 0.95f,
                               0.95f, 0.45f, 0.3f, 0.05f, 0.65f, 0.85f, 0.45f, 0.5f};
const std::vector<float> kY = {0, 1, 0, 1, 2, 1, 2, 1, 0, 2, 1, 1, 2, 0};
const std::vector<float> kQ = {0.1f, 0.1f,  0.2f,  0.8f, 0.85f, 0.6f,  0.5f,
                               0.4f, 0.55f, 0.75f, 0.9f, 0.2f,  0.38f, 0.6f};

std::string test_path() {
    return test::temp_path("forest_classes.safetensors");
}

}  // namespace

TEST_CASE("forest classes: a depth-1 Gini split and its leaf frequencies, by hand",
          "[models][forest][multiclass]") {
    // x = 0..5 with classes 0 0 0 1 1 2. Each split's sum_c l_c^2 / n_l +
    // sum_c r_c^2 / n_r (larger = lower weighted Gini):
    //   x <= 0.5: 1 + 9/5 = 2.8      x <= 1.5: 2 + 6/4 = 3.5
    //   x <= 2.5: 3 + 5/3 = 4.67     x <= 3.5: 10/4 + 1 = 3.5
    //   x <= 4.5: 13/5 + 1 = 3.6
    // so the root splits at 2.5: left {0: 3}, right {1: 2, 2: 1}.
    const std::vector<float> x = {0, 1, 2, 3, 4, 5}, y = {0, 0, 0, 1, 1, 2}, mask(6, 1.f);
    const Forest f = Forest::fit_classes(x.data(), y.data(), mask.data(), 6, 1, 3, one_tree(1));
    CHECK(f.num_classes() == 3);
    CHECK(f.num_outputs() == 3);
    CHECK(f.num_nodes() == 3);
    const std::vector<float> q = {1.f, 2.5f, 2.6f, 4.f, -10.f, 10.f};
    std::vector<double> out(18), sd(18);
    f.predict(q.data(), 6, out.data(), sd.data());
    const double left[3] = {1, 0, 0}, right[3] = {0, 2.0 / 3, 1.0 / 3};
    for (int r = 0; r < 6; ++r) {
        const double* want = q[r] <= 2.5f ? left : right;
        for (int c = 0; c < 3; ++c) {
            INFO("x = " << q[r] << ", class " << c);
            CHECK(out[r * 3 + c] == Approx(want[c]).epsilon(1e-6));
            CHECK(sd[r * 3 + c] == 0.0);  // one tree: no spread
        }
    }
    SECTION("grown to purity, the right leaf splits again at 4.5") {
        const Forest full =
            Forest::fit_classes(x.data(), y.data(), mask.data(), 6, 1, 3, one_tree(0));
        CHECK(full.num_nodes() == 5);
        full.predict(q.data(), 6, out.data(), nullptr);
        CHECK(out[3 * 3 + 1] == Approx(1.0));  // x = 4: class 1
        CHECK(out[5 * 3 + 2] == Approx(1.0));  // x = 10: class 2
    }
}

TEST_CASE("forest classes: one tree matches scikit-learn's DecisionTreeClassifier",
          "[models][forest][multiclass]") {
    std::vector<float> mask(14, 1.f);
    SECTION("depth 1: feature 1 at 0.475; below it class 1 only, above 4 of class 0 and 2") {
        const Forest f =
            Forest::fit_classes(kX.data(), kY.data(), mask.data(), 14, 2, 3, one_tree(1));
        std::vector<double> out(21);
        f.predict(kQ.data(), 7, out.data(), nullptr);
        for (int r = 0; r < 7; ++r) {
            INFO("query " << r);
            const bool low = kQ[r * 2 + 1] <= 0.475f;
            CHECK(out[r * 3 + 0] == Approx(low ? 0.0 : 0.5));
            CHECK(out[r * 3 + 1] == Approx(low ? 1.0 : 0.0));
            CHECK(out[r * 3 + 2] == Approx(low ? 0.0 : 0.5));
        }
    }
    SECTION("grown to purity: scikit-learn's predict_proba on the 7 queries") {
        const Forest f =
            Forest::fit_classes(kX.data(), kY.data(), mask.data(), 14, 2, 3, one_tree(0));
        CHECK(f.num_nodes() == 5);  // sklearn: tree_.node_count == 5, max_depth 2
        const int want[7] = {1, 0, 2, 1, 2, 1, 0};
        std::vector<double> out(21);
        f.predict(kQ.data(), 7, out.data(), nullptr);
        for (int r = 0; r < 7; ++r)
            for (int c = 0; c < 3; ++c) {
                INFO("query " << r << ", class " << c);
                CHECK(out[r * 3 + c] == (c == want[r] ? 1.0 : 0.0));
            }
    }
}

TEST_CASE("forest classes: bootstrap forests, exact inside the classes, rows summing to 1",
          "[models][forest][multiclass]") {
    // Class c holds x in [20c, 20c + 9]. On one feature with the classes in
    // blocks, the best Gini split of a node always falls between two blocks
    // (between the largest sampled x of one and the smallest of the next),
    // so a point inside a block reaches a leaf of its class in every tree.
    std::vector<float> x, y, mask;
    for (int i = 0; i < 30; ++i) {
        x.push_back(static_cast<float>(20 * (i % 3) + (i / 3)));
        y.push_back(static_cast<float>(i % 3));
        mask.push_back(1.f);
    }
    ForestOptions o;
    o.trees = 40;
    o.seed = 7;
    const Forest f = Forest::fit_classes(x.data(), y.data(), mask.data(), 30, 1, 3, o);
    CHECK(f.trees_per_target() == 40);
    const std::vector<float> q = {5, 25, 45, 15, 34};
    std::vector<double> out(15), sd(15);
    f.predict(q.data(), 5, out.data(), sd.data());
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) {
            CHECK(out[r * 3 + c] == (c == r ? 1.0 : 0.0));
            CHECK(sd[r * 3 + c] == 0.0);
        }
    for (int r = 0; r < 5; ++r) {
        double total = 0;
        for (int c = 0; c < 3; ++c) {
            CHECK(out[r * 3 + c] >= 0.0);
            CHECK(out[r * 3 + c] <= 1.0);
            total += out[r * 3 + c];
        }
        CHECK(total == Approx(1.0).epsilon(1e-6));
    }
    // Between blocks the trees disagree: a spread, and classes 0/1 both likely.
    CHECK(out[3 * 3 + 0] > 0.0);
    CHECK(out[3 * 3 + 1] > 0.0);
    CHECK(sd[3 * 3 + 0] > 0.0);
    SECTION("the same forest whatever the thread count") {
        const int before = at::get_num_threads();
        at::set_num_threads(1);
        const Forest one = Forest::fit_classes(x.data(), y.data(), mask.data(), 30, 1, 3, o);
        at::set_num_threads(before);
        std::vector<double> again(15);
        one.predict(q.data(), 5, again.data(), nullptr);
        CHECK(again == out);
    }
    SECTION("a row without a label is not used") {
        std::vector<float> y2 = y, mask2 = mask;
        y2[0] = 2;  // would put class 2 at x = 0, but masked
        mask2[0] = 0;
        const Forest m = Forest::fit_classes(x.data(), y2.data(), mask2.data(), 30, 1, 3, o);
        std::vector<double> p(3);
        const float at0[] = {0.f};
        m.predict(at0, 1, p.data(), nullptr);
        CHECK(p[0] == 1.0);
    }
}

TEST_CASE("forest classes: labels that are no class and too few classes are refused",
          "[models][forest][multiclass]") {
    const std::vector<float> x = {0, 1, 2}, mask = {1, 1, 1};
    ForestOptions o;
    o.trees = 2;
    const std::vector<float> bad = {0, 3, 1}, half = {0, 0.5f, 1};
    CHECK_THROWS_WITH(Forest::fit_classes(x.data(), bad.data(), mask.data(), 3, 1, 3, o),
                      Catch::Contains("training row 1 has class index 3.000000, expected 0 .. 2"));
    CHECK_THROWS_AS(Forest::fit_classes(x.data(), half.data(), mask.data(), 3, 1, 3, o),
                    ModelError);
    const std::vector<float> y = {0, 1, 0};
    CHECK_THROWS_WITH(Forest::fit_classes(x.data(), y.data(), mask.data(), 3, 1, 1, o),
                      Catch::Contains("needs 2 or more classes, got 1"));
    const std::vector<float> none = {0, 0, 0};
    CHECK_THROWS_WITH(Forest::fit_classes(x.data(), y.data(), none.data(), 3, 1, 2, o),
                      Catch::Contains("no labelled training row"));
}

TEST_CASE("forest classes: stored leaves must be class shares summing to 1",
          "[models][forest][multiclass]") {
    const std::vector<float> x = {0, 1, 2, 3, 4, 5}, y = {0, 0, 0, 1, 1, 2}, mask(6, 1.f);
    const Forest f = Forest::fit_classes(x.data(), y.data(), mask.data(), 6, 1, 3, one_tree(1));
    std::vector<TensorView> views;
    std::vector<std::vector<char>> keep;
    f.to_tensors(views, keep);
    REQUIRE(views.size() == Forest::tensor_count(1));
    std::size_t value = 0;
    while (views[value].name != "forest.0.value")
        ++value;
    CHECK(views[value].shape == std::vector<std::int64_t>{9});  // 3 nodes x 3 classes
    const std::string path = test_path();
    auto load = [&](std::int64_t classes) {
        write_safetensors(path, views);
        SafetensorsFile file(path);
        return Forest::from_tensors(file, 1, 1, classes);
    };
    CHECK(load(3).num_classes() == 3);
    // Read as 2 classes, the 9 values do not fit the 3 nodes.
    CHECK_THROWS_WITH(load(2), Catch::Contains("'forest.0.value' has shape [9]"));
    // Leaf 1 (node 1, the left leaf {1, 0, 0}) made {1, 0.5, 0}.
    reinterpret_cast<float*>(keep[value].data())[1 * 3 + 1] = 0.5f;
    CHECK_THROWS_WITH(load(3), Catch::Contains("leaf 1 has no class shares summing to 1"));
}
