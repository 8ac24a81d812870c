// The training loop on synthetic data: loss goes down, the model beats the
// mean predictor on held-out rows, masked targets are ignored, and a run
// resumed from a checkpoint ends with the same weights as an uninterrupted
// run with the same seed.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include "models/trainer.hpp"
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

TrainTensors synthetic(std::int64_t n, std::uint64_t seed, bool classification = false) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    TrainTensors t;
    t.x = at::randn({n, 10}, gen);
    at::Tensor y = t.x.slice(1, 0, 3).sum(1, true) - 0.5 * t.x.slice(1, 3, 4).pow(2);
    at::Tensor y2 = t.x.slice(1, 5, 6) * 2;
    t.y = at::cat({y, y2}, 1);
    if (classification) t.y = (t.y > 0).to(at::kFloat);
    t.mask = at::ones_like(t.y);
    return t;
}

Mlp small_mlp() {
    MlpOptions o;
    o.input_dim = 10;
    o.hidden = {32};
    o.output_dim = 2;
    o.dropout = 0.1;
    return Mlp(o);
}

TrainerOptions options(int epochs) {
    TrainerOptions o;
    o.epochs = epochs;
    o.batch_size = 32;
    o.lr = 3e-3;
    o.seed = 7;
    o.log_epochs = false;
    return o;
}

}  // namespace

TEST_CASE("trainer: regression loss goes down and beats the mean predictor", "[models][trainer]") {
    at::manual_seed(1);
    auto train = synthetic(400, 1), val = synthetic(100, 2), test = synthetic(100, 3);
    Trainer trainer(small_mlp(), options(40));
    trainer.fit(train, val);
    const auto& h = trainer.history();
    REQUIRE(h.size() >= 5);
    CHECK(h.back().train_loss < 0.5 * h.front().train_loss);
    CHECK(trainer.best_epoch() >= 1);
    double rmse_model = trainer.metric(test);
    // Mean predictor in the same units: per-target RMSE around the train mean.
    at::Tensor mean = train.y.mean(0, true);
    double rmse_mean = ((test.y - mean).pow(2).mean(0).sqrt()).mean().item<double>();
    CHECK(rmse_model < 0.5 * rmse_mean);
    SECTION("the model holds the best epoch's weights") {
        CHECK(trainer.metric(val) == Approx(trainer.best_metric()).epsilon(1e-5));
    }
}

TEST_CASE("trainer: classification with class weights reaches a high ROC-AUC",
          "[models][trainer]") {
    at::manual_seed(2);
    auto train = synthetic(400, 4, true), val = synthetic(100, 5, true);
    TrainerOptions o = options(30);
    o.task = "classification";
    Trainer trainer(small_mlp(), o);
    trainer.fit(train, val);
    CHECK(trainer.metric(val) > 0.9);
    at::Tensor p = trainer.predict(val.x);
    CHECK(p.min().item<double>() >= 0.0);
    CHECK(p.max().item<double>() <= 1.0);
}

TEST_CASE("trainer: masked targets do not move the loss", "[models][trainer]") {
    at::manual_seed(3);
    auto data = synthetic(50, 6);
    Trainer trainer(small_mlp(), options(1));
    double before = trainer.loss(data);
    // Garbage in the second target, masked out: the loss only sees target 1.
    TrainTensors masked = data;
    masked.y = data.y.clone();
    masked.mask = data.mask.clone();
    masked.y.select(1, 1).fill_(1e6);
    masked.mask.select(1, 1).fill_(0);
    TrainTensors first = data;
    first.mask = masked.mask;
    CHECK(trainer.loss(masked) == Approx(trainer.loss(first)));
    CHECK(std::isfinite(before));
}

TEST_CASE("trainer: resume from a checkpoint equals an uninterrupted run", "[models][trainer]") {
    auto train = synthetic(200, 8), val = synthetic(50, 9);
    at::manual_seed(11);
    Mlp a = small_mlp();
    Mlp b = small_mlp();
    {
        at::NoGradGuard g;
        auto pa = a->parameters(), pb = b->parameters();
        for (std::size_t i = 0; i < pa.size(); ++i)
            pb[i].copy_(pa[i]);
    }
    Trainer full(a, options(8));
    full.fit(train, val);

    std::string ckpt = test::temp_path("trainer_resume.pt");
    struct Stop {};
    {
        Trainer first(b, options(8));
        CHECK_THROWS_AS(first.fit(train, val,
                                  [&](const Trainer& t) {
                                      t.save_checkpoint(ckpt);
                                      if (t.epochs_done() == 3) throw Stop{};
                                  }),
                        Stop);
    }
    MlpOptions o = a->options();
    Mlp c(o);  // fresh random weights, replaced by the checkpoint
    Trainer resumed(c, options(8));
    resumed.load_checkpoint(ckpt);
    CHECK(resumed.epochs_done() == 3);
    resumed.fit(train, val);
    CHECK(resumed.epochs_done() == 8);
    REQUIRE(resumed.history().size() == full.history().size());
    CHECK(resumed.history().back().train_loss == full.history().back().train_loss);
    auto pf = full.model()->parameters(), pr = resumed.model()->parameters();
    for (std::size_t i = 0; i < pf.size(); ++i)
        CHECK(at::equal(pf[i], pr[i]));
    SECTION("a checkpoint of another architecture is a ModelError") {
        MlpOptions other = o;
        other.hidden = {16};
        Trainer wrong(Mlp(other), options(8));
        CHECK_THROWS_AS(wrong.load_checkpoint(ckpt), ModelError);
    }
}

TEST_CASE("trainer: the shown validation RMSE is in target units; selection is unchanged",
          "[models][trainer]") {
    at::manual_seed(3);
    auto train = synthetic(200, 4), val = synthetic(60, 5);
    TrainerOptions o = options(3);
    o.target_scale = {2.5, 0.4};  // the targets' training standard deviations
    Trainer trainer(small_mlp(), o);
    trainer.fit(train, val);
    // Per-target RMSE of the predictions, computed here on the raw tensors.
    at::Tensor pred = trainer.predict(val);
    std::vector<double> rmse;
    for (std::int64_t j = 0; j < 2; ++j)
        rmse.push_back(
            std::sqrt((pred.select(1, j) - val.y.select(1, j)).pow(2).mean().item<double>()));
    // Shown: the mean over targets of each RMSE in its own units.
    CHECK(trainer.shown_metric(val) == Approx((rmse[0] * 2.5 + rmse[1] * 0.4) / 2).epsilon(1e-5));
    // Selection (and early stopping): the mean standardized RMSE, as before.
    CHECK(trainer.metric(val) == Approx((rmse[0] + rmse[1]) / 2).epsilon(1e-5));
    // The best epoch's shown value survives a checkpoint.
    const std::string ckpt = test::temp_path("shown.pt");
    trainer.save_checkpoint(ckpt);
    Trainer again(small_mlp(), o);
    again.load_checkpoint(ckpt);
    CHECK(again.best_epoch() == trainer.best_epoch());
    CHECK_FALSE(std::isnan(trainer.best_shown_metric()));
    CHECK(again.best_shown_metric() == trainer.best_shown_metric());

    // Classification is shown as computed (ROC-AUC has no units).
    auto ctrain = synthetic(200, 6, true), cval = synthetic(60, 7, true);
    TrainerOptions co = options(2);
    co.task = "classification";
    co.target_scale = {2.5, 0.4};
    Trainer classifier(small_mlp(), co);
    classifier.fit(ctrain, cval);
    CHECK(classifier.shown_metric(cval) == Approx(classifier.metric(cval)));
}

TEST_CASE("trainer: a diverging run is refused, or stopped at its last finite best epoch",
          "[models][trainer]") {
    auto train = synthetic(200, 12), val = synthetic(50, 13);
    SECTION("diverged from the first epoch: no model to keep") {
        // It used to run every epoch on NaN, keep NaN weights as the "best"
        // epoch 1 and let train write a model that predict calls damaged.
        at::manual_seed(3);
        TrainerOptions o = options(4);
        o.lr = 1e12;
        Trainer t(small_mlp(), o);
        CHECK_THROWS_AS(t.fit(train, val), UsageError);
        CHECK_THROWS_WITH(t.fit(train, val), Catch::Contains("training diverged") &&
                                                 Catch::Contains("a lower --lr than 1e+12"));
    }
    for (const bool with_val : {true, false}) {
        DYNAMIC_SECTION("NaN weights after epoch 3, validation rows: " << with_val) {
            at::manual_seed(4);
            Trainer t(small_mlp(), options(8));
            t.fit(train, with_val ? val : TrainTensors{}, [](const Trainer& tr) {
                if (tr.epochs_done() != 3) return;
                at::NoGradGuard g;
                tr.trainable()->parameters()[0].fill_(std::nan(""));
            });
            CHECK(t.epochs_done() == 4);  // epoch 4 saw the NaN and stopped
            CHECK(t.stopped_early());
            CHECK(t.best_epoch() <= 3);
            if (!with_val) CHECK(t.best_epoch() == 3);  // the last finite epoch
            for (const auto& p : t.trainable()->parameters())
                CHECK(at::isfinite(p).all().item<bool>());
            CHECK(std::isfinite(t.metric(val)));
        }
    }
}

TEST_CASE("trainer: positive weights are negatives / positives per target, clamped",
          "[models][trainer]") {
    // Four targets over 200 rows, counted by hand: 20 of 200 positive (180 /
    // 20 = 9); 1 of 200 (199, clamped to 50); 150 of 200 (50 / 150 = 1/3);
    // all 200 positive (0, clamped to 0.05).
    TrainTensors t;
    t.y = at::zeros({200, 4}, at::kFloat);
    t.y.slice(0, 0, 20).select(1, 0).fill_(1);
    t.y.slice(0, 0, 1).select(1, 1).fill_(1);
    t.y.slice(0, 0, 150).select(1, 2).fill_(1);
    t.y.select(1, 3).fill_(1);
    t.mask = at::ones_like(t.y);
    at::Tensor w = positive_weights(t, true);
    REQUIRE(w.numel() == 4);
    CHECK(w[0].item<double>() == Approx(9.0));
    CHECK(w[1].item<double>() == Approx(50.0));
    CHECK(w[2].item<double>() == Approx(1.0 / 3));
    CHECK(w[3].item<double>() == Approx(0.05));
    SECTION("masked rows do not count") {
        // Masking 100 of target 0's negatives: 80 / 20 = 4.
        t.mask.slice(0, 100, 200).select(1, 0).fill_(0);
        CHECK(positive_weights(t, true)[0].item<double>() == Approx(4.0));
    }
    SECTION("without balancing every weight is 1") {
        at::Tensor ones = positive_weights(t, false);
        for (std::int64_t j = 0; j < 4; ++j)
            CHECK(ones[j].item<double>() == 1.0);
    }
}

TEST_CASE("trainer: balanced class weights raise the mean probability, none keeps the base rate",
          "[models][trainer]") {
    // 1000 rows, 100 positive (10%): feature 0 is N(1.5, 1) for positives and
    // N(0, 1) for negatives, so the classes overlap. Unweighted log loss with
    // an output bias is calibrated in-sample: at its minimum, d/d(bias) =
    // sum(p - y) = 0, so the mean prediction over the training rows is the
    // positive fraction, 0.10; the tolerance (0.03) covers the distance from
    // that minimum after 60 epochs and AdamW's small decay of the bias.
    // Weighting positives by 9 moves the minimum to sum over negatives of p =
    // 9 * sum over positives of (1 - p): with this overlap many negatives sit
    // well above 0.1, and the mean is far above the base rate. scikit-learn's
    // LogisticRegression (C=1e6) on five draws of this set: mean 0.100
    // unweighted, 0.32-0.36 with class_weight {0: 1, 1: 9}.
    at::Generator gen = at::detail::createCPUGenerator(11);
    TrainTensors train;
    train.x = at::randn({1000, 2}, gen);
    train.y = at::zeros({1000, 1}, at::kFloat);
    train.y.slice(0, 0, 100).fill_(1);
    train.x.slice(0, 0, 100).select(1, 0).add_(1.5);
    train.mask = at::ones_like(train.y);
    const TrainTensors no_valid;  // no validation rows: each run keeps its last epoch
    auto mean_prediction = [&](bool balanced) {
        at::manual_seed(5);
        MlpOptions mo;
        mo.input_dim = 2;
        mo.hidden = {16};
        mo.output_dim = 1;
        mo.dropout = 0;
        TrainerOptions o = options(60);
        o.task = "classification";
        o.batch_size = 100;
        o.balance_classes = balanced;
        Trainer trainer(Mlp(mo), o);
        trainer.fit(train, no_valid);
        return trainer.predict(train.x).mean().item<double>();
    };
    const double none = mean_prediction(false), balanced = mean_prediction(true);
    CAPTURE(none, balanced);
    CHECK(none == Approx(0.10).margin(0.03));
    CHECK(balanced > 0.25);
}
