#include "models/esm2.hpp"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include "models/layers/esm2_layer.hpp"
#include "models/torch_runtime.hpp"
#include "src/error.hpp"
#include "src/strings.hpp"
#include "tokenizers/esm_tokenizer.hpp"

namespace plmkit::models {
namespace {

constexpr double kMaskRatioTrain = 0.15 * 0.8;

void check_request(const Esm2Impl& m, const at::Tensor& tokens, const Esm2ForwardOptions& o) {
    const auto& c = m.config();
    if (tokens.dim() != 2 || tokens.size(1) < 2)
        throw UsageError("ESM-2 forward: tokens must be [batch, length>=2], got " +
                         count_noun(tokens.dim(), "dimension"));
    for (int k : o.repr_layers)
        if (k < 0 || k > c.num_layers)
            throw UsageError("ESM-2 forward: layer " + std::to_string(k) + " is outside 0.." +
                             std::to_string(c.num_layers));
    if (o.need_logits && !m.has_lm_head())
        throw UsageError(
            "this ESM-2 checkpoint has no masked-LM head (lm_head.*): "
            "logits are not available");
    if (o.need_contacts && !m.has_contact_head())
        throw UsageError("contacts are not available: " + m.missing_contact_head());
}

bool wants(const Esm2ForwardOptions& o, int layer) {
    for (int k : o.repr_layers)
        if (k == layer) return true;
    return false;
}

/// The contact head, accumulated one layer at a time so that only that layer's
/// attention maps are alive. For each map m (index layer*H + head, the order of
/// contact_weight), with A_m its probabilities restricted to positions 1..T-2
/// and EOS/padding rows and columns zeroed, S_m = A_m + A_m^T and
///   logits = bias + sum_m w_m (S_m - r_m r_m^T / sum(r_m)),  r_m = S_m 1,
/// S_m being symmetric (row sums = column sums). With G = sum_m w_m A_m
/// (masked) and K = sum_m (w_m / sum(r_m)) r_m r_m^T / 2, this is
///   bias + (G - K) + (G - K)^T,
/// so one float32 [B, T-2, T-2] accumulator holds G - K. The masking is applied
/// once to G at the end (it is elementwise and symmetric) and to r_m by matrix
/// products with the 0/1 validity vector.
class ContactAccumulator {
  public:
    ContactAccumulator(const at::Tensor& tokens, const at::Tensor& pad, const at::Tensor& weight,
                       std::int64_t heads)
        : heads_(heads), n_(tokens.size(1) - 2) {
        const auto B = tokens.size(0);
        auto valid = tokens.ne(tokenizers::EsmTokenizer::kEos).logical_and(pad.logical_not());
        valid_ = valid.narrow(1, 1, n_).to(at::kFloat);  // [B,n]
        acc_ = at::zeros({B, n_, n_}, valid_.options());
        auto w = weight.to(at::kCPU, at::kFloat).contiguous();
        weights_.assign(w.data_ptr<float>(), w.data_ptr<float>() + w.numel());
        weight_ = weight.to(valid_.device(), at::kFloat).view({-1, heads_});  // [L,H]
    }

    /// Adds layer `layer`'s maps; `probs` is its [B,H,T,T] attention.
    void add(std::int64_t layer, const at::Tensor& probs) {
        if (n_ == 0) return;
        const auto B = probs.size(0);
        auto a = probs.to(at::kFloat).narrow(-1, 1, n_).narrow(-2, 1, n_);  // [B,H,n,n] view
        for (std::int64_t h = 0; h < heads_; ++h)
            acc_.add_(a.select(1, h), weights_[static_cast<std::size_t>(layer * heads_ + h)]);
        // r = v * (A v + A^T v): row sums of the masked, symmetrized maps. [B,H,n]
        auto rows = at::matmul(a, valid_.view({B, 1, n_, 1})).squeeze(-1);
        auto cols = at::matmul(valid_.view({B, 1, 1, n_}), a).squeeze(-2);
        auto r = rows.add_(cols).mul_(valid_.unsqueeze(1));
        auto coef = weight_[layer].view({1, heads_}) / r.sum(-1);  // [B,H]
        acc_.baddbmm_(r.mul(coef.unsqueeze(-1)).transpose(1, 2), r, /*beta=*/1, /*alpha=*/-0.5);
    }

    /// [B, T-2, T-2] contact probabilities.
    at::Tensor finish(const at::Tensor& bias) {
        auto pair = valid_.unsqueeze(2).mul(valid_.unsqueeze(1));
        // The APC part of acc_ is already zero off the valid pairs.
        auto logits = acc_.mul_(pair);
        logits = logits + logits.transpose(1, 2);
        acc_ = at::Tensor();
        return at::sigmoid(logits.add_(bias.to(at::kFloat)));
    }

  private:
    std::int64_t heads_, n_;
    at::Tensor valid_, acc_, weight_;
    std::vector<float> weights_;
};

}  // namespace

Esm2Impl::Esm2Impl(const Esm2Config& config) : Esm2Impl(config, Esm2InitOptions{}) {}

Esm2Impl::Esm2Impl(const Esm2Config& config, const Esm2InitOptions& init) : config_(config) {
    config_.validate("ESM-2 config");
    const auto opts = at::TensorOptions().dtype(init.dtype).device(init.device);
    const auto E = config_.hidden_size, V = config_.vocab_size;
    const auto LH = config_.num_layers * config_.num_heads;
    auto p = [&](const char* name, at::IntArrayRef shape) {
        return register_parameter(name, at::empty(shape, opts), /*requires_grad=*/false);
    };
    word_embeddings = p("word_embeddings", {V, E});
    emb_ln_weight = p("emb_ln_weight", {E});
    emb_ln_bias = p("emb_ln_bias", {E});
    final_ln_weight = p("final_ln_weight", {E});
    final_ln_bias = p("final_ln_bias", {E});
    lm_dense_weight = p("lm_dense_weight", {E, E});
    lm_dense_bias = p("lm_dense_bias", {E});
    lm_ln_weight = p("lm_ln_weight", {E});
    lm_ln_bias = p("lm_ln_bias", {E});
    lm_decoder_weight = p("lm_decoder_weight", {V, E});
    lm_bias = p("lm_bias", {V});
    contact_weight = p("contact_weight", {1, LH});
    contact_bias = p("contact_bias", {1});
    for (std::int64_t i = 0; i < config_.num_layers; ++i) {
        auto layer = std::make_shared<Esm2LayerImpl>(
            E, config_.num_heads, config_.intermediate_size, config_.layer_norm_eps, opts);
        register_module("layer" + std::to_string(i), layer);
        layers.push_back(layer);
    }
    if (!init.random_init) return;
    at::NoGradGuard no_grad;
    for (auto& item : named_parameters(/*recurse=*/true)) {
        auto& t = item.value();
        const auto& name = item.key();
        bool is_ln = name.find("ln_weight") != std::string::npos;
        if (is_ln)
            t.fill_(1.0);
        else if (t.dim() >= 2)
            t.normal_(0.0, 0.02);
        else
            t.zero_();
    }
}

void Esm2Impl::set_rotary_tables(std::int64_t length) {
    for (std::size_t i = 0; i < layers.size(); ++i) {
        auto& layer = *layers[i];
        if (i > 0 && layer.inv_freq.equal(layers[i - 1]->inv_freq)) {
            layer.rot_cos = layers[i - 1]->rot_cos;
            layer.rot_sin = layers[i - 1]->rot_sin;
        } else {
            layer.rotary_tables(length, layer.rot_cos, layer.rot_sin);
        }
    }
}

Esm2Output Esm2Impl::forward(const torch::Tensor& tokens_in, const Esm2ForwardOptions& options) {
    check_request(*this, tokens_in, options);
    c10::InferenceMode guard;
    const auto tokens = tokens_in.to(word_embeddings.device(), at::kLong).contiguous();
    const bool packable = tokens.device().is_cpu() && config_.num_heads > 0 &&
                          (config_.hidden_size / config_.num_heads) % 8 == 0;
    Esm2Output out = packable && !options.need_contacts ? forward_packed(tokens, options)
                                                        : forward_padded(tokens, options);
    for (auto& layer : layers)
        layer->rot_cos = layer->rot_sin = at::Tensor();
    return out;
}

namespace {

/// The embeddings of the packed tokens `flat` ([N]; `counts` [B] of them
/// a row), scaled for token dropout per row and layer-normed when the
/// model does that before the blocks: [N,E].
at::Tensor packed_embeddings(const Esm2Impl& m, const at::Tensor& flat, const at::Tensor& counts) {
    const auto& c = m.config();
    const auto B = counts.size(0), N = flat.size(0);
    auto x = at::embedding(m.word_embeddings, flat);
    if (c.token_dropout) {
        auto is_mask = flat.eq(c.mask_token_id);
        x.masked_fill_(is_mask.unsqueeze(-1), 0.0);
        // Per row: masked share of its tokens, spread to the row's tokens.
        auto row_of = at::repeat_interleave(at::arange(B, flat.options()), counts);
        auto masked =
            at::zeros({B}, x.options()).index_add_(0, row_of, is_mask.to(x.scalar_type()));
        auto observed = masked / counts.to(x.scalar_type());
        x = x * (1.0 - kMaskRatioTrain) / (1.0 - observed).index_select(0, row_of).view({N, 1});
    }
    if (c.emb_layer_norm_before)
        x = at::layer_norm(x, {c.hidden_size}, m.emb_ln_weight, m.emb_ln_bias, c.layer_norm_eps);
    return x;
}

/// The masked-LM head on the packed hidden states x [N,E]: logits [N,V],
/// computed in row blocks in parallel.
at::Tensor packed_logits(const Esm2Impl& m, const at::Tensor& x) {
    const auto& c = m.config();
    const auto N = x.size(0), E = c.hidden_size;
    auto logits = at::empty({N, c.vocab_size}, x.options());
    at::parallel_for(0, N, 256, [&](std::int64_t b, std::int64_t e) {
        c10::InferenceMode worker_guard;  // thread-local: OpenMP workers need their own
        auto h = at::addmm(m.lm_dense_bias, x.narrow(0, b, e - b), m.lm_dense_weight.t());
        at::gelu_(h);
        h = at::layer_norm(h, {E}, m.lm_ln_weight, m.lm_ln_bias, c.layer_norm_eps);
        auto dst = logits.narrow(0, b, e - b);
        at::addmm_out(dst, m.lm_bias, h, m.lm_decoder_weight.t());
    });
    return logits;
}

}  // namespace

Esm2Output Esm2Impl::forward_packed(const torch::Tensor& tokens,
                                    const Esm2ForwardOptions& options) {
    const auto& c = config_;
    const auto B = tokens.size(0), T = tokens.size(1), E = c.hidden_size;
    SerialBlasScope serial_blas;
    // Packed rows: the non-pad tokens in row-major order; a row's tokens stay
    // at their columns' rotary positions.
    const auto keep = tokens.ne(c.pad_token_id);
    const auto counts = keep.sum(1).contiguous();
    const std::int64_t* count = counts.data_ptr<std::int64_t>();
    PackedContext ctx;
    ctx.offsets.assign(1, 0);
    for (std::int64_t b = 0; b < B; ++b)
        ctx.offsets.push_back(ctx.offsets.back() + count[b]);
    const std::int64_t N = ctx.offsets.back();
    const bool dense = N == B * T;
    const auto index = dense ? at::Tensor() : keep.view({-1}).nonzero().view({-1});
    const auto flat = dense ? tokens.view({-1}) : tokens.view({-1}).index_select(0, index);
    ctx.positions = (dense ? at::arange(B * T, tokens.options()) : index)
                        .remainder(T)
                        .to(at::kInt)
                        .contiguous();
    // [N,E] -> [B,T,E] (zeros at pad positions).
    auto unpack = [&](const at::Tensor& packed) {
        if (dense) return packed.view({B, T, packed.size(-1)});
        auto full = at::zeros({B * T, packed.size(-1)}, packed.options());
        full.index_copy_(0, index, packed);
        return full.view({B, T, packed.size(-1)});
    };

    auto x = packed_embeddings(*this, flat, counts);
    Esm2Output out;
    if (wants(options, 0)) out.representations[0] = unpack(x);
    set_rotary_tables(T);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        x = layers[i]->forward_packed(x, ctx);
        const int k = static_cast<int>(i) + 1;
        if (k < c.num_layers && wants(options, k)) out.representations[k] = unpack(x);
    }
    x = at::layer_norm(x, {E}, final_ln_weight, final_ln_bias, c.layer_norm_eps);
    if (wants(options, static_cast<int>(c.num_layers)))
        out.representations[c.num_layers] = unpack(x);
    if (options.need_logits) out.logits = unpack(packed_logits(*this, x));
    return out;
}

Esm2Output Esm2Impl::forward_padded(const torch::Tensor& tokens,
                                    const Esm2ForwardOptions& options) {
    const auto& c = config_;
    const auto B = tokens.size(0), T = tokens.size(1);
    const auto pad = tokens.eq(c.pad_token_id);
    const bool has_pad = pad.any().item<bool>();

    auto x = at::embedding(word_embeddings, tokens);
    if (c.token_dropout) {
        auto is_mask = tokens.eq(c.mask_token_id);
        x.masked_fill_(is_mask.unsqueeze(-1), 0.0);
        auto src_lengths = pad.logical_not().sum(-1);
        auto observed = is_mask.sum(-1).to(x.scalar_type()) / src_lengths;
        x = x * (1.0 - kMaskRatioTrain) / (1.0 - observed).view({B, 1, 1});
    }
    if (c.emb_layer_norm_before)
        x = at::layer_norm(x, {c.hidden_size}, emb_ln_weight, emb_ln_bias, c.layer_norm_eps);
    if (has_pad) x.masked_fill_(pad.unsqueeze(-1), 0.0);

    Esm2Output out;
    if (wants(options, 0)) out.representations[0] = x;
    AttentionContext ctx;
    if (has_pad)
        ctx.key_bias = at::zeros({B, T}, tokens.options().dtype(at::kFloat))
                           .masked_fill_(pad, -std::numeric_limits<float>::infinity())
                           .view({B, 1, 1, T});
    set_rotary_tables(T);
    // Contacts: each layer's [B,H,T,T] maps are folded into one [B,T-2,T-2]
    // accumulator and dropped, not kept for all layers.
    std::optional<ContactAccumulator> contacts;
    if (options.need_contacts) contacts.emplace(tokens, pad, contact_weight, c.num_heads);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        at::Tensor p;
        x = layers[i]->forward(x, ctx, contacts ? &p : nullptr);
        if (contacts) contacts->add(static_cast<std::int64_t>(i), p);
        const int k = static_cast<int>(i) + 1;
        if (k < c.num_layers && wants(options, k)) out.representations[k] = x;
    }
    x = at::layer_norm(x, {c.hidden_size}, final_ln_weight, final_ln_bias, c.layer_norm_eps);
    if (wants(options, static_cast<int>(c.num_layers))) out.representations[c.num_layers] = x;

    if (options.need_logits) {
        auto h = at::gelu(at::linear(x, lm_dense_weight, lm_dense_bias));
        h = at::layer_norm(h, {c.hidden_size}, lm_ln_weight, lm_ln_bias, c.layer_norm_eps);
        out.logits = at::linear(h, lm_decoder_weight, lm_bias);
    }
    if (contacts) out.contacts = contacts->finish(contact_bias);
    return out;
}

std::string Esm2Impl::missing_contact_head() const {
    const std::string c = checkpoint_prefix_ + "contact_head.regression.";
    std::string why =
        "this ESM-2 checkpoint has no contact head (no tensors " + c + "weight, " + c + "bias)";
    if (checkpoint_prefix_.empty())
        return why +
               "; it is a base EsmModel checkpoint (tensor names without the 'esm.' prefix), "
               "saved without the contact head. Use an EsmForMaskedLM checkpoint (tensors "
               "named esm.*, such as facebook/esm2_* from the Hugging Face Hub), which usually "
               "has esm.contact_head.regression.*";
    return why + "; the facebook/esm2_* EsmForMaskedLM checkpoints on the Hugging Face Hub have it";
}

}  // namespace plmkit::models
