#pragma once
// ESM-2 protein language model (fair-esm / Hugging Face EsmForMaskedLM
// semantics) as a LibTorch module: token-dropout scaled embeddings, pre-LN
// transformer blocks with rotary attention, final LayerNorm, optional masked-LM
// head and contact-prediction head.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "models/esm2_config.hpp"

namespace plmkit::models {

struct Esm2ForwardOptions {
    /// Representations to return: 0 = embeddings (after token-dropout
    /// scaling), k = output of layer k, num_layers = final (after
    /// emb_layer_norm_after).
    std::vector<int> repr_layers;
    bool need_logits = false;
    bool need_contacts = false;
};

struct Esm2Output {
    /// [B,T,E] per requested layer; T includes <cls>/<eos>/padding.
    std::map<int, torch::Tensor> representations;
    torch::Tensor logits;  ///< [B,T,V] (when need_logits)
    /// [B,T-2,T-2] contact probabilities with BOS/EOS dropped; for a padded row
    /// only the top-left LxL block (L residues) is meaningful.
    torch::Tensor contacts;
};

class Esm2LayerImpl;

struct Esm2InitOptions {
    at::ScalarType dtype = at::kFloat;
    at::Device device = at::kCPU;
    /// Random weights (normal(0, 0.02) matrices, LayerNorm 1/0) for
    /// benchmarks; false leaves them uninitialised for the loader to fill.
    bool random_init = true;
};

class Esm2Impl : public torch::nn::Module {
  public:
    /// Random float32 weights on the CPU.
    explicit Esm2Impl(const Esm2Config& config);
    Esm2Impl(const Esm2Config& config, const Esm2InitOptions& init);

    /// `tokens`: [B,T] int64 on the model's device, padded with pad_token_id.
    /// Runs under inference mode. On the CPU without contacts the non-pad
    /// tokens are packed (no work on padding; outputs at pad positions are 0). Requesting
    /// logits/contacts of a model loaded without that head, or a layer outside 0..num_layers, is a
    /// UsageError.
    Esm2Output forward(const torch::Tensor& tokens, const Esm2ForwardOptions& options);

    const Esm2Config& config() const { return config_; }
    bool has_lm_head() const { return has_lm_head_; }
    bool has_contact_head() const { return has_contact_head_; }
    /// Set by the loader when the checkpoint lacks the head's weights.
    void set_has_lm_head(bool value) { has_lm_head_ = value; }
    void set_has_contact_head(bool value) { has_contact_head_ = value; }
    /// The checkpoint's base-model prefix, set by the loader: "esm." for an
    /// EsmForMaskedLM checkpoint, "" for a bare EsmModel.
    const std::string& checkpoint_prefix() const { return checkpoint_prefix_; }
    void set_checkpoint_prefix(std::string prefix) { checkpoint_prefix_ = std::move(prefix); }
    /// Why contacts are unavailable, for a model without the contact head:
    /// the tensors this checkpoint's layout would hold and what to use instead.
    std::string missing_contact_head() const;

    // Parameters, public for the loader's name map (HF key in comments).
    torch::Tensor word_embeddings;    ///< esm.embeddings.word_embeddings.weight [V,E]
    torch::Tensor emb_ln_weight;      ///< esm.embeddings.layer_norm.weight (emb_layer_norm_before)
    torch::Tensor emb_ln_bias;        ///< esm.embeddings.layer_norm.bias
    torch::Tensor final_ln_weight;    ///< esm.encoder.emb_layer_norm_after.weight
    torch::Tensor final_ln_bias;      ///< esm.encoder.emb_layer_norm_after.bias
    torch::Tensor lm_dense_weight;    ///< lm_head.dense.weight [E,E]
    torch::Tensor lm_dense_bias;      ///< lm_head.dense.bias
    torch::Tensor lm_ln_weight;       ///< lm_head.layer_norm.weight
    torch::Tensor lm_ln_bias;         ///< lm_head.layer_norm.bias
    torch::Tensor lm_decoder_weight;  ///< lm_head.decoder.weight [V,E] (tied)
    torch::Tensor lm_bias;            ///< lm_head.bias [V]
    torch::Tensor contact_weight;     ///< esm.contact_head.regression.weight [1,L*H]
    torch::Tensor contact_bias;       ///< esm.contact_head.regression.bias [1]
    std::vector<std::shared_ptr<Esm2LayerImpl>> layers;

  private:
    /// Padded [B,T] path with attention masks (contacts, CUDA).
    Esm2Output forward_padded(const torch::Tensor& tokens, const Esm2ForwardOptions& options);
    /// CPU path over the non-pad tokens packed back to back.
    Esm2Output forward_packed(const torch::Tensor& tokens, const Esm2ForwardOptions& options);
    /// Sets every block's rot_cos/rot_sin for positions 0..length-1.
    void set_rotary_tables(std::int64_t length);

    Esm2Config config_;
    bool has_lm_head_ = true;
    bool has_contact_head_ = true;
    std::string checkpoint_prefix_ = "esm.";
};

TORCH_MODULE(Esm2);

}  // namespace plmkit::models
