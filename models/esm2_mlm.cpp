#include "models/esm2_mlm.hpp"

#include "models/esm2_names.hpp"
#include "src/error.hpp"

namespace plmkit::models {
namespace {

/// A trainable copy of a (possibly inference-mode) base tensor.
at::Tensor trainable_copy(const at::Tensor& base) {
    at::Tensor t = base.detach().clone();
    t.set_requires_grad(true);
    return t;
}

FinetuneMode full_mode() {
    FinetuneMode m;
    m.frozen = false;
    m.last = -1;
    return m;
}

Esm2 checked(Esm2 base) {
    if (!base) throw UsageError("masked-LM training: no ESM-2 model");
    if (!base->has_lm_head())
        throw UsageError(
            "this ESM-2 checkpoint has no masked-LM head (lm_head.*): continued pre-training "
            "needs an EsmForMaskedLM checkpoint");
    return base;
}

}  // namespace

Esm2MaskedLM::Esm2MaskedLM(Esm2 base)
    : base_(checked(std::move(base))), encoder_(base_, full_mode(), "mean") {
    const Esm2Impl& m = *base_;
    tied_ = at::equal(m.lm_decoder_weight, m.word_embeddings);
    dense_weight_ = trainable_copy(m.lm_dense_weight);
    dense_bias_ = trainable_copy(m.lm_dense_bias);
    ln_weight_ = trainable_copy(m.lm_ln_weight);
    ln_bias_ = trainable_copy(m.lm_ln_bias);
    bias_ = trainable_copy(m.lm_bias);
    if (!tied_) {
        decoder_ = trainable_copy(m.lm_decoder_weight);
        return;
    }
    for (auto& [name, t] : encoder_.trainable())
        if (name == "word_embeddings") decoder_ = t;
    if (!decoder_.defined()) throw UsageError("internal: ESM-2 word embeddings are not trainable");
}

at::Tensor Esm2MaskedLM::logits_at(const at::Tensor& tokens, const at::Tensor& positions) {
    const auto& c = base_->config();
    at::Tensor hidden = encoder_.hidden_states(tokens);  // [B,T,E]
    at::Tensor x = hidden.reshape({-1, c.hidden_size}).index_select(0, positions.to(at::kLong));
    at::Tensor h = at::gelu(at::linear(x, dense_weight_, dense_bias_));
    h = at::layer_norm(h, {c.hidden_size}, ln_weight_, ln_bias_, c.layer_norm_eps);
    return at::linear(h, decoder_, bias_);
}

at::Tensor Esm2MaskedLM::loss(const at::Tensor& tokens, const at::Tensor& positions,
                              const at::Tensor& labels, std::int64_t* correct) {
    at::Tensor logits = logits_at(tokens, positions);
    if (correct) *correct = logits.argmax(-1).eq(labels).sum().item<std::int64_t>();
    return at::nll_loss(at::log_softmax(logits, -1), labels.to(at::kLong));
}

std::vector<at::Tensor> Esm2MaskedLM::parameters() {
    std::vector<at::Tensor> out;
    for (auto& [name, t] : encoder_.trainable())
        out.push_back(t);
    for (const at::Tensor& t : {dense_weight_, dense_bias_, ln_weight_, ln_bias_, bias_})
        out.push_back(t);
    if (!tied_) out.push_back(decoder_);
    return out;
}

std::vector<std::pair<std::string, at::Tensor>> Esm2MaskedLM::checkpoint_tensors(
    const std::string& esm) {
    std::vector<std::pair<std::string, at::Tensor>> out =
        esm2_checkpoint_tensors(encoder_.trainable(), esm);
    auto add = [&out](const std::string& name, const at::Tensor& t) {
        out.emplace_back(name, t.detach().to(at::kCPU, at::kFloat).contiguous());
    };
    add("lm_head.dense.weight", dense_weight_);
    add("lm_head.dense.bias", dense_bias_);
    add("lm_head.layer_norm.weight", ln_weight_);
    add("lm_head.layer_norm.bias", ln_bias_);
    add("lm_head.decoder.weight", decoder_);
    add("lm_head.bias", bias_);
    return out;
}

}  // namespace plmkit::models
