#pragma once
// Fixed-size protein features from a Hugging Face ESM-2 checkpoint (frozen):
// each sequence's representation at one layer, pooled over its residues
// (mean, the fair-esm extract.py "mean" output) or taken at <cls> ("bos").
// Sequences are batched by token budget (sorted by length, fair-esm's
// --toks_per_batch) and the results come back in input order; a sequence
// that cannot be tokenized gets a NaN row and a reason, never an exception.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipelines/feature_matrix.hpp"
#include "src/device.hpp"

namespace plmkit::pipelines {

struct EsmFeaturizerOptions {
    std::string model_dir;          ///< Hugging Face ESM-2 directory
    int layer = -1;                 ///< 0..num_layers, or negative from the end (-1 = final)
    std::string pooling = "mean";   ///< mean (over residues) | bos (<cls> token)
    std::size_t max_tokens = 4096;  ///< padded tokens per batch
    std::size_t truncate = 1022;    ///< residues kept per sequence (0 = no limit)
    ComputeDType dtype = ComputeDType::f32;
    Device device{DeviceKind::cpu};  ///< `automatic` is resolved at construction
};

class EsmFeaturizer {
  public:
    /// Loads the model. Throws UsageError (bad layer/pooling), IoError or
    /// ModelError (unreadable or invalid checkpoint).
    explicit EsmFeaturizer(const EsmFeaturizerOptions& options);
    ~EsmFeaturizer();
    EsmFeaturizer(EsmFeaturizer&&) noexcept;
    EsmFeaturizer& operator=(EsmFeaturizer&&) noexcept;

    /// Embedding width E.
    std::size_t dim() const;
    /// The resolved layer (0..num_layers).
    int layer() const;
    /// [n, E] float32 in input order; rejected sequences (characters
    /// outside the alphabet, empty) have NaN rows and a reason.
    FeatureMatrix featurize(const std::vector<std::string>& sequences) const;
    /// Description stored with a property model: model dir, weights hash,
    /// layer, pooling, truncation, dim.
    nlohmann::json to_json() const;
    /// Whether the loaded checkpoint is the one whose weights hash a model
    /// recorded (models::weights_hash_matches).
    bool matches_weights_hash(const std::string& recorded) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Sequences with more residues than --truncate (only their first
/// `truncate` are embedded), counted one at a time: train counts its table,
/// predict its chunks, evaluate its scored rows. Residues: as the ESM
/// tokenizer counts them (whitespace and a final '*' dropped, a `<mask>` or
/// `<unk>` one residue); a sequence the tokenizer rejects counts as 0.
class TruncationCount {
  public:
    explicit TruncationCount(std::size_t truncate = 0) : truncate_(truncate) {}
    /// Counts one sequence (a `truncate` of 0 counts none as longer).
    void add(const std::string& sequence);
    std::size_t truncate() const { return truncate_; }
    std::uint64_t sequences() const { return sequences_; }
    std::uint64_t longer() const { return longer_; }
    /// "esm: 3 of 60 sequences have more than --truncate 100 residues (the
    /// longest 265); only their first 100 are embedded" and `note` after it;
    /// "" when none is longer.
    std::string warning(const std::string& note = "") const;

  private:
    std::size_t truncate_;
    std::uint64_t sequences_ = 0, longer_ = 0, longest_ = 0;
};

}  // namespace plmkit::pipelines
