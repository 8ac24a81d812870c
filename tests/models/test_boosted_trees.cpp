// Gradient-boosted trees: hand-computed Newton steps (regression and
// logistic), quantile binning, XOR, early stopping on the validation loss,
// masked labels, thread invariance, save/load through PropertyModel (parts
// averaged with and without weights) and refusal of corrupt tensors.
#include <ATen/Parallel.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "models/boosted_trees.hpp"
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

/// One exact Newton step: no shrinkage, penalty, or sampling.
BoostOptions one_step(int leaves) {
    BoostOptions o;
    o.rounds = 1;
    o.learning_rate = 1;
    o.l2 = 0;
    o.max_leaves = leaves;
    o.min_samples_leaf = 1;
    o.subsample = 1;
    o.colsample = 1;
    o.patience = 0;
    return o;
}

BoostedTrees fit(const std::vector<float>& x, const std::vector<float>& y,
                 const std::vector<float>& mask, std::int64_t dim, const std::string& task,
                 const BoostOptions& o, std::vector<BoostHistory>* history = nullptr) {
    const auto n = static_cast<std::int64_t>(mask.size());
    return BoostedTrees::fit(x.data(), y.data(), mask.data(), n, nullptr, nullptr, nullptr, 0, dim,
                             1, task, o, history);
}

std::vector<double> predict(const BoostedTrees& m, const std::vector<float>& x) {
    std::vector<double> out(x.size() / static_cast<std::size_t>(m.input_dim()) *
                            static_cast<std::size_t>(m.num_targets()));
    m.predict(x.data(), static_cast<std::int64_t>(x.size()) / m.input_dim(), out.data());
    return out;
}

/// A one-target regression model's config on 2 features, standardized
/// targets (mean 10, sd 2), with `head` and MLP hidden sizes `hidden`.
PropertyModelConfig step_config(const std::string& head, std::vector<std::int64_t> hidden) {
    PropertyModelConfig c;
    c.task = "regression";
    c.head = head;
    c.targets = {"y"};
    c.featurizer = {{"name", "test"}};
    c.target_mean = {10.0};
    c.target_std = {2.0};
    c.mlp.input_dim = 2;
    c.mlp.hidden = std::move(hidden);
    c.mlp.output_dim = 1;
    c.gbm = one_step(2);
    return c;
}
}  // namespace

TEST_CASE("gbm: one regression step splits at the step and moves each side to its mean",
          "[models][gbm]") {
    StepData d;
    BoostedTrees m = fit(d.x, d.y, d.mask, 2, "regression", one_step(2));
    CHECK(m.num_trees(0) == 1);
    CHECK(m.num_nodes() == 3);
    // base = mean 2; gradients 2 - y = +-1, hessians 1: the leaves are
    // -G/H = -1 and +1, so the step is fitted exactly; the split lies
    // between the training values 4.9 and 5.0.
    const auto p = predict(m, {2.f, 0.5f, 7.f, 0.5f, 4.94f, 0.1f, 4.96f, 0.1f});
    CHECK(p == std::vector<double>{1.0, 3.0, 1.0, 3.0});
}

TEST_CASE("gbm: one logistic Newton step, with and without the L2 penalty", "[models][gbm]") {
    // Two rows of class 0 at x = 0, two of class 1 at x = 1: base log(0.5/0.5)
    // = 0, p = 0.5, g = p - y = +-0.5, h = p(1 - p) = 0.25. Each leaf holds
    // two rows: G = +-1, H = 0.5, so the leaf is -G/(H + l2).
    const std::vector<float> x = {0, 0, 1, 1}, y = {0, 0, 1, 1}, mask = {1, 1, 1, 1};
    BoostOptions o = one_step(2);
    auto p = predict(fit(x, y, mask, 1, "classification", o), {0.f, 1.f});
    CHECK(p[0] == Approx(1 / (1 + std::exp(2.0))));  // leaf -1 / 0.5 = -2
    CHECK(p[1] == Approx(1 / (1 + std::exp(-2.0))));
    o.l2 = 1;
    p = predict(fit(x, y, mask, 1, "classification", o), {0.f, 1.f});
    CHECK(p[0] == Approx(1 / (1 + std::exp(1 / 1.5))));  // leaf -1 / 1.5
    CHECK(p[1] == Approx(1 / (1 + std::exp(-1 / 1.5))));
    o.learning_rate = 0.1;
    p = predict(fit(x, y, mask, 1, "classification", o), {0.f});
    CHECK(p[0] == Approx(1 / (1 + std::exp(0.1 / 1.5))));
}

TEST_CASE("gbm: more distinct values than bins are cut at the quantiles", "[models][gbm]") {
    // x = y = 0..99, four bins: edges after 24, 49 and 74 (25 rows each).
    // A four-leaf tree takes exactly those cuts, each leaf the bin's mean.
    std::vector<float> x, mask;
    for (int i = 0; i < 100; ++i) {
        x.push_back(static_cast<float>(i));
        mask.push_back(1.f);
    }
    BoostOptions o = one_step(4);
    o.max_bins = 4;
    BoostedTrees m = fit(x, x, mask, 1, "regression", o);
    CHECK(predict(m, {0.f, 24.f, 25.f, 49.f, 50.f, 74.f, 75.f, 99.f}) ==
          std::vector<double>{12, 12, 37, 37, 62, 62, 87, 87});
    // With all 100 values as bins, 100 leaves of one row fit y exactly.
    o.max_bins = 255;
    o.max_leaves = 100;
    BoostedTrees exact = fit(x, x, mask, 1, "regression", o);
    const auto p = predict(exact, x);
    for (int i = 0; i < 100; ++i)
        CHECK(p[i] == Approx(i).margin(1e-4));
}

TEST_CASE("gbm: classification learns XOR, which no single feature separates", "[models][gbm]") {
    XorData d;
    BoostOptions o;
    o.rounds = 100;
    o.learning_rate = 0.2;
    o.max_leaves = 4;
    o.min_samples_leaf = 5;
    o.colsample = 1;
    o.patience = 0;
    BoostedTrees m = fit(d.x, d.y, d.mask, 5, "classification", o);
    CHECK(m.num_trees(0) == 100);
    const auto p = predict(m, {0, 0, .5f, .5f, .5f, 1, 0, .5f, .5f, .5f,  //
                               0, 1, .5f, .5f, .5f, 1, 1, .5f, .5f, .5f});
    INFO("p(00) " << p[0] << " p(10) " << p[1] << " p(01) " << p[2] << " p(11) " << p[3]);
    CHECK(p[0] < 0.1);
    CHECK(p[1] > 0.9);
    CHECK(p[2] > 0.9);
    CHECK(p[3] < 0.1);
}

TEST_CASE("gbm: early stopping keeps the round with the best validation loss", "[models][gbm]") {
    StepData d;
    BoostOptions o;
    o.rounds = 200;
    o.learning_rate = 0.3;
    o.patience = 10;
    o.subsample = 1;
    o.colsample = 1;
    // Validation rows with the training labels: the loss keeps falling (to
    // float precision), so far more than one round is kept.
    std::vector<BoostHistory> h;
    BoostedTrees good =
        BoostedTrees::fit(d.x.data(), d.y.data(), d.mask.data(), 100, d.x.data(), d.y.data(),
                          d.mask.data(), 100, 2, 1, "regression", o, &h);
    REQUIRE(h.size() == 1);
    CHECK(h[0].rounds > 10);
    CHECK(h[0].rounds == static_cast<int>(good.num_trees(0)));
    CHECK(h[0].best_valid_loss >= 0);
    CHECK(h[0].best_valid_loss < 1e-3);
    // Validation labels the other way round: every round moves the
    // predictions away from them, so the first round (at least one tree is
    // kept) stays the best and boosting stops `patience` rounds later.
    std::vector<float> flipped;
    for (float v : d.y)
        flipped.push_back(4.f - v);
    BoostedTrees bad =
        BoostedTrees::fit(d.x.data(), d.y.data(), d.mask.data(), 100, d.x.data(), flipped.data(),
                          d.mask.data(), 100, 2, 1, "regression", o, &h);
    CHECK(h[0].rounds == 1);
    CHECK(h[0].rounds_tried == 1 + o.patience);
    CHECK(bad.num_trees(0) == 1);
    // Without validation rows every round is kept.
    BoostedTrees all = fit(d.x, d.y, d.mask, 2, "regression", o, &h);
    CHECK(h[0].rounds == 200);
    CHECK(h[0].best_valid_loss == -1);
    CHECK(all.num_trees(0) == 200);
}

TEST_CASE("gbm: rows without a label are not used; one model per target", "[models][gbm]") {
    StepData d;
    std::vector<float> y, mask;
    for (int i = 0; i < 100; ++i) {
        // Target 0: the step with the upper half unlabelled (and wrong);
        // target 1: 10 minus the step on the even rows.
        y.push_back(i < 50 ? d.y[i] : 100.f);
        y.push_back(i % 2 ? 1000.f : 10.f - d.y[i]);
        mask.push_back(i < 50 ? 1.f : 0.f);
        mask.push_back(i % 2 ? 0.f : 1.f);
    }
    BoostedTrees m = BoostedTrees::fit(d.x.data(), y.data(), mask.data(), 100, nullptr, nullptr,
                                       nullptr, 0, 2, 2, "regression", one_step(2), nullptr);
    CHECK(m.num_targets() == 2);
    std::vector<double> out(4);
    const std::vector<float> q = {2.f, 0.5f, 7.f, 0.5f};
    m.predict(q.data(), 2, out.data());
    CHECK(out[0] == 1.0);  // target 0 only ever saw 1s
    CHECK(out[2] == 1.0);
    CHECK(out[1] == 9.0);  // target 1: the step, fitted in one exact step
    CHECK(out[3] == 7.0);
    for (auto& v : mask)
        v = 0.f;
    CHECK_THROWS_AS(BoostedTrees::fit(d.x.data(), y.data(), mask.data(), 100, nullptr, nullptr,
                                      nullptr, 0, 2, 2, "regression", one_step(2), nullptr),
                    ModelError);
}

TEST_CASE("gbm: the same model whatever the thread count; the seed changes it", "[models][gbm]") {
    XorData d;
    BoostOptions o;
    o.rounds = 30;
    o.max_leaves = 4;
    o.min_samples_leaf = 3;
    o.subsample = 0.7;
    o.colsample = 0.6;
    o.seed = 5;
    const int before = at::get_num_threads();
    at::set_num_threads(1);
    BoostedTrees a = fit(d.x, d.y, d.mask, 5, "classification", o);
    at::set_num_threads(2);
    BoostedTrees b = fit(d.x, d.y, d.mask, 5, "classification", o);
    at::set_num_threads(before);
    CHECK(a.num_nodes() == b.num_nodes());
    CHECK(predict(a, d.x) == predict(b, d.x));
    o.seed = 6;
    CHECK(predict(fit(d.x, d.y, d.mask, 5, "classification", o), d.x) != predict(a, d.x));
}

TEST_CASE("gbm: bad options are refused", "[models][gbm]") {
    auto bad = [](auto change) {
        BoostOptions o;
        change(o);
        return o;
    };
    CHECK_NOTHROW(check_boost_options(BoostOptions()));
    CHECK_THROWS_AS(check_boost_options(bad([](BoostOptions& o) { o.rounds = 0; })), UsageError);
    CHECK_THROWS_AS(check_boost_options(bad([](BoostOptions& o) { o.learning_rate = 0; })),
                    UsageError);
    CHECK_THROWS_AS(check_boost_options(bad([](BoostOptions& o) { o.max_leaves = 1; })),
                    UsageError);
    CHECK_THROWS_AS(check_boost_options(bad([](BoostOptions& o) { o.subsample = 1.5; })),
                    UsageError);
    CHECK_THROWS_AS(check_boost_options(bad([](BoostOptions& o) { o.colsample = 0; })), UsageError);
    CHECK_THROWS_AS(check_boost_options(bad([](BoostOptions& o) { o.max_bins = 256; })),
                    UsageError);
}

TEST_CASE("gbm: property model round trip, un-standardized output, mlp+gbm average",
          "[models][gbm][property_model]") {
    StepData d;
    auto gbm =
        std::make_shared<const BoostedTrees>(fit(d.x, d.y, d.mask, 2, "regression", one_step(2)));
    PropertyModelConfig c = step_config("gbm", {});
    PropertyModel only(c, {}, {}, nullptr, gbm);
    CHECK_FALSE(only.has_spread());
    const std::string dir = test::temp_path("gbm_only");
    only.save(dir);
    auto cfg = nlohmann::json::parse(test::read_file(dir + "/config.json"));
    CHECK(cfg["model"]["type"] == "gbm");
    CHECK(cfg["model"]["gbm"]["max_leaves"] == 2);
    PropertyModel back = PropertyModel::load(dir);
    REQUIRE(back.gbm());
    CHECK(back.config().gbm.max_leaves == 2);
    const std::vector<float> q = {2.f, 0.5f, 7.f, 0.5f, 3.f, std::nanf("")};
    std::vector<double> m1(3), s1(3), m2(3), s2(3);
    only.predict(q.data(), 3, m1.data(), s1.data());
    back.predict(q.data(), 3, m2.data(), s2.data());
    // Standardized 1 and 3 -> 1 * 2 + 10 and 3 * 2 + 10.
    CHECK(m1[0] == 12.0);
    CHECK(m1[1] == 16.0);
    CHECK(s1[0] == 0.0);
    CHECK(std::isnan(m1[2]));
    CHECK(m2[0] == m1[0]);
    CHECK(m2[1] == m1[1]);

    // mlp+gbm: the mean of both, std half their difference.
    PropertyModelConfig cm = c;
    cm.head = "mlp";
    cm.mlp.hidden = {4};
    at::manual_seed(3);
    Mlp mlp(cm.mlp);
    PropertyModel mlp_only(cm, {mlp});
    PropertyModelConfig cb = cm;
    cb.head = "mlp+gbm";
    PropertyModel both(cb, {mlp}, {}, nullptr, gbm);
    CHECK(both.has_spread());
    std::vector<double> pm(3), pb(3), sb(3);
    mlp_only.predict(q.data(), 3, pm.data(), nullptr);
    both.predict(q.data(), 3, pb.data(), sb.data());
    for (int i = 0; i < 2; ++i) {
        CHECK(pb[i] == Approx((pm[i] + m1[i]) / 2));
        CHECK(sb[i] == Approx(std::abs(pm[i] - m1[i]) / 2));
    }
    const std::string dir2 = test::temp_path("gbm_both");
    both.save(dir2);
    PropertyModel both_back = PropertyModel::load(dir2);
    std::vector<double> pbb(3);
    both_back.predict(q.data(), 3, pbb.data(), nullptr);
    CHECK(pbb[0] == pb[0]);
    CHECK(pbb[1] == pb[1]);

    // mlp+forest+gbm: the mean of the three, std their spread.
    ForestOptions fo;
    fo.trees = 10;
    auto forest = std::make_shared<const Forest>(
        Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 100, 2, 1, "regression", fo));
    PropertyModelConfig cf = c;
    cf.head = "forest";
    std::vector<double> pf(3);
    PropertyModel(cf, {}, {}, forest).predict(q.data(), 3, pf.data(), nullptr);
    PropertyModelConfig c3 = cm;
    c3.head = "mlp+forest+gbm";
    PropertyModel three(c3, {mlp}, {}, forest, gbm);
    CHECK(three.num_parts() == 3);
    std::vector<double> p3(3), s3(3);
    three.predict(q.data(), 3, p3.data(), s3.data());
    for (int i = 0; i < 2; ++i) {
        const double mu = (pm[i] + pf[i] + m1[i]) / 3;
        CHECK(p3[i] == Approx(mu));
        const double var = ((pm[i] - mu) * (pm[i] - mu) + (pf[i] - mu) * (pf[i] - mu) +
                            (m1[i] - mu) * (m1[i] - mu)) /
                           3;
        CHECK(s3[i] == Approx(std::sqrt(var)));
    }
    CHECK(std::isnan(p3[2]));
    const std::string dir3 = test::temp_path("gbm_three");
    three.save(dir3);
    std::vector<double> p3b(3);
    PropertyModel::load(dir3).predict(q.data(), 3, p3b.data(), nullptr);
    CHECK(p3b[0] == p3[0]);
    CHECK(p3b[1] == p3[1]);
    CHECK(valid_head("forest+gbm"));
    CHECK_FALSE(valid_head("mlp+mlp"));
    CHECK_FALSE(valid_head("mlp+"));
    CHECK_FALSE(valid_head("svm"));

    // Parts that do not match the head, the size or the task are refused.
    CHECK_THROWS_AS(PropertyModel(cm, {mlp}, {}, nullptr, gbm), ModelError);
    CHECK_THROWS_AS(PropertyModel(c, {}, {}), ModelError);
    PropertyModelConfig wrong_task = c;
    wrong_task.task = "classification";
    wrong_task.target_mean.clear();
    wrong_task.target_std.clear();
    CHECK_THROWS_AS(PropertyModel(wrong_task, {}, {}, nullptr, gbm), ModelError);
}

TEST_CASE("property_model: parts weighted in the head's order", "[models][gbm][property_model]") {
    StepData d;
    auto gbm =
        std::make_shared<const BoostedTrees>(fit(d.x, d.y, d.mask, 2, "regression", one_step(2)));
    ForestOptions fo;
    fo.trees = 10;
    auto forest = std::make_shared<const Forest>(
        Forest::fit(d.x.data(), d.y.data(), d.mask.data(), 100, 2, 1, "regression", fo));
    PropertyModelConfig c = step_config("mlp", {4});
    at::manual_seed(5);
    Mlp mlp(c.mlp);
    const std::vector<float> q = {2.f, 0.5f, 7.f, 0.5f};
    // Each part alone.
    std::vector<double> pm(2), pf(2), pg(2);
    PropertyModelConfig cm = c, cf = c, cg = c;
    cm.head = "mlp";
    cf.head = "forest";
    cg.head = "gbm";
    PropertyModel(cm, {mlp}).predict(q.data(), 2, pm.data(), nullptr);
    PropertyModel(cf, {}, {}, forest).predict(q.data(), 2, pf.data(), nullptr);
    PropertyModel(cg, {}, {}, nullptr, gbm).predict(q.data(), 2, pg.data(), nullptr);

    // Weights follow the order the head names the parts, not the internal
    // order: gbm 3, mlp 1, forest 2.
    PropertyModelConfig cw = c;
    cw.head = "gbm+mlp+forest";
    cw.part_weights = {3, 1, 2};
    CHECK(cw.part_weight("gbm") == 3);
    CHECK(cw.part_weight("forest") == 2);
    PropertyModel weighted(cw, {mlp}, {}, forest, gbm);
    std::vector<double> pw(2), sw(2);
    weighted.predict(q.data(), 2, pw.data(), sw.data());
    for (int i = 0; i < 2; ++i) {
        const double mu = (3 * pg[i] + 1 * pm[i] + 2 * pf[i]) / 6;
        CHECK(pw[i] == Approx(mu));
        const double var = (3 * (pg[i] - mu) * (pg[i] - mu) + (pm[i] - mu) * (pm[i] - mu) +
                            2 * (pf[i] - mu) * (pf[i] - mu)) /
                           6;
        CHECK(sw[i] == Approx(std::sqrt(var)));
    }
    // Saved in config.json and read back.
    const std::string dir = test::temp_path("weighted_parts");
    weighted.save(dir);
    auto cfg = nlohmann::json::parse(test::read_file(dir + "/config.json"));
    CHECK(cfg["model"]["weights"] == nlohmann::json({3.0, 1.0, 2.0}));
    PropertyModel back = PropertyModel::load(dir);
    CHECK(back.config().part_weights == std::vector<double>{3, 1, 2});
    std::vector<double> pb(2);
    back.predict(q.data(), 2, pb.data(), nullptr);
    CHECK(pb[0] == pw[0]);
    CHECK(pb[1] == pw[1]);
    // Equal weights are the plain mean.
    PropertyModelConfig ce = cw;
    ce.part_weights = {1, 1, 1};
    std::vector<double> pe(2);
    PropertyModel(ce, {mlp}, {}, forest, gbm).predict(q.data(), 2, pe.data(), nullptr);
    CHECK(pe[0] == Approx((pg[0] + pm[0] + pf[0]) / 3));

    // Wrong count, zero, negative or non-finite weights are refused, in the
    // constructor and in config.json.
    CHECK(head_weights_problem("mlp+forest", {}).empty());
    CHECK(head_weights_problem("mlp+forest", {1, 2}).empty());
    CHECK_THAT(head_weights_problem("mlp+forest", {1, 2, 3}),
               Catch::Contains("3 weights for the 2 parts of 'mlp+forest'"));
    CHECK_THAT(head_weights_problem("mlp+forest", {1}),
               Catch::Contains("1 weight for the 2 parts of 'mlp+forest'"));
    CHECK_FALSE(head_weights_problem("mlp+forest", {1, 0}).empty());
    CHECK_FALSE(head_weights_problem("mlp+forest", {-1, 2}).empty());
    CHECK_FALSE(head_weights_problem("mlp+forest", {1, std::nan("")}).empty());
    PropertyModelConfig bad = cw;
    bad.part_weights = {1, 2};
    CHECK_THROWS_AS(PropertyModel(bad, {mlp}, {}, forest, gbm), ModelError);
    cfg["model"]["weights"] = {1.0, -2.0, 1.0};
    test::write_file(dir + "/config.json", cfg.dump());
    CHECK_THROWS_WITH(PropertyModel::load(dir), Catch::Contains("model weights"));
}

TEST_CASE("gbm: corrupt tensors are refused with the tensor named", "[models][gbm]") {
    StepData d;
    BoostOptions o = one_step(4);
    o.rounds = 3;
    BoostedTrees m = fit(d.x, d.y, d.mask, 2, "regression", o);
    std::vector<TensorView> views;
    std::vector<std::vector<char>> keep;
    m.to_tensors(views, keep);
    REQUIRE(views.size() == BoostedTrees::tensor_count(1));
    auto roundtrip = [&](const std::vector<TensorView>& vs) {
        const std::string path = test::temp_path("gbm_corrupt.safetensors");
        write_safetensors(path, vs);
        SafetensorsFile file(path);
        return BoostedTrees::from_tensors(file, 2, 1, "regression");
    };
    BoostedTrees back = roundtrip(views);
    CHECK(predict(back, d.x) == predict(m, d.x));
    auto index = [&](const std::string& name) {
        for (std::size_t i = 0; i < views.size(); ++i)
            if (views[i].name == name) return i;
        FAIL("no tensor " << name);
        return std::size_t{0};
    };
    {
        auto bad = keep;
        auto vs = views;
        const std::size_t b = index("gbm.0.base");
        const float nan = std::nanf("");
        std::memcpy(bad[b].data(), &nan, sizeof nan);
        vs[b].data = bad[b].data();
        CHECK_THROWS_WITH(roundtrip(vs), Catch::Contains("gbm.0.base"));
    }
    {
        auto bad = keep;
        auto vs = views;
        const std::size_t f = index("gbm.0.feature");
        reinterpret_cast<std::int32_t*>(bad[f].data())[0] = 9;
        vs[f].data = bad[f].data();
        CHECK_THROWS_WITH(roundtrip(vs), Catch::Contains("tests feature 9 of 2"));
    }
    {
        auto vs = views;
        vs.erase(vs.begin() + static_cast<std::ptrdiff_t>(index("gbm.0.value")));
        CHECK_THROWS_WITH(roundtrip(vs), Catch::Contains("gbm.0.value"));
    }
}
