#pragma once
// ESM-2 with its masked-LM head as a differentiable module, for continued
// (domain-adaptive) pre-training (`plmkit pretrain --kind protein`). The
// encoder is EsmSequenceEncoder with every parameter trainable (same
// semantics as Esm2Impl::forward, token-dropout scaling included); the head
// (dense -> GELU -> LayerNorm -> decoder + bias) gets trainable copies of the
// checkpoint's tensors. The decoder stays tied to the token embeddings when the
// checkpoint's lm_head.decoder.weight equals them (or is absent), as in
// fair-esm and EsmForMaskedLM. No dropout (ESM-2 has none).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "models/esm2.hpp"
#include "models/esm2_encoder.hpp"

namespace plmkit::models {

class Esm2MaskedLM {
  public:
    /// `base`: a float32 model with its masked-LM head (UsageError otherwise).
    /// Construct outside inference mode.
    explicit Esm2MaskedLM(Esm2 base);

    /// Logits [M, V] at `positions` (flat indices into the [B, T] `tokens`).
    at::Tensor logits_at(const at::Tensor& tokens, const at::Tensor& positions);
    /// Mean cross-entropy of `labels` [M] at `positions`: the masked-LM loss.
    at::Tensor loss(const at::Tensor& tokens, const at::Tensor& positions, const at::Tensor& labels,
                    std::int64_t* correct = nullptr);

    /// Every trained tensor (shared tied decoder once).
    std::vector<at::Tensor> parameters();
    /// The current weights under the Hugging Face EsmForMaskedLM names (with
    /// `esm_prefix`, "esm." or ""): fused query/key/value split back, the
    /// decoder under lm_head.decoder.weight. float32, CPU, contiguous.
    std::vector<std::pair<std::string, at::Tensor>> checkpoint_tensors(
        const std::string& esm_prefix);

    bool tied() const { return tied_; }
    const Esm2Config& config() const { return base_->config(); }

  private:
    Esm2 base_;
    EsmSequenceEncoder encoder_;
    bool tied_ = true;
    at::Tensor dense_weight_, dense_bias_, ln_weight_, ln_bias_, decoder_, bias_;
};

}  // namespace plmkit::models
