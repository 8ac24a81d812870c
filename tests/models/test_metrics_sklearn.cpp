// Metrics against scikit-learn 1.2.1 / scipy 1.10.1 on 30 rows with many
// tied scores and three scores exactly at the 0.5 threshold. The inputs and
// the expected values were printed once by
// `/usr/bin/python3 tests/models/data/make_metric_refs.py` and pasted here.
#include <cmath>
#include <vector>

#include "tests/catch.hpp"

#include "models/metrics.hpp"

using namespace plmkit::models;

namespace {

const std::vector<double> kY = {0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1,
                                1, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1};
const std::vector<double> kScore = {0.5, 0.5, 0.5, 0.0, 0.2, 0.2, 0.6, 0.2, 0.3, 0.2,
                                    0.9, 0.8, 0.6, 0.3, 0.1, 0.1, 0.1, 1.0, 0.5, 0.4,
                                    0.8, 1.0, 1.0, 0.1, 0.7, 0.4, 1.0, 0.9, 0.2, 0.7};
const std::vector<double> kYr = {5.48,  3.66,  -0.47, -0.56, 2.44,  0.16,  -0.69, -3.34,
                                 2.61,  -0.19, -1.67, 1.93,  -0.89, 3.92,  -0.59, 2.65,
                                 -0.0,  -3.44, -0.34, -1.71, 0.36,  -1.81, 0.01,  -0.65,
                                 -0.01, -4.49, 1.12,  1.72,  -0.86, 1.1};
const std::vector<double> kPr = {5.4,  7.8,  -0.5, -0.7, 2.8,  0.1,  -1.1, -2.6, 3.3,  -0.9,
                                 -2.0, 1.1,  -0.7, 2.5,  1.4,  3.1,  -0.4, -5.7, -0.9, -0.9,
                                 0.6,  -2.2, -0.4, -2.0, -0.4, -6.1, 0.9,  1.8,  0.8,  2.7};

}  // namespace

TEST_CASE("metrics: classification equals sklearn on tied scores", "[models][metrics]") {
    CHECK(roc_auc(kY, kScore) == Approx(0.5379464285714285).epsilon(1e-12));
    // average_precision_score; the trapezoidal auc(recall, precision) is
    // 0.6494642001915709, which pr_auc is not.
    CHECK(pr_auc(kY, kScore) == Approx(0.6341528975095785).epsilon(1e-12));
    // accuracy_score / matthews_corrcoef of (score >= 0.5): 0.5 is class 1.
    CHECK(accuracy(kY, kScore) == Approx(0.5333333333333333).epsilon(1e-12));
    CHECK(mcc(kY, kScore) == Approx(0.0625).epsilon(1e-12));
}

TEST_CASE("metrics: regression equals sklearn and scipy with ties", "[models][metrics]") {
    CHECK(rmse(kYr, kPr) == Approx(1.191087738162055).epsilon(1e-12));
    CHECK(mae(kYr, kPr) == Approx(0.8183333333333334).epsilon(1e-12));
    CHECK(r2(kYr, kPr) == Approx(0.7013213296175338).epsilon(1e-12));
    CHECK(spearman(kYr, kPr) == Approx(0.8997778407461517).epsilon(1e-12));
}

TEST_CASE("metrics: constant scores and one-class targets", "[models][metrics]") {
    const std::vector<double> constant(kY.size(), 0.3);
    SECTION("constant scores: every pair tied, as sklearn") {
        CHECK(roc_auc(kY, constant) == Approx(0.5));
        CHECK(pr_auc(kY, constant) == Approx(0.5333333333333333).epsilon(1e-12));
        CHECK(mcc(kY, constant) == 0.0);
    }
    SECTION("one class only: ROC-AUC and average precision undefined") {
        const std::vector<double> ones(5, 1.0), zeros(5, 0.0),
            s(kScore.begin(), kScore.begin() + 5);
        // sklearn raises for roc_auc_score, returns -0.0 (with a warning) for
        // average_precision_score of all negatives and a trivial 1.0 for all
        // positives; plmkit says NaN (null in JSON) for each.
        CHECK(std::isnan(roc_auc(ones, s)));
        CHECK(std::isnan(roc_auc(zeros, s)));
        CHECK(std::isnan(pr_auc(zeros, s)));
        CHECK(std::isnan(pr_auc(ones, s)));
        // matthews_corrcoef gives 0.0 here too.
        CHECK(mcc(ones, s) == 0.0);
    }
}
