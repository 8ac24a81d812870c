// TrainerOptions::grad_accum and warmup_epochs. Gradient accumulation: with
// dropout off, a step on grad_accum batches of B rows equals a step on one
// batch of grad_accum x B rows (the epoch's permutation does not depend on
// the batch size, so the same rows meet in a step), with missing labels, a
// last shorter group and active clipping. The schedule: hand-computed
// rates at a few optimizer steps, fractional and no warm-up, and the
// trainer's per-epoch rate counting optimizer steps, not batches.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/trainer.hpp"
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

/// Two targets; the second is missing on about 40% of the rows (Tox21-like),
/// so that batches hold different numbers of labels.
TrainTensors masked_rows(std::int64_t n, std::uint64_t seed, bool classification) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    TrainTensors t;
    t.x = at::randn({n, 10}, gen);
    at::Tensor y1 = t.x.slice(1, 0, 3).sum(1, true) - 0.5 * t.x.slice(1, 3, 4).pow(2);
    at::Tensor y2 = t.x.slice(1, 5, 6) * 2;
    t.y = at::cat({y1, y2}, 1);
    if (classification) t.y = (t.y > 0).to(at::kFloat);
    t.mask = at::ones_like(t.y);
    t.mask.select(1, 1).copy_((at::rand({n}, gen) > 0.4).to(at::kFloat));
    return t;
}

/// An MLP without dropout, its weights from `seed` (the same for each run).
Mlp mlp_from(std::uint64_t seed) {
    at::manual_seed(seed);
    MlpOptions o;
    o.input_dim = 10;
    o.hidden = {16};
    o.output_dim = 2;
    o.dropout = 0.0;
    return Mlp(o);
}

TrainerOptions accum_options(int batch, int accum) {
    TrainerOptions o;
    o.epochs = 4;
    o.batch_size = batch;
    o.grad_accum = accum;
    o.lr = 5e-3;
    o.seed = 3;
    o.patience = 0;
    o.log_epochs = false;
    return o;
}

/// The weights after the last epoch of a run with these options (no
/// validation rows: no choice of epoch).
std::vector<at::Tensor> trained(const TrainerOptions& o, const TrainTensors& train) {
    Trainer t(mlp_from(17), o);
    t.fit(train, TrainTensors());
    std::vector<at::Tensor> out;
    for (const auto& p : t.model()->parameters())
        out.push_back(p.detach().clone());
    return out;
}

double max_abs_diff(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b) {
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        d = std::max(d, (a[i] - b[i]).abs().max().item<double>());
    return d;
}

}  // namespace

TEST_CASE("trainer: grad_accum N on batches of B equals batches of N x B",
          "[models][trainer][grad_accum]") {
    // 100 rows: batches of 32 leave a last one of 4, as groups of 16 or 8 do.
    for (const bool classification : {false, true}) {
        for (const double clip : {5.0, 0.05}) {
            INFO((classification ? "classification" : "regression") << ", clip " << clip);
            const TrainTensors train = masked_rows(100, 1, classification);
            auto opts = [&](int batch, int accum) {
                TrainerOptions o = accum_options(batch, accum);
                o.task = classification ? "classification" : "regression";
                o.clip_norm = clip;
                return o;
            };
            const auto whole = trained(opts(32, 1), train);
            const auto by_two = trained(opts(16, 2), train);
            const auto by_four = trained(opts(8, 4), train);
            CHECK(max_abs_diff(whole, by_two) < 1e-5);
            CHECK(max_abs_diff(whole, by_four) < 1e-5);
            // The control: batches of 16 with a step each train another model.
            const auto small = trained(opts(16, 1), train);
            CHECK(max_abs_diff(whole, small) > 1e-3);
        }
    }
}

TEST_CASE("trainer: grad_accum runs resume to the uninterrupted weights",
          "[models][trainer][grad_accum]") {
    const TrainTensors train = masked_rows(90, 4, false), val = masked_rows(30, 5, false);
    TrainerOptions o = accum_options(10, 3);
    o.epochs = 6;
    Trainer full(mlp_from(9), o);
    full.fit(train, val);
    const std::string ckpt = test::temp_path("trainer_accum_resume.pt");
    struct Stop {};
    {
        Trainer first(mlp_from(9), o);
        CHECK_THROWS_AS(first.fit(train, val,
                                  [&](const Trainer& t) {
                                      t.save_checkpoint(ckpt);
                                      if (t.epochs_done() == 2) throw Stop{};
                                  }),
                        Stop);
    }
    Trainer resumed(mlp_from(123), o);  // other weights, replaced by the checkpoint
    resumed.load_checkpoint(ckpt);
    resumed.fit(train, val);
    auto pf = full.model()->parameters(), pr = resumed.model()->parameters();
    for (std::size_t i = 0; i < pf.size(); ++i)
        CHECK(at::equal(pf[i], pr[i]));
}

TEST_CASE("trainer: the learning-rate schedule at hand-computed steps",
          "[models][trainer][schedule]") {
    TrainerOptions o;
    o.lr = 1e-3;
    o.epochs = 10;
    o.final_lr_fraction = 0.05;  // decays to 5e-5
    SECTION("optimizer steps per epoch") {
        o.batch_size = 16;
        CHECK(optimizer_steps_per_epoch(100, o) == 7);  // 7 batches
        o.grad_accum = 2;
        CHECK(optimizer_steps_per_epoch(100, o) == 4);  // 2+2+2+1 batches
        o.grad_accum = 3;
        CHECK(optimizer_steps_per_epoch(100, o) == 3);
        o.grad_accum = 8;
        CHECK(optimizer_steps_per_epoch(100, o) == 1);
        CHECK(optimizer_steps_per_epoch(96, o) == 1);
    }
    SECTION("two epochs of warm-up, 4 steps an epoch") {
        // warm-up over 8 steps from 1e-4: 1e-3 x (0.1 + 0.9 s / 8); then
        // 5e-5 + 0.5 x 9.5e-4 x (1 + cos(pi (s - 8) / 32)).
        o.warmup_epochs = 2;
        CHECK(scheduled_lr(o, 0, 4) == Approx(1e-4).epsilon(1e-12));
        CHECK(scheduled_lr(o, 4, 4) == Approx(5.5e-4).epsilon(1e-12));
        CHECK(scheduled_lr(o, 8, 4) == Approx(1e-3).epsilon(1e-12));
        CHECK(scheduled_lr(o, 24, 4) == Approx(5.25e-4).epsilon(1e-12));  // cos(pi/2) = 0
        CHECK(scheduled_lr(o, 40, 4) == Approx(5e-5).epsilon(1e-12));
    }
    SECTION("half an epoch of warm-up") {
        o.warmup_epochs = 0.5;  // 2 steps
        CHECK(scheduled_lr(o, 0, 4) == Approx(1e-4).epsilon(1e-12));
        CHECK(scheduled_lr(o, 1, 4) == Approx(5.5e-4).epsilon(1e-12));
        CHECK(scheduled_lr(o, 2, 4) == Approx(1e-3).epsilon(1e-12));
        CHECK(scheduled_lr(o, 21, 4) == Approx(5.25e-4).epsilon(1e-12));  // (21-2)/38 = 1/2
    }
    SECTION("no warm-up: the peak at the first step") {
        o.warmup_epochs = 0;
        CHECK(scheduled_lr(o, 0, 4) == Approx(1e-3).epsilon(1e-12));
        CHECK(scheduled_lr(o, 20, 4) == Approx(5.25e-4).epsilon(1e-12));
        CHECK(scheduled_lr(o, 40, 4) == Approx(5e-5).epsilon(1e-12));
    }
}

TEST_CASE("trainer: with grad_accum the epoch's rate counts optimizer steps",
          "[models][trainer][schedule]") {
    // 100 rows in batches of 16, 2 per step: 4 steps an epoch, warm-up over
    // 8. The rate an epoch line shows is that of its last step:
    // epoch 1: step 3, 1e-3 x (0.1 + 0.9 x 3/8) = 4.375e-4 (counting the 7
    // batches instead: step 6 of a 14-step warm-up, 4.857e-4);
    // epoch 2: step 7, 8.875e-4; epoch 6: step 23,
    // 5e-5 + 4.75e-4 x (1 + cos(15 pi / 32)) = 5.7156e-4.
    const TrainTensors train = masked_rows(100, 6, false);
    TrainerOptions o = accum_options(16, 2);
    o.lr = 1e-3;
    o.epochs = 10;
    o.warmup_epochs = 2;
    Trainer t(mlp_from(5), o);
    t.fit(train, TrainTensors());
    const auto& h = t.history();
    REQUIRE(h.size() == 10);
    CHECK(h[0].lr == Approx(4.375e-4).epsilon(1e-9));
    CHECK(h[1].lr == Approx(8.875e-4).epsilon(1e-9));
    CHECK(h[5].lr == Approx(5.7155814e-4).epsilon(1e-6));
    CHECK(h[9].lr == Approx(5.2287255e-5).epsilon(1e-6));  // step 39, one before the end
}

TEST_CASE("trainer: grad_accum and warmup_epochs out of range are usage errors",
          "[models][trainer][grad_accum]") {
    TrainerOptions o = accum_options(8, 0);
    CHECK_THROWS_WITH(Trainer(mlp_from(1), o), "--grad-accum must be >= 1, got 0");
    o.grad_accum = 1;
    o.warmup_epochs = -0.5;
    CHECK_THROWS_WITH(Trainer(mlp_from(1), o),
                      "--warmup-epochs must be a number of epochs >= 0 (0 = no warm-up), got -0.5");
    o.warmup_epochs = std::nan("");
    CHECK_THROWS_AS(Trainer(mlp_from(1), o), UsageError);
}
