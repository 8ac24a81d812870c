#pragma once
// Fixed-size molecule features from a `plmkit pretrain` SMILES encoder
// (LM_DIR): the encoder's hidden states averaged over the tokens of
// <cls> SMILES <eos> (models::SmilesEncoderImpl::pooled), frozen. A SMILES
// the tokenizer rejects, one longer than the model's max_len, or one RDKit
// cannot parse (pipelines/mol_parse.hpp) gets a NaN row and the reason;
// tokens missing from the vocabulary encode as <unk>.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/smiles_encoder.hpp"
#include "pipelines/feature_matrix.hpp"

namespace plmkit::pipelines {

struct SmilesLmFeaturizerOptions {
    std::string model_dir;          ///< LM_DIR written by plmkit pretrain
    std::size_t max_tokens = 8192;  ///< padded tokens per batch
};

/// "" when RDKit parses and sanitizes `smiles`, else "unparsable SMILES:
/// <RDKit's reason>" (the encoder embeds only molecules RDKit accepts).
std::string smiles_parse_error(const std::string& smiles);

class SmilesLmFeaturizer {
  public:
    /// Loads the encoder; throws IoError / ModelError for a bad LM_DIR.
    explicit SmilesLmFeaturizer(const SmilesLmFeaturizerOptions& options);
    /// An encoder already in memory (e.g. a fine-tuned ensemble member);
    /// options.model_dir is only reported by to_json().
    SmilesLmFeaturizer(models::LoadedSmilesEncoder encoder,
                       const SmilesLmFeaturizerOptions& options);
    ~SmilesLmFeaturizer();
    SmilesLmFeaturizer(SmilesLmFeaturizer&&) noexcept;
    SmilesLmFeaturizer& operator=(SmilesLmFeaturizer&&) noexcept;

    /// Embedding width (the encoder's hidden size).
    std::size_t dim() const;
    /// [n, dim] in input order; rejected SMILES have NaN rows and a reason.
    FeatureMatrix featurize(const std::vector<std::string>& smiles) const;
    /// One SMILES into out[0..dim); returns "" or why it was rejected.
    std::string featurize_smiles(const std::string& smiles, float* out) const;
    /// Description stored with a property model (name, model_dir, dim).
    nlohmann::json to_json() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace plmkit::pipelines
