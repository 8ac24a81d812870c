#include "models/esm2_names.hpp"

#include <map>

#include "src/error.hpp"

namespace plmkit::models {
namespace {

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

}  // namespace

std::vector<std::string> esm2_checkpoint_names(const std::string& name, const std::string& esm) {
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

std::vector<std::pair<std::string, at::Tensor>> esm2_checkpoint_tensors(
    const std::vector<std::pair<std::string, at::Tensor>>& params, const std::string& esm_prefix) {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const auto& [name, t] : params) {
        const std::vector<std::string> names = esm2_checkpoint_names(name, esm_prefix);
        const auto rows = t.size(0) / static_cast<std::int64_t>(names.size());
        for (std::size_t i = 0; i < names.size(); ++i)
            out.emplace_back(names[i], t.detach()
                                           .narrow(0, static_cast<std::int64_t>(i) * rows, rows)
                                           .to(at::kCPU, at::kFloat)
                                           .contiguous());
    }
    return out;
}

}  // namespace plmkit::models
