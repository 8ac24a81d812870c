#pragma once
// A transformer encoder of token-id sequences into one vector per sequence
// (mean over the sequence's tokens), fine-tuned end to end under a property
// head (models/encoder_head.hpp). Which parameters train is fixed at
// construction: the last N blocks (plus the final LayerNorm) or all of them;
// the others are frozen (requires_grad false, so autograd skips them).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "models/smiles_encoder.hpp"

namespace plmkit::models {

/// "frozen" | "last:N" | "full", parsed.
struct FinetuneMode {
    bool frozen = true;
    int last = -1;  ///< trainable blocks from the end; -1 = all (full)
    std::string text() const;
};
/// Throws UsageError for anything but frozen, full or last:N with N >= 1.
FinetuneMode parse_finetune(const std::string& text);

class SequenceEncoder {
  public:
    virtual ~SequenceEncoder() = default;
    /// tokens [B, T] int64 (padded with pad_id()) -> [B, dim()] float32.
    virtual at::Tensor pooled(const at::Tensor& tokens) = 0;
    virtual std::int64_t dim() const = 0;
    virtual std::int64_t pad_id() const = 0;
    virtual at::Device device() const = 0;
    virtual void train(bool on) = 0;
    /// The trainable parameters with their names (what a fine-tuned model
    /// stores per ensemble member).
    virtual std::vector<std::pair<std::string, at::Tensor>> trainable() = 0;
    /// Copies stored values into the trainable parameters; throws ModelError
    /// for a missing name or a wrong shape.
    void load_trainable(const std::vector<std::pair<std::string, at::Tensor>>& state,
                        const std::string& where);
};

/// The SMILES encoder of `plmkit pretrain` (mean over <cls> tokens <eos>).
class SmilesSequenceEncoder final : public SequenceEncoder {
  public:
    SmilesSequenceEncoder(SmilesEncoder encoder, const FinetuneMode& mode);
    at::Tensor pooled(const at::Tensor& tokens) override;
    std::int64_t dim() const override { return encoder_->config().hidden; }
    std::int64_t pad_id() const override { return encoder_->config().pad_id; }
    at::Device device() const override { return at::kCPU; }
    void train(bool on) override { encoder_->train(on); }
    std::vector<std::pair<std::string, at::Tensor>> trainable() override;
    const SmilesEncoder& encoder() const { return encoder_; }

  private:
    SmilesEncoder encoder_;
    std::vector<std::pair<std::string, at::Tensor>> trainable_;
};

}  // namespace plmkit::models
