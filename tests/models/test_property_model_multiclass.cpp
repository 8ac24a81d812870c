// A multiclass property model (--task multiclass): config.json round trip
// with its classes, probabilities from a softmax per member (checked
// against the raw logits by hand), and configs that do not fit refused;
// forest, gbm and knn parts and the weighted means of mlp+forest+knn and
// mlp+forest+gbm+knn (from each part's own prediction), their save/load
// round trip, and the parts that cannot predict classes refused.
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

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
    SECTION("a second target without its classes") {
        j["targets"] = {"location", "other"};
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("needs \"classes\": {\"other\""));
    }
    SECTION("two targets whose classes do not add up to the outputs") {
        j["targets"] = {"location", "other"};
        j["classes"]["other"] = {"x", "y"};
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("5 classes but the model has 3 outputs"));
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

namespace {

/// 30 rows of 5 features with 3 classes (feature 0 mostly decides), as a
/// forest, neighbours on columns 1..4 (values >= 0) and an MLP.
struct MixedParts {
    std::vector<float> x, y, mask;
    std::shared_ptr<const Forest> forest;
    std::shared_ptr<const NearestNeighbours> knn;
    MixedParts() {
        for (int i = 0; i < 30; ++i) {
            x.push_back(static_cast<float>(i % 3) + 0.1f * static_cast<float>(i % 4));
            for (int k = 1; k < 5; ++k)
                x.push_back(static_cast<float>((i * (k + 2) + k) % 3));
            y.push_back(static_cast<float>(i % 3));
            mask.push_back(1.f);
        }
        ForestOptions fo;
        fo.trees = 20;
        fo.seed = 5;
        forest = std::make_shared<const Forest>(
            Forest::fit_classes(x.data(), y.data(), mask.data(), 30, 5, 3, fo));
        KnnOptions ko;
        ko.k = 4;
        ko.begin = 1;
        ko.end = 5;
        knn = std::make_shared<const NearestNeighbours>(
            NearestNeighbours::fit_classes(x.data(), y.data(), mask.data(), 30, 5, 3, ko));
    }
};

PropertyModelConfig mixed_config(const std::string& head) {
    PropertyModelConfig c;
    c.task = "multiclass";
    c.head = head;
    c.targets = {"band"};
    c.classes = {"high", "low", "mid"};
    c.featurizer = {{"name", "test"}};
    c.mlp.input_dim = 5;
    c.mlp.hidden = {6};
    c.mlp.output_dim = 3;
    return c;
}

}  // namespace

TEST_CASE("property_model multiclass: forest, knn and mlp+forest+knn with weights",
          "[models][property_model][multiclass][forest][knn]") {
    at::manual_seed(9);
    const MixedParts d;
    PropertyModelConfig mixed = mixed_config("mlp+forest+knn");
    mixed.part_weights = {2, 4, 1};
    const PropertyModel all(mixed, {Mlp(mixed.mlp)}, {}, d.forest, nullptr, nullptr, d.knn);
    const PropertyModel mlp(mixed_config("mlp"), all.members());
    const PropertyModel forest(mixed_config("forest"), {}, {}, d.forest);
    const PropertyModel knn(mixed_config("knn"), {}, {}, nullptr, nullptr, nullptr, d.knn);
    CHECK(all.has_spread());
    const std::int64_t n = 8;
    std::vector<float> q(d.x.begin() + 5, d.x.begin() + 5 + n * 5);  // rows 1..8
    q[3 * 5] = 1.45f;                                                // off the training rows
    std::vector<double> pa(n * 3), sa(n * 3), pm(n * 3), pf(n * 3), sf(n * 3), pk(n * 3);
    all.predict(q.data(), n, pa.data(), sa.data());
    mlp.predict(q.data(), n, pm.data(), nullptr);
    forest.predict(q.data(), n, pf.data(), sf.data());
    knn.predict(q.data(), n, pk.data(), nullptr);
    for (std::int64_t r = 0; r < n; ++r) {
        double total = 0, tf = 0, tk = 0;
        for (int c = 0; c < 3; ++c) {
            INFO("row " << r << " class " << c);
            const std::size_t i = r * 3 + c;
            // The weighted mean of the parts' class probabilities, and their
            // weighted spread around it.
            const double mu = (2 * pm[i] + 4 * pf[i] + pk[i]) / 7;
            const double var = (2 * (pm[i] - mu) * (pm[i] - mu) + 4 * (pf[i] - mu) * (pf[i] - mu) +
                                (pk[i] - mu) * (pk[i] - mu)) /
                               7;
            CHECK(pa[i] == Approx(mu).epsilon(1e-9));
            CHECK(sa[i] == Approx(std::sqrt(var)).margin(1e-9));
            total += pa[i];
            tf += pf[i];
            tk += pk[i];
        }
        CHECK(total == Approx(1.0));
        CHECK(tf == Approx(1.0));
        CHECK(tk == Approx(1.0));
    }
    // The forest fits its training rows: the labelled rows 1, 2 (not 4).
    CHECK(pf[0 * 3 + 1] > 0.5);
    CHECK(pf[1 * 3 + 2] > 0.5);
    SECTION("save and load give the same predictions and the same config") {
        for (const PropertyModel* m : {&all, &forest, &knn}) {
            const std::string dir = test::temp_path("pm_multiclass_" + m->config().head);
            m->save(dir);
            const auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
            CHECK(j.at("model").at("type") == m->config().head);
            CHECK(j.at("classes").at("band") == nlohmann::json({"high", "low", "mid"}));
            const PropertyModel back = PropertyModel::load(dir);
            CHECK(back.config().part_weights == m->config().part_weights);
            CHECK(back.num_outputs() == 3);
            CHECK(back.has_spread());
            std::vector<double> m1(n * 3), s1(n * 3), m2(n * 3), s2(n * 3);
            m->predict(q.data(), n, m1.data(), s1.data());
            back.predict(q.data(), n, m2.data(), s2.data());
            CHECK(m1 == m2);
            CHECK(s1 == s2);
        }
    }
}

TEST_CASE("property_model multiclass: parts that do not fit the classes are refused",
          "[models][property_model][multiclass][forest][knn]") {
    const MixedParts d;
    const std::string dir = test::temp_path("pm_multiclass_forest_bad");
    PropertyModel(mixed_config("forest"), {}, {}, d.forest).save(dir);
    auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
    auto load_with = [&](const nlohmann::json& changed) {
        test::write_file(dir + "/config.json", changed.dump());
        return PropertyModel::load(dir);
    };
    SECTION("D-MPNNs named in config.json but not in model.safetensors") {
        // A multiclass head may have D-MPNNs; these have no weights.
        j["model"]["type"] = "forest+mpnn";
        MpnnOptions mo;
        mo.encoder.atom_dim = 4;
        mo.encoder.bond_dim = 2;
        mo.encoder.hidden = 8;
        mo.ffn.input_dim = 8;
        mo.ffn.output_dim = 3;
        j["model"]["mpnn"] = mpnn_options_json(mo, 1);
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("'mpnn.0.encoder.W_i.weight'"));
    }
    SECTION("a forest of other classes") {
        j["classes"]["band"] = {"high", "low"};
        j["model"]["output_dim"] = 2;
        CHECK_THROWS_WITH(load_with(j), Catch::Contains("forest.0.value"));
    }
    SECTION("a binary forest in a multiclass model, and the reverse") {
        ForestOptions fo;
        fo.trees = 2;
        std::vector<float> y01(30);
        for (int i = 0; i < 30; ++i)
            y01[i] = static_cast<float>(i % 2);
        auto binary = std::make_shared<const Forest>(
            Forest::fit(d.x.data(), y01.data(), d.mask.data(), 30, 5, 1, "classification", fo));
        PropertyModelConfig one = mixed_config("forest");
        one.mlp.output_dim = 1;
        one.classes = {"a", "b"};
        CHECK_THROWS_AS(PropertyModel(one, {}, {}, binary), ModelError);
        PropertyModelConfig bin = mixed_config("forest");
        bin.task = "classification";
        bin.classes.clear();
        CHECK_THROWS_WITH(PropertyModel(bin, {}, {}, d.forest),
                          Catch::Contains("forest's input or output size or classes"));
    }
    SECTION("neighbours whose labels are not one class a row") {
        KnnOptions ko;
        ko.k = 2;
        ko.begin = 1;
        ko.end = 5;
        std::vector<float> y3(90, 1.f), m3(90, 1.f);  // every class at once
        auto knn = std::make_shared<const NearestNeighbours>(
            NearestNeighbours::fit(d.x.data(), y3.data(), m3.data(), 30, 5, 3, ko));
        CHECK_THROWS_WITH(
            PropertyModel(mixed_config("knn"), {}, {}, nullptr, nullptr, nullptr, knn),
            Catch::Contains("one class label a row"));
    }
}

TEST_CASE("property_model multiclass: gbm and mlp+forest+gbm+knn with weights, saved and loaded",
          "[models][property_model][multiclass][gbm]") {
    at::manual_seed(4);
    const MixedParts d;
    BoostOptions bo;
    bo.rounds = 20;
    bo.max_leaves = 4;
    bo.min_samples_leaf = 2;
    auto gbm = std::make_shared<const BoostedTrees>(
        BoostedTrees::fit_classes(d.x.data(), d.y.data(), d.mask.data(), 30, nullptr, nullptr,
                                  nullptr, 0, 5, 3, bo, nullptr));
    PropertyModelConfig mixed = mixed_config("mlp+forest+gbm+knn");
    mixed.gbm = bo;
    mixed.part_weights = {1, 2, 3, 1};
    const PropertyModel all(mixed, {Mlp(mixed.mlp)}, {}, d.forest, gbm, nullptr, d.knn);
    PropertyModelConfig gc = mixed_config("gbm");
    gc.gbm = bo;
    const PropertyModel boosted(gc, {}, {}, nullptr, gbm);
    const PropertyModel mlp(mixed_config("mlp"), all.members());
    const PropertyModel forest(mixed_config("forest"), {}, {}, d.forest);
    const PropertyModel knn(mixed_config("knn"), {}, {}, nullptr, nullptr, nullptr, d.knn);
    const std::int64_t n = 8;
    std::vector<float> q(d.x.begin() + 5, d.x.begin() + 5 + n * 5);  // rows 1..8
    std::vector<double> pa(n * 3), pg(n * 3), sg(n * 3), pm(n * 3), pf(n * 3), pk(n * 3);
    all.predict(q.data(), n, pa.data(), nullptr);
    boosted.predict(q.data(), n, pg.data(), sg.data());
    mlp.predict(q.data(), n, pm.data(), nullptr);
    forest.predict(q.data(), n, pf.data(), nullptr);
    knn.predict(q.data(), n, pk.data(), nullptr);
    std::vector<double> direct(n * 3);
    gbm->predict(q.data(), n, direct.data());
    CHECK(pg == direct);
    for (std::int64_t r = 0; r < n; ++r) {
        double total = 0;
        for (int c = 0; c < 3; ++c) {
            INFO("row " << r << " class " << c);
            const std::size_t i = r * 3 + c;
            CHECK(pa[i] == Approx((pm[i] + 2 * pf[i] + 3 * pg[i] + pk[i]) / 7).epsilon(1e-9));
            CHECK(sg[i] == 0.0);  // one model: no spread
            total += pg[i];
        }
        CHECK(total == Approx(1.0));
        // The boosted trees fit their training rows' classes.
        CHECK(pg[r * 3 + static_cast<std::size_t>(d.y[r + 1])] > 0.5);
    }
    for (const PropertyModel* m : {&all, &boosted}) {
        const std::string dir = test::temp_path("pm_multiclass_gbm_" + m->config().head);
        m->save(dir);
        const auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
        CHECK(j.at("model").at("type") == m->config().head);
        CHECK(j.at("model").at("gbm").at("rounds") == 20);
        const PropertyModel back = PropertyModel::load(dir);
        CHECK(back.num_outputs() == 3);
        REQUIRE(back.gbm());
        CHECK(back.gbm()->num_classes() == 3);
        std::vector<double> m1(n * 3), m2(n * 3);
        m->predict(q.data(), n, m1.data(), nullptr);
        back.predict(q.data(), n, m2.data(), nullptr);
        CHECK(m1 == m2);
    }
    SECTION("binary boosted trees in a multiclass model are refused") {
        std::vector<float> y01(30);
        for (int i = 0; i < 30; ++i)
            y01[i] = static_cast<float>(i % 2);
        auto binary = std::make_shared<const BoostedTrees>(
            BoostedTrees::fit(d.x.data(), y01.data(), d.mask.data(), 30, nullptr, nullptr, nullptr,
                              0, 5, 1, "classification", bo, nullptr));
        CHECK_THROWS_WITH(PropertyModel(gc, {}, {}, nullptr, binary),
                          Catch::Contains("boosted trees' input size, output size or task"));
        PropertyModelConfig bin = gc;
        bin.task = "classification";
        bin.classes.clear();
        CHECK_THROWS_AS(PropertyModel(bin, {}, {}, nullptr, gbm), ModelError);
    }
}

namespace {

/// Two targets: "location" (3 classes, outputs 0..2) and "size" (2 classes,
/// outputs 3..4), an ensemble of `members` MLPs.
PropertyModel make_two_targets(std::size_t members) {
    PropertyModelConfig c;
    c.task = "multiclass";
    c.targets = {"location", "size"};
    c.classes = {"Cytoplasm", "Nucleus", "Plastid", "large", "small"};
    c.class_counts = {3, 2};
    c.featurizer = {{"name", "test"}};
    c.mlp.input_dim = 5;
    c.mlp.hidden = {7};
    c.mlp.output_dim = 5;
    std::vector<Mlp> m;
    for (std::size_t i = 0; i < members; ++i)
        m.emplace_back(c.mlp);
    return PropertyModel(c, m);
}

}  // namespace

TEST_CASE("property_model multiclass two targets: a softmax per target; save and load",
          "[models][property_model][multiclass]") {
    at::manual_seed(8);
    const PropertyModel model = make_two_targets(2);
    CHECK(model.num_outputs() == 5);
    CHECK(model.config().target_classes(1) == std::vector<std::string>{"large", "small"});
    at::Tensor x = at::randn({6, 5});
    std::vector<float> xs(x.data_ptr<float>(), x.data_ptr<float>() + 30);
    std::vector<double> big_m(30), big_s(30);
    model.predict(xs.data(), 6, big_m.data(), big_s.data());  // tensor path (> 4 rows)
    const int begin[2] = {0, 3}, count[2] = {3, 2};
    for (std::int64_t r = 0; r < 6; ++r) {
        // By hand: each member's softmax within each target's outputs, averaged.
        double p[2][5];
        for (int k = 0; k < 2; ++k) {
            at::Tensor z = model.members()[k]->infer(x.slice(0, r, r + 1)).to(at::kDouble);
            for (int g = 0; g < 2; ++g) {
                double sum = 0;
                for (int c = begin[g]; c < begin[g] + count[g]; ++c)
                    sum += std::exp(z[0][c].item<double>());
                for (int c = begin[g]; c < begin[g] + count[g]; ++c)
                    p[k][c] = std::exp(z[0][c].item<double>()) / sum;
            }
        }
        std::vector<double> m(5), s(5);
        model.predict(xs.data() + r * 5, 1, m.data(), s.data());  // loop path (1 row)
        for (int c = 0; c < 5; ++c) {
            INFO("row " << r << " output " << c);
            const double mean = (p[0][c] + p[1][c]) / 2;
            CHECK(big_m[r * 5 + c] == Approx(mean).epsilon(1e-5));
            CHECK(m[c] == Approx(mean).epsilon(1e-5));
            CHECK(big_s[r * 5 + c] == Approx(std::fabs(p[0][c] - p[1][c]) / 2).margin(1e-6));
        }
        CHECK(m[0] + m[1] + m[2] == Approx(1.0));
        CHECK(m[3] + m[4] == Approx(1.0));
    }
    const std::string dir = test::temp_path("pm_multiclass_two_targets");
    model.save(dir);
    const auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
    CHECK(j.at("targets") == nlohmann::json({"location", "size"}));
    CHECK(j.at("classes") == nlohmann::json({{"location", {"Cytoplasm", "Nucleus", "Plastid"}},
                                             {"size", {"large", "small"}}}));
    const PropertyModel back = PropertyModel::load(dir);
    CHECK(back.config().classes == model.config().classes);
    CHECK(back.config().class_counts == std::vector<std::int64_t>{3, 2});
    for (std::int64_t n : {6, 2}) {  // both prediction paths
        std::vector<double> m1(n * 5), s1(n * 5), m2(n * 5), s2(n * 5);
        model.predict(xs.data(), n, m1.data(), s1.data());
        back.predict(xs.data(), n, m2.data(), s2.data());
        CHECK(m1 == m2);
        CHECK(s1 == s2);
    }
    SECTION("a forest, boosted trees or neighbours with two targets are refused") {
        auto changed = j;
        changed["model"]["type"] = "mlp+forest";
        changed["model"]["forest"] = {{"trees", 2}};
        test::write_file(dir + "/config.json", changed.dump());
        CHECK_THROWS_WITH(PropertyModel::load(dir),
                          Catch::Contains("several targets has only mlp and mpnn parts"));
    }
}
