#pragma once
// Hyper-parameters of an ESM-2 model, read from a Hugging Face config.json.
#include <cstdint>
#include <string>

namespace plmkit::models {

struct Esm2Config {
    std::int64_t vocab_size = 33;
    std::int64_t hidden_size = 0;
    std::int64_t num_layers = 0;
    std::int64_t num_heads = 0;
    std::int64_t intermediate_size = 0;
    std::int64_t max_position_embeddings = 1026;
    std::int64_t mask_token_id = 32;
    std::int64_t pad_token_id = 1;
    double layer_norm_eps = 1e-5;
    bool token_dropout = true;
    bool emb_layer_norm_before = false;

    /// Reads a Hugging Face `config.json` (keys hidden_size, num_hidden_layers,
    /// num_attention_heads, intermediate_size, ...). A missing or invalid key
    /// is a ModelError naming the file and the key; a position_embedding_type
    /// other than "rotary" (ESM-1b style checkpoints) is rejected.
    static Esm2Config from_json_file(const std::string& path);
    /// Throws ModelError when sizes are inconsistent (e.g. hidden_size not a
    /// multiple of num_heads); `origin` names the source in the message.
    void validate(const std::string& origin) const;
    /// The config as a Hugging Face-style JSON object (for provenance).
    std::string to_json() const;
    std::int64_t head_dim() const { return num_heads > 0 ? hidden_size / num_heads : 0; }
};

}  // namespace plmkit::models
