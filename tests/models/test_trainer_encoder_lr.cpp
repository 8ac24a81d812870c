// TrainerOptions::encoder_lr: an encoder's parameters (the first
// Trainable::encoder_parameter_count() of parameters()) get their own peak
// learning rate. Checked on AdamW's first step, whose size is known by hand:
// with m and v started at 0, the bias-corrected update is
// lr * g / (|g| + eps), i.e. lr per element (weight decay 0, no clipping),
// and the first step's rate is 0.1 x the peak (the warm-up starts at lr/10).
#include <ATen/CPUGeneratorImpl.h>

#include <memory>
#include <vector>

#include "models/trainer.hpp"
#include "tests/catch.hpp"

using namespace plmkit::models;

namespace {

/// x -> x W_e W_h: W_e stands for an encoder, W_h for its head.
class TwoPart final : public Trainable {
  public:
    TwoPart() {
        at::Generator gen = at::detail::createCPUGenerator(11);
        we_ = at::randn({6, 4}, gen).set_requires_grad(true);
        wh_ = at::randn({4, 1}, gen).set_requires_grad(true);
    }
    at::Tensor forward(const TrainTensors& d, const at::Tensor& rows) override {
        return d.x.index_select(0, rows).matmul(we_).matmul(wh_);
    }
    std::vector<at::Tensor> parameters() override { return {we_, wh_}; }
    std::size_t encoder_parameter_count() override { return 1; }
    void train(bool) override {}
    at::Tensor we_, wh_;
};

TrainTensors rows(std::int64_t n) {
    at::Generator gen = at::detail::createCPUGenerator(5);
    TrainTensors t;
    t.x = at::randn({n, 6}, gen);
    t.y = at::randn({n, 1}, gen);
    t.mask = at::ones_like(t.y);
    return t;
}

/// The absolute change of every element of `after - before`, as doubles.
std::vector<double> steps(const at::Tensor& before, const at::Tensor& after) {
    at::Tensor d = (after.detach() - before).abs().to(at::kDouble).contiguous().view(-1);
    return std::vector<double>(d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
}

/// One AdamW step (one epoch of one batch); the steps of W_e and W_h.
std::pair<std::vector<double>, std::vector<double>> first_step(double lr, double encoder_lr) {
    auto model = std::make_shared<TwoPart>();
    const at::Tensor we = model->we_.detach().clone(), wh = model->wh_.detach().clone();
    TrainerOptions o;
    o.epochs = 1;
    o.batch_size = 16;
    o.lr = lr;
    o.encoder_lr = encoder_lr;
    o.weight_decay = 0;
    o.clip_norm = 0;
    o.log_epochs = false;
    Trainer trainer(model, o);
    const TrainTensors data = rows(16);
    trainer.fit(data, data);
    return {steps(we, model->we_), steps(wh, model->wh_)};
}

/// Each step is `expected` up to the float32 rounding of the updated
/// weight (half an ulp: under 2.4e-7 for the |w| < 4 of these randn weights),
/// far from the 100x of the other group's rate.
void check_all_near(const std::vector<double>& values, double expected) {
    for (double v : values) {
        INFO("expected " << expected);
        CHECK(v == Approx(expected).epsilon(1e-3).margin(2.5e-7));
    }
}

}  // namespace

TEST_CASE("trainer: encoder_lr sets the peak learning rate of the encoder's parameters",
          "[models][trainer]") {
    SECTION("an encoder rate of its own: W_e moves 0.1 x 1e-4, W_h 0.1 x 1e-2") {
        auto [enc, head] = first_step(1e-2, 1e-4);
        check_all_near(enc, 1e-5);
        check_all_near(head, 1e-3);
    }
    SECTION("encoder_lr 0 (the default): both at --lr") {
        auto [enc, head] = first_step(1e-2, 0);
        check_all_near(enc, 1e-3);
        check_all_near(head, 1e-3);
    }
    SECTION("encoder_lr equal to lr: as without it") {
        auto [enc, head] = first_step(1e-2, 1e-2);
        check_all_near(enc, 1e-3);
        check_all_near(head, 1e-3);
    }
}
