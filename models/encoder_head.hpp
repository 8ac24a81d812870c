#pragma once
// A sequence encoder with an MLP property head on its pooled output, trained
// end to end by models::Trainer (rows of TrainTensors::tokens).
#include <memory>

#include "models/sequence_encoder.hpp"
#include "models/trainable.hpp"

namespace plmkit::models {

class EncoderHead final : public Trainable {
  public:
    EncoderHead(std::shared_ptr<SequenceEncoder> encoder, Mlp head);
    at::Tensor forward(const TrainTensors& data, const at::Tensor& rows) override;
    std::vector<at::Tensor> parameters() override;
    /// The encoder's trainable tensors come first in parameters().
    std::size_t encoder_parameter_count() override;
    void train(bool on) override;
    std::int64_t eval_rows() const override { return 64; }

    const std::shared_ptr<SequenceEncoder>& encoder() const { return encoder_; }
    Mlp head() const { return head_; }

  private:
    std::shared_ptr<SequenceEncoder> encoder_;
    Mlp head_;
};

/// Pads token id rows into a [B, T] int64 tensor on `device`.
at::Tensor pad_tokens(const std::vector<const std::vector<std::int32_t>*>& rows,
                      std::int64_t pad_id, const at::Device& device);

}  // namespace plmkit::models
