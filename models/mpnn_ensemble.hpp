#pragma once
// The message-passing part of a property model (head part "mpnn"): an
// ensemble of D-MPNN networks (models/dmpnn.hpp) with the same options,
// stored as "mpnn.<k>.encoder.*" and "mpnn.<k>.ffn.*" tensors, and its
// options as config.json's "model"."mpnn" object.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/dmpnn.hpp"
#include "src/safetensors.hpp"

namespace plmkit::models {

/// What MpnnEnsemble::predict averages over the networks: their raw
/// (standardized) outputs (regression), the sigmoid of each output
/// (classification), or the softmax over the outputs, one per class
/// (multiclass).
enum class MpnnLink { raw, sigmoid, softmax };

struct MpnnOptions {
    DmpnnOptions encoder;
    /// The MLP on the molecule vector: input_dim = encoder.hidden + the
    /// fixed features taken (0 = the graph only), output_dim = targets (or
    /// classes: multiclass).
    MlpOptions ffn;
    /// Which graph featurization the atom and bond features come from
    /// (pipelines/mol_graph_builder.hpp); a model names it so a build with
    /// other features refuses it.
    std::string graph_features;
    std::int64_t feature_dim() const { return ffn.input_dim - encoder.hidden; }
};

nlohmann::json mpnn_options_json(const MpnnOptions& o, std::size_t members);
/// Throws ModelError naming `where` and the bad field.
MpnnOptions mpnn_options_from_json(const nlohmann::json& j, const std::string& where,
                                   std::size_t* members);

class MpnnEnsemble {
  public:
    /// Throws ModelError when there is no network or a network's sizes
    /// differ from `options`.
    MpnnEnsemble(MpnnOptions options, std::vector<MpnnNet> nets);

    /// Reads `members` networks, every tensor checked by name, shape and
    /// dtype (ModelError naming the tensor).
    static MpnnEnsemble from_tensors(const SafetensorsFile& file, const MpnnOptions& options,
                                     std::size_t members);
    /// Number of tensors from_tensors reads.
    std::size_t tensor_count() const;
    /// Appends the tensors (float32 copies kept alive in `keep`).
    void to_tensors(std::vector<TensorView>& views, std::vector<at::Tensor>& keep) const;

    const MpnnOptions& options() const { return options_; }
    std::size_t size() const { return nets_.size(); }
    const std::vector<MpnnNet>& nets() const { return nets_; }

    /// Outputs for n graphs (and their fixed features x[n * feature_dim],
    /// ignored when the networks take none): the members' mean and
    /// population std, [n * T], of each network's outputs through `link`
    /// (multiclass: T class probabilities a row, summing to 1). Unless
    /// `link` is raw, `logit_shift` (one per output, or empty) is added to
    /// each network's logits before the link (models/class_prior.hpp).
    /// softmax with `class_counts` of several targets: a softmax per
    /// target's group of outputs (models/class_groups.hpp). Thread-safe.
    void predict(const std::vector<const MolGraph*>& graphs, const float* x, MpnnLink link,
                 double* mean, double* std, const std::vector<double>& logit_shift = {},
                 const std::vector<std::int64_t>& class_counts = {}) const;

  private:
    MpnnOptions options_;
    std::vector<MpnnNet> nets_;
};

}  // namespace plmkit::models
