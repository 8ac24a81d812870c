// Nearest neighbours (models/knn.hpp): MinMax similarities, weights and
// spreads worked out by hand on four stored rows, ties, masked labels, the
// columns outside the block ignored, save/load through PropertyModel and
// refusal of bad options, bad rows and corrupt tensors.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/knn.hpp"
#include "models/property_model.hpp"
#include "src/error.hpp"
#include "src/safetensors.hpp"
#include "tests/catch.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

/// Four rows of 4 features: columns 0-2 a fingerprint block, column 3 a
/// descriptor (negative values allowed, never compared). Target 0 is a
/// class, target 1 a value that row 1 lacks.
struct Rows {
    std::vector<float> x = {1, 0, 0, -5,  //
                            1, 1, 0, 7,   //
                            0, 0, 2, 0,   //
                            0, 2, 1, 0};
    std::vector<float> y = {1, 5, 0, 0, 1, 3, 0, 1};
    std::vector<float> mask = {1, 1, 1, 0, 1, 1, 1, 1};
};

KnnOptions block(int k) {
    KnnOptions o;
    o.k = k;
    o.begin = 0;
    o.end = 3;
    return o;
}

NearestNeighbours fit(int k, std::int64_t targets = 2) {
    Rows r;
    if (targets == 1) {
        r.y = {1, 0, 1, 0};
        r.mask = {1, 1, 1, 1};
    }
    return NearestNeighbours::fit(r.x.data(), r.y.data(), r.mask.data(), 4, 4, targets, block(k));
}

}  // namespace

TEST_CASE("knn: MinMax similarity", "[models][knn]") {
    const float a[] = {1, 2, 0}, b[] = {2, 1, 1}, zero[] = {0, 0, 0};
    CHECK(minmax_similarity(a, b, 3) == Approx(2.0 / 5.0));  // (1 + 1 + 0) / (2 + 2 + 1)
    CHECK(minmax_similarity(a, a, 3) == 1.0);
    CHECK(minmax_similarity(zero, zero, 3) == 0.0);
    const float bits1[] = {1, 1, 0, 1}, bits2[] = {1, 0, 1, 1};
    CHECK(minmax_similarity(bits1, bits2, 4) == Approx(2.0 / 4.0));  // Tanimoto on bits
}

TEST_CASE("knn: similarity-weighted labels of the k nearest rows, by hand", "[models][knn]") {
    const NearestNeighbours m = fit(2);
    CHECK(m.size() == 4);
    CHECK(m.num_targets() == 2);
    // q = (1, 1, 0): similarities 1/2, 1, 0, 1/4 to rows 0-3.
    const std::vector<float> q = {1, 1, 0, 100, 1, 1, 0, -100};
    std::vector<double> out(4), sd(4);
    m.predict(q.data(), 2, out.data(), sd.data());
    // Target 0, k = 2: rows 1 (sim 1, class 0) and 0 (sim 1/2, class 1).
    CHECK(out[0] == Approx(0.5 / 1.5));
    // Weighted variance (1 * (1/3)^2 + 1/2 * (2/3)^2) / 1.5 = 2/9.
    CHECK(sd[0] == Approx(std::sqrt(2.0 / 9.0)));
    // Target 1: row 1 has no label; rows 0 (1/2, value 5) and 3 (1/4, value 1).
    CHECK(out[1] == Approx((0.5 * 5 + 0.25 * 1) / 0.75));
    // The descriptor column is not compared: the second row predicts the same.
    CHECK(out[2] == out[0]);
    CHECK(out[3] == out[1]);

    // k = 3 adds row 3 (sim 1/4, class 0) for target 0.
    std::vector<double> out3(2);
    fit(3).predict(q.data(), 1, out3.data(), nullptr);
    CHECK(out3[0] == Approx(0.5 / 1.75));
    // k larger than the labelled rows: all of them.
    std::vector<double> all(2);
    fit(10).predict(q.data(), 1, all.data(), nullptr);
    CHECK(all[0] == Approx((0.5 * 1 + 1 * 0 + 0 * 1 + 0.25 * 0) / 1.75));
    CHECK(all[1] == Approx((0.5 * 5 + 0 * 3 + 0.25 * 1) / 0.75));
}

TEST_CASE("knn: ties go to the row stored first; no shared column gives the plain mean",
          "[models][knn]") {
    const NearestNeighbours m = fit(2, 1);
    // q = (0, 1, 1): similarities 0, 1/3, 1/3, 2/3. Row 3 (class 0) is
    // nearest; rows 1 (class 0) and 2 (class 1) tie and row 1 comes first.
    const std::vector<float> q = {0, 1, 1, 0};
    std::vector<double> out(1), sd(1);
    m.predict(q.data(), 1, out.data(), sd.data());
    CHECK(out[0] == 0.0);
    CHECK(sd[0] == 0.0);
    // An all-zero block shares nothing: similarities 0, rows 0 and 1 in
    // storage order, unweighted.
    const std::vector<float> z = {0, 0, 0, 3};
    m.predict(z.data(), 1, out.data(), sd.data());
    CHECK(out[0] == 0.5);
    CHECK(sd[0] == 0.5);
}

TEST_CASE("knn: bad options and rows are refused", "[models][knn]") {
    Rows r;
    KnnOptions o = block(0);
    CHECK_THROWS_WITH(NearestNeighbours::fit(r.x.data(), r.y.data(), r.mask.data(), 4, 4, 2, o),
                      Catch::Contains("k must be >= 1"));
    o = block(2);
    o.end = 5;
    CHECK_THROWS_WITH(NearestNeighbours::fit(r.x.data(), r.y.data(), r.mask.data(), 4, 4, 2, o),
                      Catch::Contains("columns [0, 5)"));
    o = block(2);
    r.x[6] = -1;  // row 1, feature 2
    CHECK_THROWS_WITH(NearestNeighbours::fit(r.x.data(), r.y.data(), r.mask.data(), 4, 4, 2, o),
                      Catch::Contains("training row 1, feature 2"));
    Rows unlabelled;
    for (std::size_t i = 1; i < unlabelled.mask.size(); i += 2)
        unlabelled.mask[i] = 0;
    CHECK_THROWS_WITH(NearestNeighbours::fit(unlabelled.x.data(), unlabelled.y.data(),
                                             unlabelled.mask.data(), 4, 4, 2, o),
                      Catch::Contains("target 1 has no labelled row"));
}

TEST_CASE("knn: property model round trip, un-standardized output, NaN rows",
          "[models][knn][property_model]") {
    auto knn = std::make_shared<const NearestNeighbours>(fit(2, 1));
    PropertyModelConfig c;
    c.task = "regression";
    c.head = "knn";
    c.targets = {"y"};
    c.featurizer = {{"name", "test"}};
    c.target_mean = {10.0};
    c.target_std = {2.0};
    c.mlp.input_dim = 4;
    c.mlp.hidden = {};
    c.mlp.output_dim = 1;
    PropertyModel model(c, {}, {}, nullptr, nullptr, nullptr, knn);
    CHECK(model.has_spread());
    CHECK(model.num_parts() == 1);
    CHECK(model.config().knn.k == 2);
    const std::string dir = test::temp_path("knn_only");
    model.save(dir);
    auto cfg = nlohmann::json::parse(test::read_file(dir + "/config.json"));
    CHECK(cfg["model"]["type"] == "knn");
    CHECK(cfg["model"]["knn"]["k"] == 2);
    CHECK(cfg["model"]["knn"]["columns"] == nlohmann::json({0, 3}));
    PropertyModel back = PropertyModel::load(dir);
    REQUIRE(back.knn());
    CHECK(back.knn()->size() == 4);
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> q = {1, 1, 0, 0, 1, 1, 0, nan};
    std::vector<double> m1(2), s1(2), m2(2), s2(2);
    model.predict(q.data(), 2, m1.data(), s1.data());
    back.predict(q.data(), 2, m2.data(), s2.data());
    // Standardized 1/3 (the class-0/1 labels of the by-hand case) -> 1/3 * 2 + 10.
    CHECK(m1[0] == Approx(10.0 + 2.0 / 3.0));
    CHECK(s1[0] == Approx(2.0 * std::sqrt(2.0 / 9.0)));
    CHECK(std::isnan(m1[1]));
    CHECK(m2[0] == m1[0]);
    CHECK(s2[0] == s1[0]);

    // The model and its parts must agree.
    CHECK_THROWS_AS(PropertyModel(c, {}, {}, nullptr, nullptr, nullptr, nullptr), ModelError);
    PropertyModelConfig wide = c;
    wide.mlp.input_dim = 5;
    CHECK_THROWS_WITH(PropertyModel(wide, {}, {}, nullptr, nullptr, nullptr, knn),
                      Catch::Contains("neighbours' input or output size"));
    cfg["model"]["knn"]["columns"] = {0};
    test::write_file(dir + "/config.json", cfg.dump());
    CHECK_THROWS_WITH(PropertyModel::load(dir), Catch::Contains("knn columns"));
    cfg["model"]["knn"]["columns"] = {0, 9};
    test::write_file(dir + "/config.json", cfg.dump());
    CHECK_THROWS_WITH(PropertyModel::load(dir), Catch::Contains("columns [0, 9)"));
}

TEST_CASE("knn classes: weighted class shares of the k nearest rows, by hand",
          "[models][knn][multiclass]") {
    // Fingerprints (all 4 columns compared) and class labels:
    //   row 0 (1,1,0,0) class 0; row 1 (1,0,1,0) class 1;
    //   row 2 (0,0,1,1) class 2; row 3 (1,1,1,0) class 0.
    const std::vector<float> x = {1, 1, 0, 0, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0};
    const std::vector<float> y = {0, 1, 2, 0};
    std::vector<float> mask = {1, 1, 1, 1};
    KnnOptions o;
    o.k = 3;
    o.begin = 0;
    o.end = 4;
    const auto m = NearestNeighbours::fit_classes(x.data(), y.data(), mask.data(), 4, 4, 3, o);
    CHECK(m.num_targets() == 3);
    CHECK(m.one_hot());
    // q = (1,1,0,0): Tanimoto 1, 1/3, 0, 2/3 to rows 0-3; the 3 nearest are
    // rows 0 (1, class 0), 3 (2/3, class 0), 1 (1/3, class 1): weights sum 2.
    // Class 0: (1 + 2/3) / 2 = 5/6, class 1: (1/3) / 2 = 1/6, class 2: 0;
    // the spread of a 0/1 indicator with weighted share p is sqrt(p (1 - p)).
    // q = (0,0,0,0) shares no column: the plain shares of rows 0, 1, 2.
    const std::vector<float> q = {1, 1, 0, 0, 0, 0, 0, 0};
    std::vector<double> out(6), sd(6);
    m.predict(q.data(), 2, out.data(), sd.data());
    CHECK(out[0] == Approx(5.0 / 6));
    CHECK(out[1] == Approx(1.0 / 6));
    CHECK(out[2] == 0.0);
    CHECK(sd[0] == Approx(std::sqrt(5.0) / 6));
    CHECK(sd[1] == Approx(std::sqrt(5.0) / 6));
    CHECK(sd[2] == 0.0);
    for (int c = 0; c < 3; ++c)
        CHECK(out[3 + c] == Approx(1.0 / 3));
    CHECK(out[0] + out[1] + out[2] == Approx(1.0));
    SECTION("a row without a label is no neighbour") {
        mask[1] = 0;  // rows 0 (1), 3 (2/3), 2 (0): class 0 alone
        const auto u = NearestNeighbours::fit_classes(x.data(), y.data(), mask.data(), 4, 4, 3, o);
        u.predict(q.data(), 1, out.data(), nullptr);
        CHECK(out[0] == Approx(1.0));
        CHECK(out[1] == 0.0);
        CHECK(out[2] == 0.0);
    }
    SECTION("a label that is no class is refused") {
        const std::vector<float> bad = {0, 1, 3, 0};
        CHECK_THROWS_WITH(
            NearestNeighbours::fit_classes(x.data(), bad.data(), mask.data(), 4, 4, 3, o),
            Catch::Contains("training row 2 has class index 3.000000, expected 0 .. 2"));
    }
    SECTION("binary targets are not one-hot") {
        CHECK(!fit(2).one_hot());
    }
}

TEST_CASE("knn: corrupt tensors are refused", "[models][knn]") {
    const NearestNeighbours m = fit(2);
    std::vector<TensorView> views;
    std::vector<std::vector<char>> keep;
    m.to_tensors(views, keep);
    REQUIRE(views.size() == NearestNeighbours::tensor_count());
    auto roundtrip = [&](const std::vector<TensorView>& vs) {
        const std::string path = test::temp_path("knn_corrupt.safetensors");
        write_safetensors(path, vs);
        SafetensorsFile file(path);
        return NearestNeighbours::from_tensors(file, 4, 2, block(2));
    };
    const std::vector<float> q = {1, 1, 0, 0};
    std::vector<double> a(2), b(2);
    m.predict(q.data(), 1, a.data(), nullptr);
    roundtrip(views).predict(q.data(), 1, b.data(), nullptr);
    CHECK(a == b);
    auto index = [&](const std::string& name) {
        for (std::size_t i = 0; i < views.size(); ++i)
            if (views[i].name == name) return i;
        FAIL("no tensor " << name);
        return std::size_t{0};
    };
    std::vector<std::vector<char>> bad;  // the corrupted copy the views point to
    auto corrupt = [&](const std::string& name, std::size_t at, auto value) {
        bad = keep;
        auto vs = views;
        const std::size_t i = index(name);
        std::memcpy(bad[i].data() + at * sizeof value, &value, sizeof value);
        vs[i].data = bad[i].data();
        return vs;
    };
    // Row 1 stores columns 0 and 1: make them 1, 1 (out of order).
    CHECK_THROWS_WITH(roundtrip(corrupt("knn.columns", 1, std::int32_t{1})),
                      Catch::Contains("out of order"));
    CHECK_THROWS_WITH(roundtrip(corrupt("knn.columns", 0, std::int32_t{3})),
                      Catch::Contains("outside [0, 3)"));
    CHECK_THROWS_WITH(roundtrip(corrupt("knn.values", 0, -1.0f)), Catch::Contains("value"));
    CHECK_THROWS_WITH(roundtrip(corrupt("knn.mask", 0, 2.0f)), Catch::Contains("mask value"));
    CHECK_THROWS_WITH(roundtrip(corrupt("knn.indptr", 0, std::int32_t{1})),
                      Catch::Contains("do not cover"));
    auto fewer = views;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(index("knn.mask")));
    CHECK_THROWS_WITH(roundtrip(fewer), Catch::Contains("knn.mask"));
}
