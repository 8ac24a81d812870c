#pragma once
// The encoder of a fine-tuned property model (`plmkit train --finetune
// last:N|full`): how inputs become token ids, how a fresh copy of the base
// encoder is built for each ensemble member, and how a member's stored
// weights become a featurizer for prediction.
//   smiles-lm  a plmkit-pretrain SMILES encoder (--lm-model), or one trained
//              from scratch (no --lm-model: vocabulary from the training
//              SMILES, random initialisation). The base (config, weights,
//              vocabulary) is saved as <model>/smiles_lm.
//   esm        a Hugging Face ESM-2 checkpoint (--esm-model), final layer,
//              mean or bos pooling (models/esm2_encoder.hpp). The base is not
//              copied: the description holds its absolute directory and
//              weights hash, and loading refuses a missing or changed base.
// The description (to_json) goes into the model's config.json as its
// featurizer; each member's trainable parameters go into model.safetensors
// (models::PropertyModel encoder states).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/property_model.hpp"
#include "models/sequence_encoder.hpp"
#include "pipelines/property_featurizer.hpp"

namespace plmkit::pipelines {

/// Size of a SMILES encoder trained from scratch.
struct ScratchEncoderOptions {
    std::int64_t hidden = 128, layers = 4, heads = 4, ffn = 512, max_len = 256;
    double dropout = 0.1;
};

class EncoderSpec {
  public:
    /// For training. `train_inputs` (the training set's SMILES) build the
    /// vocabulary of a from-scratch encoder. Throws UsageError for a
    /// featurizer that cannot be fine-tuned.
    static EncoderSpec create(const PropertyFeaturizerOptions& options,
                              const models::FinetuneMode& mode,
                              const std::vector<std::string>& train_inputs,
                              const ScratchEncoderOptions& scratch = {});
    /// From a model's featurizer description; relative paths resolve
    /// against runtime.base_dir.
    static EncoderSpec from_json(const nlohmann::json& j, const FeaturizerRuntime& runtime);

    EncoderSpec(EncoderSpec&&) noexcept;
    EncoderSpec& operator=(EncoderSpec&&) noexcept;
    ~EncoderSpec();

    InputKind input_kind() const;
    std::int64_t dim() const;
    /// Token ids of one input; returns "" or why it cannot be encoded.
    std::string encode(const std::string& input, std::vector<std::int32_t>& ids) const;
    /// A fresh copy of the base encoder with the fine-tuning mode applied (a
    /// new random initialisation, from at::manual_seed, when from scratch).
    std::shared_ptr<models::SequenceEncoder> build() const;
    /// Featurizer of a trained member: the base with `state` loaded.
    std::unique_ptr<PropertyFeaturizer> member_featurizer(
        const models::PropertyModel::EncoderState& state, const FeaturizerRuntime& runtime) const;
    /// Writes the base encoder into `model_dir` (what to_json refers to).
    void save_base(const std::string& model_dir) const;
    nlohmann::json to_json() const;

  private:
    EncoderSpec();
    static EncoderSpec create_esm(const PropertyFeaturizerOptions& options,
                                  const models::FinetuneMode& mode);
    static EncoderSpec esm_from_json(const nlohmann::json& j, const FeaturizerRuntime& runtime);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace plmkit::pipelines
