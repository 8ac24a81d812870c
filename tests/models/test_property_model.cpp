#include <cmath>
#include <filesystem>
#include "models/property_model.hpp"
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {
PropertyModel make_model(std::size_t members, const std::string& task) {
    PropertyModelConfig c;
    c.task = task;
    c.targets = {"a", "b"};
    c.featurizer = {{"name", "test"}};
    if (task == "regression") {
        c.target_mean = {1.0, -2.0};
        c.target_std = {2.0, 0.5};
    }
    c.mlp.input_dim = 6;
    c.mlp.hidden = {8};
    c.mlp.output_dim = 2;
    std::vector<Mlp> m;
    for (std::size_t i = 0; i < members; ++i)
        m.emplace_back(c.mlp);
    return PropertyModel(c, m);
}
}  // namespace

TEST_CASE("property_model: save/load round trip gives identical predictions",
          "[models][property_model]") {
    at::manual_seed(5);
    for (std::string task : {"regression", "classification"}) {
        PropertyModel model = make_model(3, task);
        std::string dir = test::temp_path("pm_roundtrip_" + task);
        model.save(dir);
        PropertyModel back = PropertyModel::load(dir);
        CHECK(back.ensemble_size() == 3);
        CHECK(back.config().targets == model.config().targets);
        std::vector<float> x(4 * 6);
        for (std::size_t i = 0; i < x.size(); ++i)
            x[i] = std::sin(static_cast<float>(i));
        x[3 * 6 + 2] = std::nanf("");  // row 3 has a missing feature
        std::vector<double> m1(8), s1(8), m2(8), s2(8);
        model.predict(x.data(), 4, m1.data(), s1.data());
        back.predict(x.data(), 4, m2.data(), s2.data());
        for (int i = 0; i < 6; ++i) {
            CHECK(m1[i] == m2[i]);
            CHECK(s1[i] == s2[i]);
            CHECK(s1[i] > 0);  // three different members disagree
        }
        CHECK(std::isnan(m2[6]));
        CHECK(std::isnan(s2[7]));
        if (task == "classification") CHECK((m1[0] > 0 && m1[0] < 1));
    }
}

TEST_CASE("property_model: regression outputs are un-standardized", "[models][property_model]") {
    PropertyModel model = make_model(1, "regression");
    std::vector<float> x(6, 0.25f);
    std::vector<double> mean(2), sd(2);
    model.predict(x.data(), 1, mean.data(), sd.data());
    at::Tensor raw = model.members()[0]->infer(at::full({1, 6}, 0.25f)).to(at::kDouble);
    CHECK(mean[0] == Approx(raw[0][0].item<double>() * 2.0 + 1.0));
    CHECK(mean[1] == Approx(raw[0][1].item<double>() * 0.5 - 2.0));
    CHECK(sd[0] == 0.0);
}

TEST_CASE("property_model: bad model directories are ModelErrors", "[models][property_model]") {
    CHECK_THROWS_AS(PropertyModel::load(test::temp_path("no_such_model")), IoError);
    std::string dir = test::temp_path("pm_bad");
    make_model(2, "regression").save(dir);
    SECTION("another format") {
        test::write_file(dir + "/config.json", R"({"format": "hf"})");
        CHECK_THROWS_WITH(PropertyModel::load(dir), Catch::Contains("not a plmkit property model"));
    }
    SECTION("a tensor with the wrong shape names the tensor") {
        std::string text = test::read_file(dir + "/config.json");
        auto j = nlohmann::json::parse(text);
        j["model"]["hidden"] = {9};
        test::write_file(dir + "/config.json", j.dump());
        CHECK_THROWS_WITH(PropertyModel::load(dir), Catch::Contains("members.0.layers.0.weight"));
    }
    SECTION("more members than tensors") {
        auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
        j["ensemble"] = 3;
        test::write_file(dir + "/config.json", j.dump());
        CHECK_THROWS_AS(PropertyModel::load(dir), ModelError);
    }
}

TEST_CASE("property_model: a few rows predict like a large batch", "[models][property_model]") {
    at::manual_seed(9);
    for (std::string task : {"regression", "classification"}) {
        PropertyModel model = make_model(3, task);
        at::Tensor x = at::randn({10, 6});
        x[7][2] = std::nan("");  // a bad row stays NaN on both paths
        std::vector<float> xs(x.data_ptr<float>(), x.data_ptr<float>() + 60);
        std::vector<double> big_m(20), big_s(20);
        model.predict(xs.data(), 10, big_m.data(), big_s.data());  // tensor path
        for (std::int64_t r = 0; r < 10; ++r) {
            std::vector<double> m(2), s(2);
            model.predict(xs.data() + r * 6, 1, m.data(), s.data());  // loop path
            for (int j = 0; j < 2; ++j) {
                INFO(task << " row " << r << " target " << j);
                if (r == 7) {
                    CHECK(std::isnan(m[j]));
                    CHECK(std::isnan(big_m[r * 2 + j]));
                    continue;
                }
                CHECK(m[j] == Approx(big_m[r * 2 + j]).margin(1e-5));
                CHECK(s[j] == Approx(big_s[r * 2 + j]).margin(1e-5));
            }
        }
    }
}
