// evaluate_predictions (metrics.json's "valid"/"test" and evaluate's
// "metrics") when a target's metric is undefined: null with a note, a mean
// over the targets that have it, and JSON that a strict parser reads.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "pipelines/property_table.hpp"

using namespace plmkit::pipelines;

namespace {
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}

TEST_CASE("metrics json: a target with one class has null ROC-AUC, a note, and the mean skips it",
          "[pipelines][metric_notes]") {
    // [n x 2] row-major: target a has both classes, target b only class 1
    // among its labelled rows (row 3 unlabelled).
    const std::vector<double> y = {0, 1, 1, 1, 0, kNaN, 1, 1};
    const std::vector<double> p = {0.2, 0.9, 0.8, 0.4, 0.4, 0.3, 0.3, 0.7};
    auto j = evaluate_predictions("classification", {"a", "b"}, y, p);
    // a: scores 0.2, 0.8, 0.4, 0.3 for labels 0, 1, 0, 1 -> pairs (pos, neg):
    // (.8,.2) (.8,.4) (.3,.2) win, (.3,.4) loses -> 3/4 (sklearn: 0.75).
    CHECK(j["a"]["roc_auc"].get<double>() == Approx(0.75));
    CHECK_FALSE(j["a"].contains("note"));
    CHECK(j["b"]["n"] == 3);
    CHECK(j["b"]["roc_auc"].is_null());
    CHECK(j["b"]["pr_auc"].is_null());
    CHECK(j["b"]["accuracy"].get<double>() == Approx(2.0 / 3.0));
    CHECK(j["b"]["note"] ==
          "pr_auc, roc_auc are null: all 3 labelled rows are class 1 "
          "(a ranking metric needs both classes)");
    CHECK(j["mean"]["roc_auc"].get<double>() == Approx(0.75));
    CHECK(j["mean"]["note"] == "pr_auc, roc_auc: mean of the 1 of 2 targets where defined");
    // Strict JSON: no NaN/Infinity tokens.
    const std::string text = j.dump();
    CHECK(text.find("NaN") == std::string::npos);
    CHECK_NOTHROW(nlohmann::json::parse(text, nullptr, true, false));
}

TEST_CASE("metrics json: a metric null for every target is null in the mean",
          "[pipelines][metric_notes]") {
    auto j = evaluate_predictions("classification", {"a"}, {1, 1}, {0.4, 0.7});
    CHECK(j["mean"]["roc_auc"].is_null());
    CHECK(j["mean"]["accuracy"].get<double>() == Approx(0.5));
    CHECK(j["mean"]["note"] == "pr_auc, roc_auc: null for every target");
}

TEST_CASE("metrics json: regression notes say what has no spread", "[pipelines][metric_notes]") {
    SECTION("constant truth: r2 and spearman null (sklearn's r2_score forces 0.0)") {
        auto j = evaluate_predictions("regression", {"y"}, {2, 2, 2}, {1, 2, 3});
        CHECK(j["y"]["rmse"].get<double>() == Approx(std::sqrt(2.0 / 3.0)));
        CHECK(j["y"]["r2"].is_null());
        CHECK(j["y"]["note"] ==
              "r2, spearman are null: all 3 labelled rows have the same value (no spread to "
              "explain)");
    }
    SECTION("constant predictions: spearman null") {
        auto j = evaluate_predictions("regression", {"y"}, {1, 2, 3}, {2, 2, 2});
        CHECK(j["y"]["r2"].get<double>() == Approx(0.0).margin(1e-12));
        CHECK(j["y"]["note"] ==
              "spearman is null: the predictions of all 3 labelled rows are the same (no "
              "ranking)");
    }
    SECTION("no note when every metric is defined") {
        auto j = evaluate_predictions("regression", {"y"}, {1, 2, 3}, {1, 3, 2});
        CHECK_FALSE(j["y"].contains("note"));
        CHECK_FALSE(j["mean"].contains("note"));
    }
}

TEST_CASE(
    "metrics json: a multiclass target whose rows are all one class has null ROC-AUC "
    "and a note",
    "[pipelines][metric_notes]") {
    // Three rows, all class 1 of 3; probabilities [n x 3] row-major.
    const std::vector<double> y = {1, 1, 1};
    const std::vector<double> p = {0.2, 0.7, 0.1, 0.5, 0.3, 0.2, 0.1, 0.8, 0.1};
    auto j = evaluate_predictions("multiclass", {"loc"}, y, p, 3);
    CHECK(j["loc"]["roc_auc"].is_null());
    // Rows 0 and 2 predict class 1 (hand-checked argmax), row 1 predicts 0.
    CHECK(j["loc"]["accuracy"].get<double>() == Approx(2.0 / 3.0));
    CHECK(j["loc"]["note"] ==
          "roc_auc is null: all 3 labelled rows are one class (a ranking metric needs two)");
    CHECK_NOTHROW(nlohmann::json::parse(j.dump(), nullptr, true, false));
}
