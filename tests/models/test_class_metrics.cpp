// Multi-class metrics (models/class_metrics.hpp) against hand-computed
// values (each case spells out the arithmetic) and scikit-learn's. The
// sklearn figures were computed once with Debian's /usr/bin/python3
// (scikit-learn 1.2.1, numpy 1.24.2):
//   y = [0,1,2,2,1,0,2,1]; P = the 8 x 3 rows of kProb below
//   accuracy_score(y, P.argmax(1))                       -> 0.75
//   f1_score(y, P.argmax(1), average="macro")            -> 0.7555555555555555
//   log_loss(y, P, labels=[0,1,2])                       -> 0.7758299910966269
//   roc_auc_score(y, P, multi_class="ovr", average="macro",
//                 labels=[0,1,2])                        -> 0.8944444444444445
// and for the 4-class case (class 3 never true, predicted once):
//   f1_score(y2, P2.argmax(1), average="macro")          -> 0.5416666666666666
//   log_loss(y2, P2, labels=[0,1,2,3])                   -> 0.874811693004941
//   mean of roc_auc_score(y2 == c, P2[:, c]), c = 0..2   -> 0.9444444444444445
#include <cmath>
#include <vector>

#include "tests/catch.hpp"

#include "models/class_metrics.hpp"
#include "src/error.hpp"

using namespace plmkit::models;

namespace {

const std::vector<double> kY = {0, 1, 2, 2, 1, 0, 2, 1};
const std::vector<double> kProb = {0.7, 0.2, 0.1, 0.3, 0.4,  0.3,  0.2, 0.5, 0.3, 0.1,  0.1, 0.8,
                                   0.6, 0.3, 0.1, 0.5, 0.25, 0.25, 0.3, 0.3, 0.4, 0.25, 0.5, 0.25};

}  // namespace

TEST_CASE("class metrics: hand-computed three-class case", "[models][class_metrics]") {
    // Predicted (argmax): 0 1 1 2 0 0 2 1 against 0 1 2 2 1 0 2 1: rows 2
    // and 4 wrong, accuracy 6/8.
    CHECK(class_accuracy(kY, kProb, 3) == Approx(0.75));
    // F1 per class = 2TP / (2TP + FP + FN): class 0 TP 2, FP 1 (row 4) ->
    // 4/5; class 1 TP 2, FP 1 (row 2), FN 1 (row 4) -> 4/6; class 2 TP 2,
    // FN 1 (row 2) -> 4/5; macro = (0.8 + 2/3 + 0.8) / 3.
    CHECK(macro_f1(kY, kProb, 3) == Approx((0.8 + 2.0 / 3.0 + 0.8) / 3.0));
    // -mean ln p(true): the true classes' probabilities.
    const double ce = -(std::log(0.7) + std::log(0.4) + std::log(0.3) + std::log(0.8) +
                        std::log(0.3) + std::log(0.5) + std::log(0.4) + std::log(0.5)) /
                      8.0;
    CHECK(log_loss(kY, kProb, 3) == Approx(ce));
}

TEST_CASE("class metrics: equal to scikit-learn's", "[models][class_metrics]") {
    const auto m = multiclass_metrics(kY, kProb, 3);
    CHECK(m.at("accuracy") == Approx(0.75).epsilon(1e-12));
    CHECK(m.at("macro_f1") == Approx(0.7555555555555555).epsilon(1e-12));
    CHECK(m.at("cross_entropy") == Approx(0.7758299910966269).epsilon(1e-12));
    CHECK(m.at("roc_auc") == Approx(0.8944444444444445).epsilon(1e-12));
    SECTION("a class never true is in macro-F1 when predicted, not in the ROC-AUC mean") {
        const std::vector<double> y2 = {0, 1, 2, 0, 1};
        const std::vector<double> p2 = {0.6, 0.1, 0.1, 0.2, 0.1, 0.2, 0.1, 0.6, 0.1, 0.1,
                                        0.7, 0.1, 0.3, 0.4, 0.2, 0.1, 0.2, 0.5, 0.2, 0.1};
        const auto m2 = multiclass_metrics(y2, p2, 4);
        CHECK(m2.at("accuracy") == Approx(0.6));
        CHECK(m2.at("macro_f1") == Approx(0.5416666666666666).epsilon(1e-12));
        CHECK(m2.at("cross_entropy") == Approx(0.874811693004941).epsilon(1e-12));
        CHECK(m2.at("roc_auc") == Approx(0.9444444444444445).epsilon(1e-12));
    }
}

TEST_CASE("class metrics: missing labels, ties, clipping, bad input", "[models][class_metrics]") {
    SECTION("rows with a NaN label or NaN probabilities are skipped") {
        std::vector<double> y = kY, p = kProb;
        y.push_back(std::nan(""));
        p.insert(p.end(), {0.0, 0.0, 1.0});
        y.push_back(0);
        p.insert(p.end(), {std::nan(""), 0.5, 0.5});
        const auto m = multiclass_metrics(y, p, 3);
        CHECK(m.at("accuracy") == Approx(0.75));
        CHECK(m.at("cross_entropy") == Approx(0.7758299910966269));
    }
    SECTION("a tie goes to the first class, as numpy's argmax") {
        const double row[] = {0.4, 0.4, 0.2};
        CHECK(predicted_class(row, 3) == 0);
        CHECK(class_accuracy({1}, {0.4, 0.4, 0.2}, 3) == 0.0);
    }
    SECTION("a probability of 0 for the true class is clipped at 1e-15") {
        CHECK(log_loss({0}, {0.0, 1.0}, 2) == Approx(-std::log(1e-15)));
    }
    SECTION("no rows: NaN") {
        CHECK(std::isnan(multiclass_metrics({}, {}, 3).at("accuracy")));
    }
    SECTION("a shape or label that does not fit is an error") {
        CHECK_THROWS_AS(multiclass_metrics({0, 1}, {0.5, 0.5}, 2), plmkit::Error);
        CHECK_THROWS_AS(class_accuracy({3}, {0.5, 0.5}, 2), plmkit::Error);
    }
    SECTION("softmax of logits sums to 1 and keeps their order") {
        const float logits[] = {1000.f, 999.f, 0.f};  // no overflow
        double prob[3];
        softmax(logits, 3, prob);
        CHECK(prob[0] == Approx(1.0 / (1.0 + std::exp(-1.0))).epsilon(1e-9));
        CHECK(prob[1] == Approx(std::exp(-1.0) / (1.0 + std::exp(-1.0))).epsilon(1e-9));
        CHECK(prob[2] == Approx(0.0).margin(1e-300));
    }
}

TEST_CASE("class metrics: a probability count that does not match is an error",
          "[models][class_metrics]") {
    // One label with three classes needs three probabilities.
    CHECK_THROWS_WITH(multiclass_metrics({0}, {0.5, 0.5}, 3),
                      Catch::Contains("multiclass_metrics: 1 label needs 3 probabilities, got 2"));
    CHECK_THROWS_WITH(multiclass_metrics({0, 1}, {0.5, 0.5}, 3),
                      Catch::Contains("2 labels need 6 probabilities, got 2"));
}
