#pragma once
// A SMILES transformer encoder trained from scratch with a masked-LM
// objective (`plmkit pretrain --kind smiles`): token + learned position
// embeddings, pre-LayerNorm blocks (multi-head self-attention with a key
// padding mask, GELU feed-forward), a final LayerNorm, and a BERT-style MLM
// head (dense -> GELU -> LayerNorm -> decoder tied to the token embeddings).
//
// A model directory holds config.json, model.safetensors (float32, the
// parameter names of named_parameters()) and vocab.txt (tokenizers::Vocab).
// Sequences encode as <cls> tokens <eos>, padded with <pad> (id 0).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>
#include <nlohmann/json.hpp>

#include "tokenizers/vocab.hpp"

namespace plmkit::models {

struct SmilesEncoderConfig {
    std::int64_t vocab_size = 0;
    std::int64_t hidden = 256;
    std::int64_t layers = 4;
    std::int64_t heads = 8;
    std::int64_t ffn = 1024;
    std::int64_t max_len = 256;  ///< positions, <cls> and <eos> included
    double dropout = 0.1;
    std::int64_t pad_id = tokenizers::Vocab::kPad;

    nlohmann::json to_json() const;
    /// Throws ModelError naming `where` for a missing or invalid field.
    static SmilesEncoderConfig from_json(const nlohmann::json& j, const std::string& where);
    /// Throws UsageError when sizes are inconsistent (hidden % heads, ...).
    void validate() const;
};

/// One pre-LN transformer block.
class SmilesEncoderLayerImpl : public torch::nn::Module {
  public:
    explicit SmilesEncoderLayerImpl(const SmilesEncoderConfig& config);
    /// x [B,T,H]; key_bias [B,1,1,T] (0 for tokens, -inf for padding).
    at::Tensor forward(const at::Tensor& x, const at::Tensor& key_bias);

  private:
    at::Tensor attention(const at::Tensor& x, const at::Tensor& key_bias);

    std::int64_t heads_;
    double dropout_;
    at::Tensor ln1_weight, ln1_bias, qkv_weight, qkv_bias, out_weight, out_bias;
    at::Tensor ln2_weight, ln2_bias, fc1_weight, fc1_bias, fc2_weight, fc2_bias;
};
TORCH_MODULE(SmilesEncoderLayer);

class SmilesEncoderImpl : public torch::nn::Module {
  public:
    /// Random initialisation: normal(0, 0.02) matrices and embeddings, zero
    /// biases, LayerNorm 1/0.
    explicit SmilesEncoderImpl(const SmilesEncoderConfig& config);

    /// tokens [B,T] int64 (T <= max_len), padded with pad_id -> hidden
    /// states [B,T,H] after the final LayerNorm. Dropout only in train().
    at::Tensor forward(const at::Tensor& tokens);
    /// MLM logits [..., V] of hidden states [..., H].
    at::Tensor mlm_logits(const at::Tensor& hidden);
    /// Mean of the hidden states over the non-pad tokens: [B,H].
    at::Tensor pooled(const at::Tensor& tokens);

    const SmilesEncoderConfig& config() const { return config_; }

  private:
    SmilesEncoderConfig config_;
    at::Tensor token_embedding, position_embedding, final_ln_weight, final_ln_bias;
    at::Tensor head_dense_weight, head_dense_bias, head_ln_weight, head_ln_bias, head_bias;
    torch::nn::ModuleList layers_;
};
TORCH_MODULE(SmilesEncoder);

/// Encodes one SMILES as <cls> tokens <eos> with `vocab` (unknown tokens ->
/// <unk>). Returns "" or why it was rejected (not tokenizable, or more than
/// max_len - 2 tokens).
std::string encode_smiles(const tokenizers::Vocab& vocab, const std::string& smiles,
                          std::int64_t max_len, std::vector<std::int32_t>& ids);

struct LoadedSmilesEncoder {
    SmilesEncoder model{nullptr};
    tokenizers::Vocab vocab;
};

/// Writes config.json, model.safetensors and vocab.txt into `dir`. The
/// directory appears complete or not at all: files are written into a
/// sibling temporary folder which then replaces `dir`. `before_commit`, when
/// given, adds files to that folder (its path) before it replaces `dir`.
void save_smiles_encoder(
    const SmilesEncoder& model, const tokenizers::Vocab& vocab, const std::string& dir,
    const nlohmann::json& extra = {},
    const std::function<void(const std::string& temp_dir)>& before_commit = nullptr);
/// Loads a directory written by save_smiles_encoder (model in eval mode).
/// Throws IoError (unreadable) or ModelError (missing/extra tensor, wrong
/// shape, vocabulary size mismatch), naming the file and tensor.
LoadedSmilesEncoder load_smiles_encoder(const std::string& dir);

}  // namespace plmkit::models
