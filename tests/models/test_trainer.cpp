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
