#pragma once
// One ESM-2 transformer block: pre-LayerNorm rotary self-attention and a GELU
// feed-forward network, both with residual connections. Query, key and value
// projections are stored fused ([3E,E]) for one GEMM per block.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

namespace plmkit::models {

/// Per-forward inputs shared by every block of a batch.
struct AttentionContext {
    /// [B,1,1,T] float32 additive mask (0 or -inf on padded keys); undefined
    /// when the batch has no padding.
    at::Tensor key_bias;
    /// Allow fused scaled_dot_product_attention (LibTorch >= 2.1) when the
    /// attention probabilities are not needed.
    bool allow_fused = true;
};

/// Per-forward inputs of the packed (unpadded) CPU path.
struct PackedContext {
    /// offsets[b] .. offsets[b+1]: packed rows of sequence b.
    std::vector<std::int64_t> offsets;
    /// [N] int32 rotary position of each packed token.
    at::Tensor positions;
};

class Esm2LayerImpl : public torch::nn::Module {
  public:
    /// Uninitialised (at::empty) parameters of `options`' dtype and device.
    Esm2LayerImpl(std::int64_t hidden, std::int64_t heads, std::int64_t intermediate, double eps,
                  const at::TensorOptions& options);

    /// x: [B,T,E] -> [B,T,E]. When `probs` is non-null it receives the
    /// attention probabilities [B,H,T,T] (compute dtype).
    at::Tensor forward(const at::Tensor& x, const AttentionContext& ctx, at::Tensor* probs);

    /// x: [N,E] tokens of all sequences back to back (no padding) -> [N,E].
    /// Each sequence attends only to itself (CPU; head size a multiple of 8).
    /// The residual stream stays in x's dtype; rotary and softmax run in
    /// float32.
    at::Tensor forward_packed(const at::Tensor& x, const PackedContext& ctx);

    /// cos/sin tables [T, D/2] (float32) of this block's inv_freq.
    void rotary_tables(std::int64_t length, at::Tensor& cos, at::Tensor& sin) const;

    // Parameters (HF names relative to esm.encoder.layer.N.)
    at::Tensor attn_ln_weight, attn_ln_bias;  ///< attention.LayerNorm.{weight,bias}
    at::Tensor qkv_weight, qkv_bias;          ///< attention.self.{query,key,value} fused
    at::Tensor out_weight, out_bias;          ///< attention.output.dense
    at::Tensor ffn_ln_weight, ffn_ln_bias;    ///< LayerNorm
    at::Tensor fc1_weight, fc1_bias;          ///< intermediate.dense
    at::Tensor fc2_weight, fc2_bias;          ///< output.dense
    at::Tensor inv_freq;                      ///< attention.self.rotary_embeddings.inv_freq (f32)

    /// Rotary tables of the current forward (set by the model before calling
    /// forward; shared between blocks with equal inv_freq).
    at::Tensor rot_cos, rot_sin;

  private:
    at::Tensor attention(const at::Tensor& h, const AttentionContext& ctx, at::Tensor* probs);

    std::int64_t hidden_, heads_, head_dim_;
    double eps_;
};

}  // namespace plmkit::models
