// Random forest head: hand-checked fits (a step function, XOR), thread
// invariance, save/load through PropertyModel, the mlp+forest average and
// refusal of corrupt forest tensors.
#include <ATen/Parallel.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "models/forest.hpp"
#include "models/property_model.hpp"
#include "src/error.hpp"
#include "src/safetensors.hpp"
#include "tests/catch.hpp"
#include "tests/models/tree_data.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

using test::StepData;
using test::XorData;

PropertyModelConfig config(const std::string& task, const std::string& head, std::int64_t dim) {
    PropertyModelConfig c;
    c.task = task;
    c.head = head;
    c.targets = {"y"};
    c.featurizer = {{"name", "test"}};
    if (task == "regression") {
        c.target_mean = {10.0};
        c.target_std = {2.0};
    }
    c.mlp.input_dim = dim;
    c.mlp.hidden = head == "forest" ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{4};
    c.mlp.output_dim = 1;
    return c;
}

}  // namespace

TEST_CASE("forest: a step function is fitted exactly away from the step", "[models][forest]") {
    StepData d;
    ForestOptions o;
    o.trees = 50;
    o.max_features = "all";
    Forest f = Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 100, 2, 1, "regression", o);
    CHECK(f.trees_per_target() == 50);
    CHECK(f.num_targets() == 1);
    // Every bootstrap sample of 100 rows holds rows of both sides, so every
    // tree splits feature 0 between 4.9 and 5.0 first: predictions at 2 and
    // 7 are the two levels exactly, with no spread.
    const std::vector<float> q = {2.f, 0.5f, 7.f, 0.5f, 4.5f, 0.1f, 9.9f, 0.9f};
    std::vector<double> out(4), sd(4);
    f.predict(q.data(), 4, out.data(), sd.data());
    CHECK(out[0] == 1.0);
    CHECK(out[1] == 3.0);
    CHECK(out[2] == 1.0);
    CHECK(out[3] == 3.0);
    CHECK(sd[0] == 0.0);
    CHECK(sd[1] == 0.0);
}

TEST_CASE("forest: classification learns XOR, which no single feature separates",
          "[models][forest]") {
    XorData d;
    ForestOptions o;
    o.trees = 100;
    o.max_features = "all";
    Forest f = Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 80, 5, 1, "classification", o);
    const std::vector<float> corners = {0, 0, .5f, .5f, .5f, 1, 0, .5f, .5f, .5f,
                                        0, 1, .5f, .5f, .5f, 1, 1, .5f, .5f, .5f};
    std::vector<double> p(4);
    f.predict(corners.data(), 4, p.data(), nullptr);
    INFO("p(00) " << p[0] << " p(10) " << p[1] << " p(01) " << p[2] << " p(11) " << p[3]);
    CHECK(p[0] < 0.2);
    CHECK(p[1] > 0.8);
    CHECK(p[2] > 0.8);
    CHECK(p[3] < 0.2);
}

TEST_CASE("forest: the same forest whatever the thread count", "[models][forest]") {
    XorData d;
    ForestOptions o;
    o.trees = 40;
    o.seed = 7;
    const int before = at::get_num_threads();
    at::set_num_threads(1);
    Forest a = Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 80, 5, 1, "classification", o);
    at::set_num_threads(2);
    Forest b = Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 80, 5, 1, "classification", o);
    at::set_num_threads(before);
    CHECK(a.num_nodes() == b.num_nodes());
    std::vector<double> pa(80), pb(80);
    a.predict(d.x.data(), 80, pa.data(), nullptr);
    b.predict(d.x.data(), 80, pb.data(), nullptr);
    CHECK(pa == pb);
    // Another seed grows other trees.
    o.seed = 8;
    Forest c = Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 80, 5, 1, "classification", o);
    std::vector<double> pc(80);
    c.predict(d.x.data(), 80, pc.data(), nullptr);
    CHECK(pc != pa);
}

TEST_CASE("forest: rows without a label are not used", "[models][forest]") {
    StepData d;
    // Hide the labels of the upper half and make them wrong: a forest that
    // used them would predict 100 somewhere.
    for (int i = 50; i < 100; ++i) {
        d.mask[i] = 0.f;
        d.y[i] = 100.f;
    }
    ForestOptions o;
    o.trees = 10;
    Forest f = Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 100, 2, 1, "regression", o);
    std::vector<double> out(100);
    f.predict(d.x.data(), 100, out.data(), nullptr);
    for (double v : out)
        CHECK(v == 1.0);
    for (auto& m : d.mask)
        m = 0.f;
    CHECK_THROWS_AS(Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 100, 2, 1, "regression", o),
                    ModelError);
}

TEST_CASE("forest: one forest per target, each on its own labelled rows", "[models][forest]") {
    StepData d;
    // Target 0: the step; target 1: 10 minus the step, labelled on even rows only.
    std::vector<float> y, mask;
    for (int i = 0; i < 100; ++i) {
        y.push_back(d.y[i]);
        y.push_back(i % 2 ? 1000.f : 10.f - d.y[i]);
        mask.push_back(1.f);
        mask.push_back(i % 2 ? 0.f : 1.f);
    }
    ForestOptions o;
    o.trees = 30;
    o.max_features = "all";
    Forest f = Forest::fit(d.x.data(), y.data(), mask.data(), 100, 2, 2, "regression", o);
    CHECK(f.num_targets() == 2);
    const std::vector<float> q = {2.f, 0.5f, 7.f, 0.5f};
    std::vector<double> out(4);
    f.predict(q.data(), 2, out.data(), nullptr);
    CHECK(out[0] == 1.0);  // row 0, target 0
    CHECK(out[1] == 9.0);  // row 0, target 1
    CHECK(out[2] == 3.0);
    CHECK(out[3] == 7.0);
}

TEST_CASE("forest: max-features spellings", "[models][forest]") {
    CHECK(forest_max_features("auto", "classification", 2048) == 45);
    CHECK(forest_max_features("auto", "regression", 300) == 100);
    CHECK(forest_max_features("all", "regression", 300) == 300);
    CHECK(forest_max_features("0.5", "regression", 300) == 150);
    CHECK(forest_max_features("sqrt", "regression", 2) == 1);
    CHECK_THROWS_AS(forest_max_features("half", "regression", 300), UsageError);
    CHECK_THROWS_AS(forest_max_features("1.5", "regression", 300), UsageError);
    CHECK_THROWS_AS(forest_max_features("0", "regression", 300), UsageError);
}

TEST_CASE("forest: property model round trip, un-standardized output, mlp+forest average",
          "[models][forest][property_model]") {
    StepData d;
    ForestOptions o;
    o.trees = 20;
    o.max_features = "all";
    auto forest = std::make_shared<const Forest>(
        Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 100, 2, 1, "regression", o));
    const std::vector<float> q = {2.f, 0.5f, 7.f, 0.5f, 3.f, std::nanf("")};

    PropertyModel only(config("regression", "forest", 2), {}, {}, forest);
    CHECK(only.has_spread());
    const std::string dir = test::temp_path("forest_only");
    only.save(dir);
    auto cfg = nlohmann::json::parse(test::read_file(dir + "/config.json"));
    CHECK(cfg["model"]["type"] == "forest");
    CHECK(cfg["ensemble"] == 0);
    PropertyModel back = PropertyModel::load(dir);
    REQUIRE(back.forest());
    CHECK(back.ensemble_size() == 0);
    std::vector<double> m1(3), s1(3), m2(3), s2(3);
    only.predict(q.data(), 3, m1.data(), s1.data());
    back.predict(q.data(), 3, m2.data(), s2.data());
    // Standardized levels 1 and 3 -> 1 * 2 + 10 and 3 * 2 + 10.
    CHECK(m1[0] == Approx(12.0));
    CHECK(m1[1] == Approx(16.0));
    CHECK(std::isnan(m1[2]));  // a NaN feature
    for (int i = 0; i < 2; ++i) {
        CHECK(m1[i] == m2[i]);
        CHECK(s1[i] == s2[i]);
    }

    // mlp+forest: the mean of the MLP's and the forest's predictions, std
    // half their difference.
    at::manual_seed(3);
    Mlp mlp(config("regression", "mlp+forest", 2).mlp);
    PropertyModel mlp_only(config("regression", "mlp", 2), {mlp});
    PropertyModel both(config("regression", "mlp+forest", 2), {mlp}, {}, forest);
    std::vector<double> pm(3), pb(3), sb(3);
    mlp_only.predict(q.data(), 3, pm.data(), nullptr);
    both.predict(q.data(), 3, pb.data(), sb.data());
    for (int i = 0; i < 2; ++i) {
        CHECK(pb[i] == Approx((pm[i] + m1[i]) / 2));
        CHECK(sb[i] == Approx(std::abs(pm[i] - m1[i]) / 2));
    }
    const std::string dir2 = test::temp_path("forest_both");
    both.save(dir2);
    PropertyModel both_back = PropertyModel::load(dir2);
    std::vector<double> pbb(3);
    both_back.predict(q.data(), 3, pbb.data(), nullptr);
    CHECK(pbb[0] == pb[0]);
    CHECK(pbb[1] == pb[1]);

    // A head that does not match the parts is refused.
    CHECK_THROWS_AS(PropertyModel(config("regression", "mlp", 2), {mlp}, {}, forest), ModelError);
    CHECK_THROWS_AS(PropertyModel(config("regression", "forest", 2), {}, {}), ModelError);
    CHECK_THROWS_AS(PropertyModel(config("regression", "forest", 3), {}, {}, forest), ModelError);
}

TEST_CASE("forest: corrupt forest tensors are refused with the tensor named",
          "[models][forest][property_model]") {
    StepData d;
    ForestOptions o;
    o.trees = 3;
    Forest f = Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 100, 2, 1, "regression", o);
    std::vector<TensorView> views;
    std::vector<std::vector<char>> keep;
    f.to_tensors(views, keep);
    REQUIRE(views.size() == Forest::tensor_count(1));
    auto index = [&](const std::string& name) {
        for (std::size_t i = 0; i < views.size(); ++i)
            if (views[i].name == name) return i;
        FAIL("no tensor " << name);
        return std::size_t{0};
    };
    auto roundtrip = [&](const std::vector<TensorView>& vs, std::int64_t dim) {
        const std::string path = test::temp_path("forest_corrupt.safetensors");
        write_safetensors(path, vs);
        SafetensorsFile file(path);
        return Forest::from_tensors(file, dim, 1);
    };
    CHECK(roundtrip(views, 2).num_nodes() == f.num_nodes());
    // The views with int32 element `i` of tensor `name` set to `value`.
    std::vector<std::vector<char>> bad;
    auto with_int = [&](const std::string& name, std::size_t i, std::int32_t value) {
        bad = keep;
        auto vs = views;
        const std::size_t t = index(name);
        reinterpret_cast<std::int32_t*>(bad[t].data())[i] = value;
        vs[t].data = bad[t].data();
        return vs;
    };
    // A node that tests a feature the model does not have.
    CHECK_THROWS_WITH(roundtrip(with_int("forest.0.feature", 0, 5), 2),
                      Catch::Contains("tests feature 5 of 2"));
    // A child that points back to its parent would loop forever.
    CHECK_THROWS_WITH(roundtrip(with_int("forest.0.left", 0, 0), 2),
                      Catch::Contains("children outside its tree"));
    // Node offsets that do not cover the nodes.
    const auto last =
        reinterpret_cast<const std::int32_t*>(keep[index("forest.0.roots")].data())[3];
    CHECK_THROWS_WITH(roundtrip(with_int("forest.0.roots", 3, last - 1), 2),
                      Catch::Contains("forest.0.roots"));
    // A wrong dtype names the tensor.
    {
        auto vs = views;
        const std::size_t ti = index("forest.0.threshold");
        vs[ti].dtype = StoredDType::i32;
        CHECK_THROWS_WITH(roundtrip(vs, 2), Catch::Contains("forest.0.threshold"));
    }
}
