#include "models/esm2_encoder.hpp"

#include <cmath>
#include <limits>
#include <optional>

#include <torch/version.h>

#include "models/layers/esm2_layer.hpp"
#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {
namespace {

/// fair-esm's mask ratio during its training: token dropout rescales the
/// embeddings by (1 - this) / (1 - observed mask fraction).
constexpr double kMaskRatioTrain = 0.15 * 0.8;

/// fair-esm's `x * cos + rotate_half(x) * sin` with [T, D/2] tables:
/// [x1*c - x2*s, x2*c + x1*s], out of place (differentiable).
at::Tensor rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const auto half = x.size(-1) / 2;
    at::Tensor x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    return at::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);
}

}  // namespace

EsmSequenceEncoder::EsmSequenceEncoder(Esm2 base, const FinetuneMode& mode,
                                       const std::string& pooling)
    : base_(std::move(base)) {
    if (pooling != "mean" && pooling != "bos")
        throw UsageError("ESM pooling must be mean or bos, got '" + pooling + "'");
    bos_ = pooling == "bos";
    if (base_->word_embeddings.scalar_type() != at::kFloat)
        throw UsageError("fine-tuning ESM-2 needs float32 weights (load with --dtype fp32)");
    const auto& c = base_->config();
    const std::int64_t layers = c.num_layers;
    if (!mode.frozen && mode.last > layers)
        throw UsageError("--finetune " + mode.text() + ": the ESM-2 model has " +
                         count_noun(layers, "block"));
    first_ = mode.frozen ? layers : mode.last < 0 ? 0 : layers - mode.last;
    embeddings_trainable_ = !mode.frozen && mode.last < 0;
    final_trainable_ = !mode.frozen;

    Esm2Impl& m = *base_;
    word_embeddings_ = param("word_embeddings", m.word_embeddings, embeddings_trainable_);
    if (c.emb_layer_norm_before) {
        emb_ln_weight_ = param("emb_ln_weight", m.emb_ln_weight, embeddings_trainable_);
        emb_ln_bias_ = param("emb_ln_bias", m.emb_ln_bias, embeddings_trainable_);
    }
    for (std::int64_t i = 0; i < layers; ++i) {
        const Esm2LayerImpl& l = *m.layers[static_cast<std::size_t>(i)];
        const std::string p = "layer" + std::to_string(i) + ".";
        const bool t = i >= first_;
        Block b;
        b.attn_ln_weight = param(p + "attn_ln_weight", l.attn_ln_weight, t);
        b.attn_ln_bias = param(p + "attn_ln_bias", l.attn_ln_bias, t);
        b.qkv_weight = param(p + "qkv_weight", l.qkv_weight, t);
        b.qkv_bias = param(p + "qkv_bias", l.qkv_bias, t);
        b.out_weight = param(p + "out_weight", l.out_weight, t);
        b.out_bias = param(p + "out_bias", l.out_bias, t);
        b.ffn_ln_weight = param(p + "ffn_ln_weight", l.ffn_ln_weight, t);
        b.ffn_ln_bias = param(p + "ffn_ln_bias", l.ffn_ln_bias, t);
        b.fc1_weight = param(p + "fc1_weight", l.fc1_weight, t);
        b.fc1_bias = param(p + "fc1_bias", l.fc1_bias, t);
        b.fc2_weight = param(p + "fc2_weight", l.fc2_weight, t);
        b.fc2_bias = param(p + "fc2_bias", l.fc2_bias, t);
        b.inv_freq = param(p + "inv_freq", l.inv_freq, false);  // a buffer, never trained
        blocks_.push_back(std::move(b));
    }
    final_ln_weight_ = param("final_ln_weight", m.final_ln_weight, final_trainable_);
    final_ln_bias_ = param("final_ln_bias", m.final_ln_bias, final_trainable_);
}

at::Tensor EsmSequenceEncoder::param(const std::string& name, const at::Tensor& base, bool train) {
    if (!train) {
        // Shared with the base; an inference tensor (loaded under inference
        // mode) could not be saved for backward, so it gets a normal copy.
        return base.is_inference() ? base.clone() : base;
    }
    at::Tensor t = base.detach().clone();
    t.set_requires_grad(true);
    trainable_.emplace_back(name, t);
    return t;
}

std::int64_t EsmSequenceEncoder::dim() const {
    return base_->config().hidden_size;
}

std::int64_t EsmSequenceEncoder::pad_id() const {
    return base_->config().pad_token_id;
}

at::Device EsmSequenceEncoder::device() const {
    return word_embeddings_.device();
}

at::Tensor EsmSequenceEncoder::embed(const at::Tensor& tokens, const at::Tensor& pad,
                                     bool has_pad) const {
    const auto& c = base_->config();
    const auto B = tokens.size(0);
    at::Tensor x = at::embedding(word_embeddings_, tokens);
    if (c.token_dropout) {
        at::Tensor is_mask = tokens.eq(c.mask_token_id);
        x = x.masked_fill(is_mask.unsqueeze(-1), 0.0);
        at::Tensor src_lengths = pad.logical_not().sum(-1);
        at::Tensor observed = is_mask.sum(-1).to(x.scalar_type()) / src_lengths;
        x = x * (1.0 - kMaskRatioTrain) / (1.0 - observed).view({B, 1, 1});
    }
    if (c.emb_layer_norm_before)
        x = at::layer_norm(x, {c.hidden_size}, emb_ln_weight_, emb_ln_bias_, c.layer_norm_eps);
    if (has_pad) x = x.masked_fill(pad.unsqueeze(-1), 0.0);
    return x;
}

at::Tensor EsmSequenceEncoder::block(const Block& b, const at::Tensor& x,
                                     const at::Tensor& key_bias, const at::Tensor& cos,
                                     const at::Tensor& sin) const {
    const auto& c = base_->config();
    const auto B = x.size(0), T = x.size(1), E = c.hidden_size, H = c.num_heads;
    const auto D = E / H;
    const double eps = c.layer_norm_eps;
    at::Tensor h = at::layer_norm(x, {E}, b.attn_ln_weight, b.attn_ln_bias, eps);
    // [B,T,3E] -> [3,B,H,T,D]
    at::Tensor qkv =
        at::linear(h, b.qkv_weight, b.qkv_bias).view({B, T, 3, H, D}).permute({2, 0, 3, 1, 4});
    const double scaling = 1.0 / std::sqrt(static_cast<double>(D));
    at::Tensor q = rotary(qkv[0] * scaling, cos, sin);
    at::Tensor k = rotary(qkv[1], cos, sin);
    at::Tensor v = qkv[2];
    at::Tensor context;
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    context = at::scaled_dot_product_attention(q, k, v, key_bias, 0.0, false, 1.0);
#else
    at::Tensor scores = at::matmul(q, k.transpose(-1, -2));  // [B,H,T,T]
    if (key_bias.defined()) scores = scores + key_bias;
    context = at::matmul(at::softmax(scores, -1), v);  // [B,H,T,D]
#endif
    context = context.permute({0, 2, 1, 3}).reshape({B, T, E});
    at::Tensor y = x + at::linear(context, b.out_weight, b.out_bias);
    h = at::layer_norm(y, {E}, b.ffn_ln_weight, b.ffn_ln_bias, eps);
    h = at::gelu(at::linear(h, b.fc1_weight, b.fc1_bias));
    return y + at::linear(h, b.fc2_weight, b.fc2_bias);
}

at::Tensor EsmSequenceEncoder::hidden_states(const at::Tensor& tokens_in) {
    if (tokens_in.dim() != 2 || tokens_in.size(1) < 2)
        throw UsageError("ESM-2 encoder: tokens must be [batch, length>=2]");
    const auto& c = base_->config();
    const at::Tensor tokens = tokens_in.to(device(), at::kLong);
    const auto B = tokens.size(0), T = tokens.size(1);
    const at::Tensor pad = tokens.eq(c.pad_token_id);
    const bool has_pad = pad.any().item<bool>();
    at::Tensor key_bias;  // [B,1,1,T]: -inf on padded keys
    if (has_pad)
        key_bias = at::zeros({B, T}, tokens.options().dtype(at::kFloat))
                       .masked_fill(pad, -std::numeric_limits<float>::infinity())
                       .view({B, 1, 1, T});
    // Rotary tables per block, shared between blocks with the same inv_freq.
    std::vector<at::Tensor> cos(blocks_.size()), sin(blocks_.size());
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
        if (i > 0 && blocks_[i].inv_freq.equal(blocks_[i - 1].inv_freq)) {
            cos[i] = cos[i - 1];
            sin[i] = sin[i - 1];
            continue;
        }
        at::Tensor freqs =
            at::outer(at::arange(T, blocks_[i].inv_freq.options()), blocks_[i].inv_freq);
        cos[i] = freqs.cos();
        sin[i] = freqs.sin();
    }
    const auto first = static_cast<std::size_t>(first_);
    at::Tensor x;
    {
        std::optional<at::NoGradGuard> no_grad;  // the frozen stretch builds no graph
        if (!embeddings_trainable_) no_grad.emplace();
        x = embed(tokens, pad, has_pad);
        for (std::size_t i = 0; i < first && i < blocks_.size(); ++i)
            x = block(blocks_[i], x, key_bias, cos[i], sin[i]);
    }
    for (std::size_t i = first; i < blocks_.size(); ++i)
        x = block(blocks_[i], x, key_bias, cos[i], sin[i]);
    std::optional<at::NoGradGuard> no_grad;
    if (!final_trainable_) no_grad.emplace();
    return at::layer_norm(x, {c.hidden_size}, final_ln_weight_, final_ln_bias_, c.layer_norm_eps);
}

at::Tensor EsmSequenceEncoder::pooled(const at::Tensor& tokens_in) {
    const at::Tensor tokens = tokens_in.to(device(), at::kLong);
    at::Tensor rep = hidden_states(tokens);
    if (bos_) return rep.select(1, 0).to(at::kFloat);
    // Residues are positions 1..L (<cls> at 0, <eos> at L+1, then padding).
    const auto T = tokens.size(1);
    at::Tensor len = tokens.ne(pad_id()).sum(1, /*keepdim=*/true) - 2;  // [B,1]
    at::Tensor pos = at::arange(T, tokens.options()).unsqueeze(0);
    at::Tensor mask = (pos.ge(1) & pos.le(len)).to(rep.scalar_type()).unsqueeze(-1);
    return ((rep * mask).sum(1) / len.clamp_min(1).to(rep.scalar_type())).to(at::kFloat);
}

}  // namespace plmkit::models
