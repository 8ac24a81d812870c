// Metrics against values computed by hand (each case spells out the
// arithmetic) and against the documented sklearn/scipy examples.
#include <cmath>
#include "tests/catch.hpp"

#include "models/metrics.hpp"
#include "src/error.hpp"

using namespace plmkit::models;

TEST_CASE("metrics: regression metrics on a hand-computed case", "[models][metrics]") {
    // errors p - y = 0.5, 0, -0.5, 1; SSE = 1.5; mean(y) = 2.5, SS_tot = 5
    std::vector<double> y = {1, 2, 3, 4}, p = {1.5, 2, 2.5, 5};
    CHECK(rmse(y, p) == Approx(std::sqrt(1.5 / 4)));
    CHECK(mae(y, p) == Approx(0.5));
    CHECK(r2(y, p) == Approx(0.7));
    CHECK(spearman(y, p) == Approx(1.0));
    SECTION("a perfect prediction") {
        CHECK(rmse(y, y) == 0.0);
        CHECK(r2(y, y) == Approx(1.0));
    }
    SECTION("the mean predictor has r2 = 0") {
        CHECK(r2(y, {2.5, 2.5, 2.5, 2.5}) == Approx(0.0).margin(1e-12));
    }
    SECTION("size mismatch is an error") {
        CHECK_THROWS(rmse(y, {1.0}));
        CHECK_THROWS_WITH(rmse({1.0}, {1.0, 2.0}),
                          Catch::Contains("rmse: y_true has 1 value, the prediction 2"));
        CHECK_THROWS_WITH(mae(y, {1.0}),
                          Catch::Contains("mae: y_true has 4 values, the prediction 1"));
    }
}

TEST_CASE("metrics: spearman uses average ranks for ties", "[models][metrics]") {
    // ranks a = 1, 2.5, 2.5, 4; ranks b = 1, 3, 2, 4 -> 4.5 / sqrt(4.5 * 5)
    // (scipy.stats.spearmanr gives 0.9486832980505138)
    std::vector<double> a = {1, 2, 2, 3}, b = {1, 3, 2, 4};
    CHECK(average_ranks(a) == std::vector<double>{1, 2.5, 2.5, 4});
    CHECK(spearman(a, b) == Approx(0.9486832980505138));
    CHECK(spearman({1, 2, 3}, {3, 2, 1}) == Approx(-1.0));
    CHECK(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));
}

TEST_CASE("metrics: ROC-AUC like sklearn, ties count one half", "[models][metrics]") {
    // sklearn's roc_auc_score docstring example
    CHECK(roc_auc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}) == Approx(0.75));
    // pairs (pos, neg): (.5,.5)=0.5, (.5,.2)=1, (.9,.5)=1, (.9,.2)=1 -> 3.5/4
    CHECK(roc_auc({0, 1, 0, 1}, {0.5, 0.5, 0.2, 0.9}) == Approx(0.875));
    CHECK(roc_auc({1, 1, 0, 0}, {0.3, 0.3, 0.3, 0.3}) == Approx(0.5));
    CHECK(std::isnan(roc_auc({1, 1}, {0.2, 0.4})));
}

TEST_CASE("metrics: average precision like sklearn", "[models][metrics]") {
    // sklearn's average_precision_score docstring example: 0.8333...
    // thresholds .8: R=.5 P=1; .4: R=.5; .35: R=1 P=2/3 -> .5 + .5*2/3
    CHECK(pr_auc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}) == Approx(0.5 + 0.5 * 2.0 / 3.0));
    // tied top scores are one threshold: .9: R=.5 P=.5; .5: R=1 P=2/3
    CHECK(pr_auc({1, 0, 1, 0}, {0.9, 0.9, 0.5, 0.1}) == Approx(0.25 + 0.5 * 2.0 / 3.0));
    CHECK(std::isnan(pr_auc({0, 0}, {0.1, 0.2})));
}

TEST_CASE("metrics: accuracy and MCC at threshold 0.5", "[models][metrics]") {
    // predictions 1,1,0,0,1 -> tp=2 fn=1 tn=1 fp=1; MCC = (2*1-1*1)/sqrt(3*3*2*2)
    std::vector<double> y = {1, 1, 1, 0, 0}, s = {0.9, 0.8, 0.2, 0.3, 0.7};
    CHECK(accuracy(y, s) == Approx(0.6));
    CHECK(mcc(y, s) == Approx(1.0 / 6.0));
    CHECK(mcc({1, 0, 1, 0}, {0.9, 0.6, 0.4, 0.1}) == Approx(0.0));
    CHECK(mcc({1, 0}, {0.9, 0.1}) == Approx(1.0));
    CHECK(mcc({1, 0}, {0.1, 0.9}) == Approx(-1.0));
    // all predicted positive: a margin is empty, MCC is 0 like sklearn
    CHECK(mcc({1, 0}, {0.9, 0.9}) == 0.0);
}

TEST_CASE("metrics: task_metrics skips missing targets", "[models][metrics]") {
    double nan = std::nan("");
    auto m = task_metrics("regression", {1, nan, 3}, {2, 100, 3});
    CHECK(m.at("rmse") == Approx(std::sqrt(0.5)));
    CHECK(m.at("mae") == Approx(0.5));
    auto c = task_metrics("classification", {0, 1, nan}, {0.2, 0.7, 0.0});
    CHECK(c.at("roc_auc") == Approx(1.0));
    CHECK(c.at("accuracy") == Approx(1.0));
    CHECK(primary_metric("classification") == "roc_auc");
    CHECK_FALSE(higher_is_better("rmse"));
    CHECK_THROWS_AS(task_metrics("ranking", {1}, {1}), plmkit::UsageError);
}

TEST_CASE("metrics: log-loss and Brier score of probabilities", "[models][metrics]") {
    // y = 1, 0, 1, 0; p = 0.9, 0.2, 0.6, 0.5: the probabilities of the true
    // class are 0.9, 0.8, 0.6, 0.5, so log-loss = -(ln 0.9 + ln 0.8 + ln 0.6 +
    // ln 0.5) / 4 = 0.383119217824493 (sklearn log_loss gives the same) and
    // Brier = (0.1^2 + 0.2^2 + 0.4^2 + 0.5^2) / 4 = 0.46 / 4 = 0.115.
    const std::vector<double> y = {1, 0, 1, 0}, p = {0.9, 0.2, 0.6, 0.5};
    CHECK(log_loss(y, p) == Approx(0.383119217824493).epsilon(1e-12));
    CHECK(brier(y, p) == Approx(0.115).epsilon(1e-12));
    // A certain wrong answer is clipped at 1e-15: -ln(1e-15) = 34.5387763949107.
    CHECK(log_loss({0}, {1.0}) == Approx(34.5387763949107).epsilon(1e-9));
    CHECK(brier({0}, {1.0}) == 1.0);
    // Perfect: 0 (up to the clip).
    CHECK(log_loss({1, 0}, {1.0, 0.0}) == Approx(0.0).margin(1e-14));
    CHECK(std::isnan(log_loss({}, {})));
    CHECK_FALSE(higher_is_better("log_loss"));
    CHECK_FALSE(higher_is_better("brier"));
    // In the classification metrics, over the labelled rows only.
    const auto m =
        task_metrics("classification", {1, 0, 1, 0, std::nan("")}, {0.9, 0.2, 0.6, 0.5, 0.7});
    CHECK(m.at("log_loss") == Approx(0.383119217824493).epsilon(1e-12));
    CHECK(m.at("brier") == Approx(0.115).epsilon(1e-12));
}
