#pragma once
// ESM-2 fine-tuned under a property head (`plmkit train --featurizer esm
// --finetune last:N|full`). Esm2Impl::forward runs under inference mode with
// in-place ops, so it cannot train; this encoder runs its own differentiable
// forward over the same parameters with the same semantics (token-dropout
// scaling, pre-LN blocks, query scaled by head_dim^-0.5 before rotate-half
// rotary, erf GELU, padded keys masked, emb_layer_norm_after at the end) and
// pools the final layer as the frozen esm featurizer does (mean over residues
// 1..L, no <cls>/<eos>/padding; or <cls> for "bos").
//
// The base Esm2 is shared, never modified: frozen parameters are the base's
// tensors (so ensemble members share them), trainable ones are copies with
// requires_grad. last:N trains the last N blocks and the final LayerNorm;
// full also trains the token embeddings (and emb_layer_norm_before when the
// checkpoint has it). Frozen blocks run without autograd. No dropout.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

#include "models/esm2.hpp"
#include "models/sequence_encoder.hpp"

namespace plmkit::models {

class EsmSequenceEncoder final : public SequenceEncoder {
  public:
    /// `pooling`: mean | bos. Throws UsageError for another pooling or a
    /// last:N with N above the number of blocks. Construct outside
    /// inference mode (the trainable copies must be normal tensors).
    EsmSequenceEncoder(Esm2 base, const FinetuneMode& mode, const std::string& pooling = "mean");

    /// tokens [B, T] int64 (<cls> residues <eos>, padded with <pad>) ->
    /// [B, E] float32.
    at::Tensor pooled(const at::Tensor& tokens) override;
    /// Final-layer representation [B, T, E] (after emb_layer_norm_after).
    at::Tensor hidden_states(const at::Tensor& tokens);

    std::int64_t dim() const override;
    std::int64_t pad_id() const override;
    at::Device device() const override;
    void train(bool on) override { training_ = on; }
    /// Names as in Esm2Impl::named_parameters() (e.g. "layer2.qkv_weight").
    std::vector<std::pair<std::string, at::Tensor>> trainable() override { return trainable_; }

    const Esm2& base() const { return base_; }
    /// Index of the first trainable block (num_layers when none is).
    std::int64_t first_trainable_block() const { return first_; }

  private:
    struct Block {
        at::Tensor attn_ln_weight, attn_ln_bias, qkv_weight, qkv_bias, out_weight, out_bias;
        at::Tensor ffn_ln_weight, ffn_ln_bias, fc1_weight, fc1_bias, fc2_weight, fc2_bias;
        at::Tensor inv_freq;
    };
    at::Tensor param(const std::string& name, const at::Tensor& base, bool train);
    at::Tensor embed(const at::Tensor& tokens, const at::Tensor& pad, bool has_pad) const;
    at::Tensor block(const Block& b, const at::Tensor& x, const at::Tensor& key_bias,
                     const at::Tensor& cos, const at::Tensor& sin) const;

    Esm2 base_;
    bool bos_ = false;
    bool training_ = false;
    bool embeddings_trainable_ = false, final_trainable_ = false;
    std::int64_t first_ = 0;
    at::Tensor word_embeddings_, emb_ln_weight_, emb_ln_bias_, final_ln_weight_, final_ln_bias_;
    std::vector<Block> blocks_;
    std::vector<std::pair<std::string, at::Tensor>> trainable_;
};

}  // namespace plmkit::models
