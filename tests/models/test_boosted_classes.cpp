// Multi-class gradient boosting (BoostedTrees::fit_classes,
// models/boosted_classes.cpp): one round on six points worked by hand
// (starting scores, gradients, splits and Newton leaves), scikit-learn's
// GradientBoostingClassifier on the iris data, early stopping on the
// validation log loss, the same model whatever the thread count (a round's
// class trees grow in parallel), masked rows, refused labels, and the
// tensor round trip.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "models/boosted_trees.hpp"
#include "src/error.hpp"
#include "src/safetensors.hpp"
#include "tests/catch.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

/// No shrinkage unless asked, no penalty, no sampling, no early stopping.
BoostOptions exact(int rounds, int leaves, double lr = 1) {
    BoostOptions o;
    o.rounds = rounds;
    o.learning_rate = lr;
    o.l2 = 0;
    o.max_leaves = leaves;
    o.min_samples_leaf = 1;
    o.subsample = 1;
    o.colsample = 1;
    o.patience = 0;
    return o;
}

BoostedTrees fit(const std::vector<float>& x, const std::vector<float>& y, std::int64_t dim,
                 std::int64_t classes, const BoostOptions& o) {
    const std::vector<float> mask(y.size(), 1.f);
    const auto n = static_cast<std::int64_t>(y.size());
    return BoostedTrees::fit_classes(x.data(), y.data(), mask.data(), n, nullptr, nullptr, nullptr,
                                     0, dim, classes, o, nullptr);
}

std::vector<double> predict(const BoostedTrees& m, const std::vector<float>& x) {
    const std::int64_t n = static_cast<std::int64_t>(x.size()) / m.input_dim();
    std::vector<double> out(static_cast<std::size_t>(n * m.num_outputs()));
    m.predict(x.data(), n, out.data());
    return out;
}

/// tests/models/data/iris.csv: 4 features and the class index a row.
struct Iris {
    std::vector<float> x, y;
    std::vector<std::vector<double>> sklearn;  ///< [row] iris_gbc_proba.csv
    Iris() {
        std::istringstream in(test::read_file(test::source_path("tests/models/data/iris.csv")));
        std::istringstream ref(
            test::read_file(test::source_path("tests/models/data/iris_gbc_proba.csv")));
        std::string line;
        std::getline(in, line);
        std::getline(ref, line);
        while (std::getline(in, line)) {
            std::istringstream fields(line);
            std::string f;
            for (int c = 0; std::getline(fields, f, ','); ++c)
                (c < 4 ? x : y).push_back(std::stof(f));
            REQUIRE(std::getline(ref, line));
            std::istringstream probs(line);
            sklearn.emplace_back();
            while (std::getline(probs, f, ','))
                sklearn.back().push_back(std::stod(f));
        }
    }
};

double log_loss(const std::vector<double>& p, const std::vector<float>& y) {
    double sum = 0;
    for (std::size_t r = 0; r < y.size(); ++r)
        sum -= std::log(p[r * 3 + static_cast<std::size_t>(y[r])]);
    return sum / static_cast<double>(y.size());
}

}  // namespace

TEST_CASE("gbm classes: one round by hand, log priors, gradients and Newton leaves",
          "[models][gbm][multiclass]") {
    // x = 0..5 with classes 0 0 0 1 1 2. Starting scores: the log class
    // priors log(1/2), log(1/3), log(1/6), so every row's p = (1/2, 1/3,
    // 1/6). With K = 3 the hessian is 3/2 p (1 - p), the same on every row,
    // so the gain Gl^2/Hl + Gr^2/Hr - G^2/H ranks splits as
    // Gl^2/nl + Gr^2/nr does; a leaf is -G/H.
    //  class 0: g = -1/2 (rows 0-2), +1/2 (rows 3-5), h = 3/8. Best split
    //    x <= 2.5 (gain 1.5/h; the next best, 1.5 or 3.5, 2/3 of it).
    //    Leaves -(-3/2)/(9/8) = 4/3 and -4/3.
    //  class 1: g = 1/3 (rows 0-2, 5), -2/3 (rows 3, 4), h = 1/3; G = 0 so
    //    the gain is Gl^2 (1/nl + 1/nr): nl = 1..5 give 2/15, 1/3, 2/3,
    //    1/12, 2/15: x <= 2.5. Leaves -1/1 = -1 and -(-1)/1 = +1.
    //  class 2: g = 1/6 (rows 0-4), -5/6 (row 5), h = 5/24: nl = 1..5 give
    //    1/30, 1/12, 1/6, 1/3, 5/6: x <= 4.5. Leaves -(5/6)/(25/24) = -0.8
    //    and -(-5/6)/(5/24) = 4.
    // Friedman's (K-1)/K sum(r) / sum(|r|(1-|r|)) gives the same, e.g. class
    // 0's left leaf: 2/3 * (3/2) / (3 * 1/4) = 4/3.
    const std::vector<float> x = {0, 1, 2, 3, 4, 5}, y = {0, 0, 0, 1, 1, 2};
    const BoostedTrees m = fit(x, y, 1, 3, exact(1, 2));
    CHECK(m.num_classes() == 3);
    CHECK(m.num_targets() == 1);
    CHECK(m.num_outputs() == 3);
    CHECK(m.num_trees(0) == 1);
    CHECK(m.num_nodes() == 9);  // three stumps
    const std::vector<float> q = {-1, 2.5f, 2.6f, 4.5f, 4.6f, 9};
    const std::vector<double> p = predict(m, q);
    for (std::size_t r = 0; r < q.size(); ++r) {
        const double z[3] = {std::log(0.5) + (q[r] <= 2.5f ? 4.0 / 3 : -4.0 / 3),
                             std::log(1.0 / 3) + (q[r] <= 2.5f ? -1.0 : 1.0),
                             std::log(1.0 / 6) + (q[r] <= 4.5f ? -0.8 : 4.0)};
        const double total = std::exp(z[0]) + std::exp(z[1]) + std::exp(z[2]);
        for (int c = 0; c < 3; ++c) {
            INFO("x = " << q[r] << ", class " << c);
            CHECK(p[r * 3 + c] == Approx(std::exp(z[c]) / total).epsilon(1e-6));
        }
    }
    SECTION("the learning rate scales every leaf") {
        const BoostedTrees half = fit(x, y, 1, 3, exact(1, 2, 0.5));
        const std::vector<double> ph = predict(half, {0.f});
        const double z[3] = {std::log(0.5) + 2.0 / 3, std::log(1.0 / 3) - 0.5,
                             std::log(1.0 / 6) - 0.4};
        const double total = std::exp(z[0]) + std::exp(z[1]) + std::exp(z[2]);
        for (int c = 0; c < 3; ++c)
            CHECK(ph[c] == Approx(std::exp(z[c]) / total).epsilon(1e-6));
    }
    SECTION("trees that cannot split leave the class priors") {
        // Single-leaf trees: each leaf -G/H with G = sum(p - y) = 0.
        BoostOptions none = exact(1, 2);
        none.min_samples_leaf = 4;  // no split leaves 4 rows on each side
        const std::vector<double> p0 = predict(fit(x, y, 1, 3, none), {7.f});
        CHECK(p0[0] == Approx(0.5).epsilon(1e-6));
        CHECK(p0[1] == Approx(1.0 / 3).epsilon(1e-6));
        CHECK(p0[2] == Approx(1.0 / 6).epsilon(1e-6));
    }
}

TEST_CASE("gbm classes: scikit-learn's GradientBoostingClassifier on the iris data",
          "[models][gbm][multiclass]") {
    // tests/models/data/gbc_iris.py (scikit-learn 1.2.1) printed:
    //   gbc, 1 rounds: log loss 0.919499, accuracy 0.9800
    //   gbc, 20 rounds: log loss 0.094504, accuracy 0.9933
    //   newton, 1 rounds: log loss 0.919499, accuracy 0.9800
    //   newton, 20 rounds: log loss 0.094700, accuracy 0.9867
    // (the same for random_state 0..4), and the probabilities of each on the
    // 150 rows are iris_gbc_proba.csv: "gbc" is GradientBoostingClassifier
    // (max_leaf_nodes=4, learning_rate=0.1, min_samples_leaf=1, no
    // subsampling), "newton" the same boosting with the trees split on the
    // Newton gain as plmkit's are (DecisionTreeRegressor on -g/h weighted by
    // h). Iris has at most 43 distinct values a feature, so the bins are the
    // distinct values and the thresholds the midpoints scikit-learn tries.
    const Iris d;
    REQUIRE(d.y.size() == 150);
    auto worst = [&](const std::vector<double>& p, std::size_t column) {
        double w = 0;
        for (std::size_t r = 0; r < 150; ++r)
            for (std::size_t c = 0; c < 3; ++c)
                w = std::max(w, std::abs(p[r * 3 + c] - d.sklearn[r][column + c]));
        return w;
    };
    SECTION("one round: every row's hessian is the same, so the same trees and leaves") {
        const std::vector<double> p = predict(fit(d.x, d.y, 4, 3, exact(1, 4, 0.1)), d.x);
        CHECK(worst(p, 0) < 1e-6);  // GradientBoostingClassifier
        CHECK(worst(p, 6) < 1e-6);  // Newton splits
        CHECK(log_loss(p, d.y) == Approx(0.919499).margin(1e-6));
    }
    SECTION(
        "20 rounds: the Newton-split reference closely; GradientBoostingClassifier "
        "in log loss") {
        const std::vector<double> p = predict(fit(d.x, d.y, 4, 3, exact(20, 4, 0.1)), d.x);
        CHECK(worst(p, 9) < 1e-5);
        CHECK(log_loss(p, d.y) == Approx(0.094700).margin(1e-6));
        // From round 2 on the hessians differ between rows: scikit-learn's
        // friedman_mse counts every row the same where the Newton gain
        // weighs them by p(1-p), so some splits differ (up to 0.09 in a
        // probability here), yet the fit is as good.
        CHECK(log_loss(p, d.y) == Approx(0.094504).margin(1e-3));
        CHECK(worst(p, 3) < 0.1);
        int right = 0;
        for (std::size_t r = 0; r < 150; ++r) {
            const double* row = p.data() + r * 3;
            right += std::max_element(row, row + 3) - row == static_cast<long>(d.y[r]) ? 1 : 0;
        }
        CHECK(right == 148);  // 0.9867, one row fewer than the classifier's 0.9933
    }
}

namespace {

/// 90 rows of 2 features and 3 classes: class c around x0 = 10c, x1 noise,
/// every 9th row's label swapped to the next class (noise to overfit).
struct Bands3 {
    std::vector<float> x, y, mask;
    Bands3(int n = 90, int offset = 0) {
        for (int i = 0; i < n; ++i) {
            const int c = i % 3, j = i + offset;
            x.push_back(static_cast<float>(10 * c + (j * 7) % 9));
            x.push_back(static_cast<float>((j * 13) % 11));
            y.push_back(static_cast<float>(j % 9 == 4 ? (c + 1) % 3 : c));
            mask.push_back(1.f);
        }
    }
};

}  // namespace

TEST_CASE("gbm classes: early stopping on the validation log loss keeps the best round",
          "[models][gbm][multiclass]") {
    const Bands3 train, valid(45, 1);
    BoostOptions o = exact(200, 8, 0.3);
    o.patience = 10;
    std::vector<BoostHistory> h;
    const BoostedTrees m = BoostedTrees::fit_classes(
        train.x.data(), train.y.data(), train.mask.data(), 90, valid.x.data(), valid.y.data(),
        valid.mask.data(), 45, 2, 3, o, &h);
    REQUIRE(h.size() == 1);
    CHECK(h[0].rounds < 200);
    CHECK(h[0].rounds_tried == h[0].rounds + 10);
    for (std::int64_t c = 0; c < 3; ++c)
        CHECK(m.num_trees(c) == static_cast<std::size_t>(h[0].rounds));
    // The kept model's validation log loss is the best one recorded, and
    // one round more or fewer is no better.
    const auto loss_of = [&](const BoostedTrees& b) {
        return log_loss(predict(b, valid.x), valid.y);
    };
    CHECK(loss_of(m) == Approx(h[0].best_valid_loss).epsilon(1e-6));
    BoostOptions fixed = exact(h[0].rounds + 1, 8, 0.3);
    CHECK(loss_of(fit(train.x, train.y, 2, 3, fixed)) >= h[0].best_valid_loss - 1e-9);
    fixed.rounds = h[0].rounds - 1;
    CHECK(loss_of(fit(train.x, train.y, 2, 3, fixed)) >= h[0].best_valid_loss - 1e-9);
    SECTION("without validation rows every round is kept") {
        std::vector<BoostHistory> all;
        o.rounds = 30;
        BoostedTrees::fit_classes(train.x.data(), train.y.data(), train.mask.data(), 90, nullptr,
                                  nullptr, nullptr, 0, 2, 3, o, &all);
        CHECK(all[0].rounds == 30);
        CHECK(all[0].best_valid_loss == -1);
    }
}

TEST_CASE("gbm classes: sampled rows and features, the same model whatever the thread count",
          "[models][gbm][multiclass]") {
    const Bands3 d;
    BoostOptions o;
    o.rounds = 40;
    o.max_leaves = 4;
    o.min_samples_leaf = 3;
    o.seed = 11;
    const BoostedTrees m = fit(d.x, d.y, 2, 3, o);
    const std::vector<double> p = predict(m, d.x);
    int right = 0;
    for (std::size_t r = 0; r < 90; ++r) {
        double total = 0;
        for (std::size_t c = 0; c < 3; ++c)
            total += p[r * 3 + c];
        CHECK(total == Approx(1.0).epsilon(1e-9));
        const double* row = p.data() + r * 3;
        right += std::max_element(row, row + 3) - row == static_cast<long>(d.y[r]) ? 1 : 0;
    }
    CHECK(right >= 80);  // the 10 swapped labels aside, the bands are separable
    const int before = at::get_num_threads();
    at::set_num_threads(1);
    const std::vector<double> one = predict(fit(d.x, d.y, 2, 3, o), d.x);
    at::set_num_threads(before);
    CHECK(one == p);
    o.seed = 12;
    CHECK(predict(fit(d.x, d.y, 2, 3, o), d.x) != p);
}

TEST_CASE("gbm classes: a round's K trees grow in parallel into the model one thread grows",
          "[models][gbm][multiclass]") {
    // Five classes, 40 features of which each tree sees a different half,
    // rows subsampled, early stopping on validation rows: the same trees,
    // rounds and probabilities on 1 thread, on 2 and 3 (the trees of a round
    // grow in parallel, several on a thread) and on 8 (more threads than
    // classes: one tree after another, each on all threads).
    const std::int64_t n = 300, nv = 100, dim = 40, k = 5;
    std::mt19937 gen(7);
    std::normal_distribution<float> noise(0, 1);
    auto make = [&](std::int64_t rows, std::vector<float>& x, std::vector<float>& y) {
        for (std::int64_t r = 0; r < rows; ++r) {
            const auto c = static_cast<float>(r % k);
            y.push_back(c);
            for (std::int64_t f = 0; f < dim; ++f)
                x.push_back(noise(gen) + (f % k == r % k ? 1.5f : 0.f) + (f < 3 ? c : 0.f));
        }
    };
    std::vector<float> x, y, xv, yv;
    make(n, x, y);
    make(nv, xv, yv);
    const std::vector<float> mask(n, 1.f), maskv(nv, 1.f);
    BoostOptions o;
    o.rounds = 60;
    o.learning_rate = 0.2;
    o.max_leaves = 8;
    o.min_samples_leaf = 5;
    o.patience = 5;
    o.seed = 3;
    struct Fitted {
        std::vector<double> p;
        std::size_t nodes;
        BoostHistory h;
    };
    auto fit_on = [&](int threads) {
        const int before = at::get_num_threads();
        at::set_num_threads(threads);
        std::vector<BoostHistory> h;
        const BoostedTrees m =
            BoostedTrees::fit_classes(x.data(), y.data(), mask.data(), n, xv.data(), yv.data(),
                                      maskv.data(), nv, dim, k, o, &h);
        at::set_num_threads(before);
        return Fitted{predict(m, xv), m.num_nodes(), h.at(0)};
    };
    const Fitted one = fit_on(1);
    REQUIRE(one.h.rounds >= 2);  // several rounds, each of 5 trees with splits
    CHECK(one.nodes > static_cast<std::size_t>(one.h.rounds * k * 3));
    for (int threads : {2, 3, 8}) {
        INFO(threads << " threads");
        const Fitted many = fit_on(threads);
        CHECK(many.p == one.p);
        CHECK(many.nodes == one.nodes);
        CHECK(many.h.rounds == one.h.rounds);
        CHECK(many.h.rounds_tried == one.h.rounds_tried);
        CHECK(many.h.best_valid_loss == one.h.best_valid_loss);
    }
}

TEST_CASE("gbm classes: unlabelled rows are not used; labels that are no class are refused",
          "[models][gbm][multiclass]") {
    const std::vector<float> x = {0, 1, 2, 3, 4, 5}, y = {0, 0, 0, 1, 1, 2};
    std::vector<float> y2 = y, mask(6, 1.f);
    y2[0] = 2;  // would move the priors and the split, but masked
    mask[0] = 0;
    const BoostedTrees m =
        BoostedTrees::fit_classes(x.data(), y2.data(), mask.data(), 6, nullptr, nullptr, nullptr, 0,
                                  1, 3, exact(1, 2), nullptr);
    // Rows 1..5 (classes 0 0 1 1 2): priors 2/5, 2/5, 1/5. With the single
    // leaf (min_samples_leaf 3 leaves no split) the priors come back.
    BoostOptions no_split = exact(1, 2);
    no_split.min_samples_leaf = 3;
    const BoostedTrees flat = BoostedTrees::fit_classes(
        x.data(), y2.data(), mask.data(), 6, nullptr, nullptr, nullptr, 0, 1, 3, no_split, nullptr);
    const std::vector<double> p = predict(flat, {0.f});
    CHECK(p[0] == Approx(0.4).epsilon(1e-6));
    CHECK(p[1] == Approx(0.4).epsilon(1e-6));
    CHECK(p[2] == Approx(0.2).epsilon(1e-6));
    CHECK(m.num_nodes() == 9);
    const std::vector<float> bad = {0, 3, 1, 0, 1, 2}, half = {0, 0.5f, 1, 0, 1, 2};
    const std::vector<float> ones(6, 1.f);
    auto fit_labels = [&](const std::vector<float>& labels, std::int64_t classes) {
        return BoostedTrees::fit_classes(x.data(), labels.data(), ones.data(), 6, nullptr, nullptr,
                                         nullptr, 0, 1, classes, exact(1, 2), nullptr);
    };
    CHECK_THROWS_WITH(fit_labels(bad, 3),
                      Catch::Contains("training row 1 has class index 3.000000, expected 0 .. 2"));
    CHECK_THROWS_AS(fit_labels(half, 3), ModelError);
    CHECK_THROWS_AS(fit_labels(y, 1), UsageError);
    const std::vector<float> none(6, 0.f);
    CHECK_THROWS_WITH(BoostedTrees::fit_classes(x.data(), y.data(), none.data(), 6, nullptr,
                                                nullptr, nullptr, 0, 1, 3, exact(1, 2), nullptr),
                      Catch::Contains("no labelled training row"));
    const std::vector<float> vbad = {5};
    CHECK_THROWS_WITH(
        BoostedTrees::fit_classes(x.data(), y.data(), ones.data(), 6, x.data(), vbad.data(),
                                  ones.data(), 1, 1, 3, exact(1, 2), nullptr),
        Catch::Contains("validation row 0 has class index 5"));
}

TEST_CASE("gbm classes: tensors round trip; classes with different round counts are refused",
          "[models][gbm][multiclass]") {
    const Bands3 d;
    BoostOptions o;
    o.rounds = 15;
    o.max_leaves = 4;
    o.min_samples_leaf = 2;
    const BoostedTrees m = fit(d.x, d.y, 2, 3, o);
    std::vector<TensorView> views;
    std::vector<std::vector<char>> keep;
    m.to_tensors(views, keep);
    CHECK(views.size() == BoostedTrees::tensor_count(1, 3));
    CHECK(views[0].name == "gbm.0.base");
    const std::string path = test::temp_path("gbm_classes.safetensors");
    write_safetensors(path, views, {});
    const SafetensorsFile file(path);
    const BoostedTrees back = BoostedTrees::from_tensors(file, 2, 1, "multiclass", 3);
    CHECK(back.num_classes() == 3);
    CHECK(!back.classification());
    CHECK(predict(back, d.x) == predict(m, d.x));
    SECTION("class 2 with fewer trees than class 0") {
        const BoostedTrees shorter = fit(d.x, d.y, 2, 3, exact(3, 2));
        std::vector<TensorView> v2;
        std::vector<std::vector<char>> k2;
        shorter.to_tensors(v2, k2);
        for (std::size_t i = 0; i < views.size(); ++i)
            if (views[i].name.rfind("gbm.2.", 0) == 0) views[i] = v2[i];
        write_safetensors(path, views, {});
        const SafetensorsFile mixed(path);
        CHECK_THROWS_WITH(BoostedTrees::from_tensors(mixed, 2, 1, "multiclass", 3),
                          Catch::Contains("'gbm.2.roots' holds 3 trees, expected one a round like "
                                          "class 0's 15"));
    }
}
