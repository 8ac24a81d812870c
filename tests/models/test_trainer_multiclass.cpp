// The training loop with --task multiclass: softmax cross-entropy over K
// outputs (checked against the logits by hand), masked rows left out, a
// separable three-class problem learned, selection on the validation
// cross-entropy, and class indices outside the outputs refused.
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "models/trainer.hpp"
#include "tests/catch.hpp"

#include "src/error.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

/// Three clusters in 4 dimensions: class c centred at 3 on axis c.
TrainTensors clusters(std::int64_t n, std::uint64_t seed) {
    at::Generator gen = at::detail::createCPUGenerator(seed);
    TrainTensors t;
    t.x = at::randn({n, 4}, gen) * 0.7;
    t.y = at::zeros({n, 1});
    for (std::int64_t i = 0; i < n; ++i) {
        const std::int64_t c = i % 3;
        t.x[i][c] += 3.0;
        t.y[i][0] = static_cast<float>(c);
    }
    t.mask = at::ones_like(t.y);
    return t;
}

Mlp mlp3() {
    MlpOptions o;
    o.input_dim = 4;
    o.hidden = {16};
    o.output_dim = 3;
    o.dropout = 0.0;
    return Mlp(o);
}

TrainerOptions multiclass(int epochs) {
    TrainerOptions o;
    o.task = "multiclass";
    o.epochs = epochs;
    o.batch_size = 16;
    o.lr = 1e-2;
    o.seed = 3;
    o.log_epochs = false;
    return o;
}

/// -mean ln softmax(z)[y] over the rows with mask 1, from the MLP's logits.
double hand_cross_entropy(const Mlp& mlp, const TrainTensors& t) {
    at::Tensor z = mlp->infer(t.x).to(at::kDouble);
    double sum = 0, n = 0;
    for (std::int64_t i = 0; i < t.size(); ++i) {
        if (t.mask[i][0].item<float>() < 0.5f) continue;
        double denom = 0;
        for (std::int64_t c = 0; c < 3; ++c)
            denom += std::exp(z[i][c].item<double>());
        const auto y = static_cast<std::int64_t>(t.y[i][0].item<float>());
        sum -= std::log(std::exp(z[i][y].item<double>()) / denom);
        n += 1;
    }
    return sum / n;
}

}  // namespace

TEST_CASE("trainer multiclass: the loss is the softmax cross-entropy of the labelled rows",
          "[models][trainer][multiclass]") {
    at::manual_seed(2);
    Mlp mlp = mlp3();
    Trainer trainer(mlp, multiclass(1));
    TrainTensors t = clusters(30, 5);
    CHECK(trainer.loss(t) == Approx(hand_cross_entropy(mlp, t)).epsilon(1e-5));
    SECTION("a masked row does not count, whatever its label") {
        t.mask[4][0] = 0.f;
        t.y[4][0] = 0.f;
        const double masked = trainer.loss(t);
        t.y[4][0] = 2.f;
        CHECK(trainer.loss(t) == Approx(masked).epsilon(1e-6));
        CHECK(masked == Approx(hand_cross_entropy(mlp, t)).epsilon(1e-5));
    }
    SECTION("predict gives probabilities over the classes") {
        at::Tensor p = trainer.predict(t);
        REQUIRE(p.size(1) == 3);
        CHECK(at::allclose(p.sum(1), at::ones({30}), 1e-5, 1e-5));
    }
}

TEST_CASE("trainer multiclass: learns three clusters, selected on validation cross-entropy",
          "[models][trainer][multiclass]") {
    at::manual_seed(1);
    auto train = clusters(150, 1), val = clusters(60, 2);
    Trainer trainer(mlp3(), multiclass(30));
    trainer.fit(train, val);
    const auto& h = trainer.history();
    REQUIRE(h.size() >= 5);
    CHECK(h.back().train_loss < 0.5 * h.front().train_loss);
    // The selection metric is the validation cross-entropy (lower is better):
    // the best epoch has the smallest val_metric of the history.
    double lowest = h.front().val_metric;
    int at_epoch = 1;
    for (const auto& r : h)
        if (r.val_metric < lowest) {
            lowest = r.val_metric;
            at_epoch = r.epoch;
        }
    CHECK(trainer.best_epoch() == at_epoch);
    CHECK(trainer.best_metric() == Approx(lowest));
    CHECK(h[at_epoch - 1].val_metric == Approx(h[at_epoch - 1].val_loss).epsilon(1e-5));
    // Accuracy on the validation rows after training.
    at::Tensor pred = trainer.predict(val).argmax(1);
    const double accuracy =
        (pred == val.y.select(1, 0).to(at::kLong)).to(at::kDouble).mean().item<double>();
    CHECK(accuracy > 0.9);
}

TEST_CASE("trainer multiclass: a class index outside the outputs is an error",
          "[models][trainer][multiclass]") {
    auto train = clusters(12, 1), val = clusters(6, 2);
    val.y[1][0] = 3.f;  // the model has 3 outputs: classes 0..2
    Trainer trainer(mlp3(), multiclass(1));
    CHECK_THROWS_WITH(trainer.fit(train, val), Catch::Contains("outside 0..2"));
}

namespace {

/// The clusters' class (3 classes, outputs 0..2) and a second target of 2
/// classes (outputs 3..4): whether feature 3 is above 0, with every 5th
/// row's second label and every 7th row's first label missing.
TrainTensors two_targets(std::int64_t n, std::uint64_t seed) {
    TrainTensors t = clusters(n, seed);
    at::Tensor second = (t.x.select(1, 3) > 0).to(at::kFloat).unsqueeze(1);
    t.y = at::cat({t.y, second}, 1);
    t.mask = at::ones_like(t.y);
    for (std::int64_t i = 0; i < n; ++i) {
        if (i % 5 == 0) t.mask[i][1] = 0.f;
        if (i % 7 == 0) t.mask[i][0] = 0.f;
    }
    return t;
}

Mlp mlp5() {
    MlpOptions o;
    o.input_dim = 4;
    o.hidden = {16};
    o.output_dim = 5;
    o.dropout = 0.0;
    return Mlp(o);
}

/// By hand: the mean over the labelled (row, target) cells of
/// -ln softmax(target's logits)[label], each target's own softmax.
double hand_two_target_loss(const Mlp& mlp, const TrainTensors& t) {
    at::Tensor z = mlp->infer(t.x).to(at::kDouble);
    const std::int64_t begin[2] = {0, 3}, count[2] = {3, 2};
    double sum = 0, n = 0;
    for (std::int64_t i = 0; i < t.size(); ++i)
        for (int j = 0; j < 2; ++j) {
            if (t.mask[i][j].item<float>() < 0.5f) continue;
            double denom = 0;
            for (std::int64_t c = 0; c < count[j]; ++c)
                denom += std::exp(z[i][begin[j] + c].item<double>());
            const auto y = static_cast<std::int64_t>(t.y[i][j].item<float>());
            sum -= z[i][begin[j] + y].item<double>() - std::log(denom);
            n += 1;
        }
    return sum / n;
}

}  // namespace

TEST_CASE("trainer multiclass two targets: a softmax per target, missing labels masked",
          "[models][trainer][multiclass]") {
    at::manual_seed(6);
    Mlp mlp = mlp5();
    TrainerOptions o = multiclass(1);
    o.class_counts = {3, 2};
    Trainer trainer(mlp, o);
    TrainTensors t = two_targets(35, 4);
    CHECK(trainer.loss(t) == Approx(hand_two_target_loss(mlp, t)).epsilon(1e-5));
    SECTION("a masked label does not count, whatever it holds") {
        const double before = trainer.loss(t);
        t.y[5][1] = 1.f - t.y[5][1];  // row 5's second label is masked
        t.y[7][0] = 2.f;              // row 7's first label is masked
        CHECK(trainer.loss(t) == Approx(before).epsilon(1e-6));
    }
    SECTION("predict: each target's probabilities sum to 1") {
        at::Tensor p = trainer.predict(t);
        REQUIRE(p.size(1) == 5);
        CHECK(at::allclose(p.slice(1, 0, 3).sum(1), at::ones({35}), 1e-5, 1e-5));
        CHECK(at::allclose(p.slice(1, 3, 5).sum(1), at::ones({35}), 1e-5, 1e-5));
    }
    SECTION("learns both targets") {
        at::manual_seed(1);
        auto train = two_targets(200, 1), val = two_targets(80, 2);
        TrainerOptions lo = multiclass(40);
        lo.class_counts = {3, 2};
        Trainer learner(mlp5(), lo);
        learner.fit(train, val);
        at::Tensor p = learner.predict(val);
        for (int j = 0; j < 2; ++j) {
            const at::Tensor pj = j == 0 ? p.slice(1, 0, 3) : p.slice(1, 3, 5);
            const at::Tensor labelled = val.mask.select(1, j) > 0.5;
            const at::Tensor right =
                (pj.argmax(1) == val.y.select(1, j).to(at::kLong)).masked_select(labelled);
            INFO("target " << j);
            CHECK(right.to(at::kDouble).mean().item<double>() > 0.85);
        }
        // The selection metric is the mean of the two targets' cross-entropies.
        const auto& h = learner.history();
        CHECK(learner.best_metric() == Approx(h[learner.best_epoch() - 1].val_metric));
    }
    SECTION("a class index outside its target's classes is an error") {
        auto train = two_targets(12, 1), val = two_targets(6, 2);
        val.y[1][1] = 2.f;  // the second target has classes 0..1
        Trainer bad(mlp5(), o);
        CHECK_THROWS_WITH(bad.fit(train, val), Catch::Contains("outside 0..1"));
    }
}
