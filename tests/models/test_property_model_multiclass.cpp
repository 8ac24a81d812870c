// A multiclass property model (--task multiclass): config.json round trip
// with its classes, probabilities from a softmax per member (checked
// against the raw logits by hand), and configs that do not fit refused.
#include <cmath>
#include <nlohmann/json.hpp>

#include "models/property_model.hpp"
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

PropertyModel make_multiclass(std::size_t members) {
    PropertyModelConfig c;
    c.task = "multiclass";
    c.targets = {"location"};
    c.classes = {"Cytoplasm", "Nucleus", "Plastid"};
    c.featurizer = {{"name", "test"}};
    c.mlp.input_dim = 5;
    c.mlp.hidden = {7};
    c.mlp.output_dim = 3;
    std::vector<Mlp> m;
    for (std::size_t i = 0; i < members; ++i)
        m.emplace_back(c.mlp);
    return PropertyModel(c, m);
}

}  // namespace

TEST_CASE("property_model multiclass: config round trip keeps the classes in order",
          "[models][property_model][multiclass]") {
    at::manual_seed(3);
    PropertyModel model = make_multiclass(2);
    CHECK(model.num_outputs() == 3);
    const std::string dir = test::temp_path("pm_multiclass_roundtrip");
    model.save(dir);
    const auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
    CHECK(j.at("task") == "multiclass");
    CHECK(j.at("classes") == nlohmann::json({{"location", {"Cytoplasm", "Nucleus", "Plastid"}}}));
    PropertyModel back = PropertyModel::load(dir);
    CHECK(back.config().classes == model.config().classes);
    CHECK(back.num_outputs() == 3);
    std::vector<float> x(4 * 5);
    for (std::size_t i = 0; i < x.size(); ++i)
        x[i] = std::cos(static_cast<float>(i));
    std::vector<double> m1(12), s1(12), m2(12), s2(12);
    model.predict(x.data(), 4, m1.data(), s1.data());
    back.predict(x.data(), 4, m2.data(), s2.data());
    for (int i = 0; i < 12; ++i) {
        CHECK(m1[i] == m2[i]);
        CHECK(s1[i] == s2[i]);
    }
}

TEST_CASE("property_model multiclass: each member's softmax, then their mean",
          "[models][property_model][multiclass]") {
    at::manual_seed(4);
    PropertyModel model = make_multiclass(2);
    at::Tensor x = at::randn({6, 5});
    std::vector<float> xs(x.data_ptr<float>(), x.data_ptr<float>() + 30);
    std::vector<double> big_m(18), big_s(18);
    model.predict(xs.data(), 6, big_m.data(), big_s.data());  // tensor path (> 4 rows)
    for (std::int64_t r = 0; r < 6; ++r) {
        // By hand: exp(z_c) / sum exp(z) per member, averaged; the spread is
        // half the members' difference.
        double p[2][3];
        for (int k = 0; k < 2; ++k) {
            at::Tensor z = model.members()[k]->infer(x.slice(0, r, r + 1)).to(at::kDouble);
            double sum = 0;
            for (int c = 0; c < 3; ++c)
                sum += std::exp(z[0][c].item<double>());
            for (int c = 0; c < 3; ++c)
                p[k][c] = std::exp(z[0][c].item<double>()) / sum;
        }
        std::vector<double> m(3), s(3);
        model.predict(xs.data() + r * 5, 1, m.data(), s.data());  // loop path (1 row)
        double total = 0;
        for (int c = 0; c < 3; ++c) {
            INFO("row " << r << " class " << c);
            const double mean = (p[0][c] + p[1][c]) / 2;
            CHECK(big_m[r * 3 + c] == Approx(mean).epsilon(1e-5));
            CHECK(m[c] == Approx(mean).epsilon(1e-5));
            CHECK(big_s[r * 3 + c] == Approx(std::fabs(p[0][c] - p[1][c]) / 2).margin(1e-6));
            CHECK(s[c] == Approx(std::fabs(p[0][c] - p[1][c]) / 2).margin(1e-6));
            total += m[c];
        }
        CHECK(total == Approx(1.0));
    }
}

TEST_CASE("property_model multiclass: configs that do not fit are ModelErrors",
          "[models][property_model][multiclass]") {
    const std::string dir = test::temp_path("pm_multiclass_bad");
    make_multiclass(1).save(dir);
    auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
    auto load_with = [&](const nlohmann::json& changed) {
        test::write_file(dir + "/config.json", changed.dump());
        return PropertyModel::load(dir);
    };
    SECTION("no classes") {
        j.erase("classes");
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("needs \"classes\""));
    }
    SECTION("classes that do not match the outputs") {
        j["classes"]["location"] = {"a", "b"};
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("2 classes but the model has 3 outputs"));
    }
    SECTION("a class twice") {
        j["classes"]["location"] = {"a", "b", "a"};
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("at least 2 distinct labels"));
    }
    SECTION("two targets") {
        j["targets"] = {"location", "other"};
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("has one target"));
    }
    SECTION("an unknown task") {
        j["task"] = "ordinal";
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("task 'ordinal'"));
    }
    SECTION("a classification model writes no classes") {
        PropertyModelConfig c;
        c.task = "classification";
        c.targets = {"y"};
        c.featurizer = {{"name", "test"}};
        c.mlp.input_dim = 5;
        c.mlp.hidden = {};
        c.mlp.output_dim = 1;
        const std::string other = test::temp_path("pm_binary_no_classes");
        PropertyModel(c, {Mlp(c.mlp)}).save(other);
        const auto saved = nlohmann::json::parse(test::read_file(other + "/config.json"));
        CHECK(saved.at("task") == "classification");
        CHECK(!saved.contains("classes"));
        CHECK(PropertyModel::load(other).num_outputs() == 1);
    }
}
