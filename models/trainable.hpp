#pragma once
// What models::Trainer optimizes: a model mapping rows of a dataset to
// outputs [rows, T] (standardized regression values or classification
// logits). Three kinds exist: an MLP head on fixed features (MlpTrainable,
// rows of TrainTensors::x), a sequence encoder with a head trained end to
// end on token ids (models/encoder_head.hpp, rows of TrainTensors::tokens)
// and a message-passing network on molecular graphs (models/dmpnn.hpp,
// rows of TrainTensors::graphs).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <ATen/ATen.h>

#include "models/mlp.hpp"
#include "models/mol_graph.hpp"

namespace plmkit::models {

/// Features [N, F] float (feature models) or token ids per row (sequence
/// models); targets [N, T] float (standardized for regression, 0/1 for
/// classification); mask [N, T] float (1 = present); molecular graphs per
/// row (message-passing models).
struct TrainTensors {
    at::Tensor x, y, mask;
    std::shared_ptr<const std::vector<std::vector<std::int32_t>>> tokens;
    std::shared_ptr<const std::vector<MolGraph>> graphs;
    std::int64_t size() const { return y.defined() ? y.size(0) : 0; }
};

class Trainable {
  public:
    virtual ~Trainable() = default;
    /// Outputs [rows.numel(), T] for these row indices of `data`, in the
    /// current train/eval mode (dropout only in training).
    virtual at::Tensor forward(const TrainTensors& data, const at::Tensor& rows) = 0;
    /// The parameters the optimizer updates (and checkpoints hold).
    virtual std::vector<at::Tensor> parameters() = 0;
    /// How many of parameters(), from the front, are an encoder's (their
    /// peak learning rate is TrainerOptions::encoder_lr); 0 for models
    /// without one.
    virtual std::size_t encoder_parameter_count() { return 0; }
    virtual void train(bool on) = 0;
    /// Rows per forward pass outside training (memory bound of inference).
    virtual std::int64_t eval_rows() const { return 8192; }
};

/// An MLP head on fixed features.
class MlpTrainable final : public Trainable {
  public:
    explicit MlpTrainable(Mlp mlp) : mlp_(std::move(mlp)) {}
    at::Tensor forward(const TrainTensors& data, const at::Tensor& rows) override {
        return mlp_->forward(data.x.index_select(0, rows));
    }
    std::vector<at::Tensor> parameters() override { return mlp_->parameters(); }
    void train(bool on) override { mlp_->train(on); }
    Mlp mlp() const { return mlp_; }

  private:
    Mlp mlp_;
};

}  // namespace plmkit::models
