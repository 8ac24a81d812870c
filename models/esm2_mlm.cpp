#include "models/esm2_mlm.hpp"

#include <map>

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

/// HF names (after "<esm>encoder.layer.N.") of a block's tensors, by the
/// encoder's parameter suffix; qkv ones are split in three.
const std::map<std::string, std::string>& block_names() {
    static const std::map<std::string, std::string> names = {
        {"attn_ln_weight", "attention.LayerNorm.weight"},
        {"attn_ln_bias", "attention.LayerNorm.bias"},
        {"out_weight", "attention.output.dense.weight"},
        {"out_bias", "attention.output.dense.bias"},
        {"ffn_ln_weight", "LayerNorm.weight"},
        {"ffn_ln_bias", "LayerNorm.bias"},
        {"fc1_weight", "intermediate.dense.weight"},
        {"fc1_bias", "intermediate.dense.bias"},
        {"fc2_weight", "output.dense.weight"},
        {"fc2_bias", "output.dense.bias"},
    };
    return names;
}

/// The HF name(s) of an EsmSequenceEncoder parameter: one, or three for the
/// fused query/key/value.
std::vector<std::string> hf_names(const std::string& name, const std::string& esm) {
    if (name == "word_embeddings") return {esm + "embeddings.word_embeddings.weight"};
    if (name == "emb_ln_weight") return {esm + "embeddings.layer_norm.weight"};
    if (name == "emb_ln_bias") return {esm + "embeddings.layer_norm.bias"};
    if (name == "final_ln_weight") return {esm + "encoder.emb_layer_norm_after.weight"};
    if (name == "final_ln_bias") return {esm + "encoder.emb_layer_norm_after.bias"};
    const std::size_t dot = name.find('.');
    if (name.rfind("layer", 0) != 0 || dot == std::string::npos)
        throw UsageError("internal: no checkpoint name for ESM-2 parameter '" + name + "'");
    const std::string p = esm + "encoder.layer." + name.substr(5, dot - 5) + ".";
    const std::string suffix = name.substr(dot + 1);
    if (suffix == "qkv_weight" || suffix == "qkv_bias") {
        const std::string kind = suffix == "qkv_weight" ? "weight" : "bias";
        return {p + "attention.self.query." + kind, p + "attention.self.key." + kind,
                p + "attention.self.value." + kind};
    }
    auto it = block_names().find(suffix);
    if (it == block_names().end())
        throw UsageError("internal: no checkpoint name for ESM-2 parameter '" + name + "'");
    return {p + it->second};
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
    std::vector<std::pair<std::string, at::Tensor>> out;
    auto add = [&out](const std::string& name, const at::Tensor& t) {
        out.emplace_back(name, t.detach().to(at::kCPU, at::kFloat).contiguous());
    };
    for (auto& [name, t] : encoder_.trainable()) {
        const std::vector<std::string> names = hf_names(name, esm);
        const auto rows = t.size(0) / static_cast<std::int64_t>(names.size());
        for (std::size_t i = 0; i < names.size(); ++i)
            add(names[i], t.narrow(0, static_cast<std::int64_t>(i) * rows, rows));
    }
    add("lm_head.dense.weight", dense_weight_);
    add("lm_head.dense.bias", dense_bias_);
    add("lm_head.layer_norm.weight", ln_weight_);
    add("lm_head.layer_norm.bias", ln_bias_);
    add("lm_head.decoder.weight", decoder_);
    add("lm_head.bias", bias_);
    return out;
}

}  // namespace plmkit::models
