#pragma once
// A trained property model: an ensemble of MLP heads, a random forest
// (models/forest.hpp), gradient-boosted trees (models/boosted_trees.hpp), an
// ensemble of D-MPNNs on molecular graphs (models/mpnn_ensemble.hpp),
// nearest neighbours on fingerprint columns (models/knn.hpp), or several of
// these averaged, plus everything needed to use it,
// saved as a self-describing directory:
//   config.json        format, plmkit version, task, targets, input column,
//                      featurizer description (opaque here, written by
//                      pipelines/), target standardization, MLP sizes,
//                      ensemble size, training options
//   model.safetensors  "members.<k>.layers.<i>.weight|bias", float32, and
//                      "forest.<t>.*" (Forest::to_tensors) with a forest
//                      (multiclass: "forest.0.value" K class shares a node),
//                      "gbm.<t>.*" (BoostedTrees::to_tensors) with boosting
//                      (multiclass: "gbm.<c>.*" the trees of class c),
//                      "mpnn.<k>.*" (MpnnEnsemble::to_tensors) with D-MPNNs
//                      (multiclass: K class logits a network),
//                      "knn.*" (NearestNeighbours::to_tensors) with knn
//                      (multiclass: K one-hot targets a row)
// In a multiclass model every part (mlp, forest, gbm, mpnn, knn) gives a
// probability per class and the parts are averaged as below.
// (metrics.json and split.csv are written next to them by the train job.)
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/boosted_trees.hpp"
#include "models/class_prior.hpp"
#include "models/forest.hpp"
#include "models/head_parts.hpp"
#include "models/knn.hpp"
#include "models/mlp.hpp"
#include "models/mpnn_ensemble.hpp"

namespace plmkit::models {

constexpr const char* kPropertyModelFormat = "plmkit-property-model";
/// config.json's format_version this build writes and reads.
constexpr int kPropertyModelVersion = 1;

/// The options of boosted trees as config.json records them.
nlohmann::json boost_options_json(const BoostOptions& o);

struct PropertyModelConfig {
    std::string task = "regression";  ///< regression | classification | multiclass
    std::vector<std::string> targets;
    /// multiclass: the classes of the target, in output order: the sorted
    /// distinct labels of the training rows (config.json "classes":
    /// {"<target>": [...]}); with several targets, each target's classes one
    /// after the other, in the order of `targets`. Empty for the other tasks.
    std::vector<std::string> classes;
    /// multiclass: each target's number of classes (its softmax group, in
    /// `classes` and the outputs; models/class_groups.hpp). Empty for the
    /// other tasks.
    std::vector<std::int64_t> class_counts;
    /// multiclass: target j's classes (a slice of `classes`).
    std::vector<std::string> target_classes(std::size_t j) const;
    /// multiclass: target j's first output.
    std::size_t class_offset(std::size_t j) const;
    /// The model's outputs per row: one per target, or one probability per
    /// class (multiclass).
    std::size_t num_outputs() const {
        return task == "multiclass" ? classes.size() : targets.size();
    }
    std::string input_col = "smiles";
    nlohmann::json featurizer;  ///< the featurizer's own description
    /// Regression: y = output * std + mean per target (empty: identity).
    std::vector<double> target_mean, target_std;
    /// The parts of the model joined by '+', each once: mlp (the MLP
    /// ensemble), forest, gbm, mpnn (the D-MPNN ensemble), knn (nearest
    /// neighbours); with more than one, predictions are the mean of the parts' (e.g. mlp+forest,
    /// forest+gbm, mlp+forest+gbm+mpnn).
    std::string head = "mlp";
    /// Each part's weight in the mean, in the order `head` names the parts
    /// (config.json "model"."weights"); empty: equal weights.
    std::vector<double> part_weights;
    /// The weight of `part` (1 with equal weights).
    double part_weight(const std::string& part) const;
    bool uses_mlp() const { return has_head_part(head, "mlp"); }
    bool uses_forest() const { return has_head_part(head, "forest"); }
    bool uses_gbm() const { return has_head_part(head, "gbm"); }
    bool uses_mpnn() const { return has_head_part(head, "mpnn"); }
    bool uses_knn() const { return has_head_part(head, "knn"); }
    /// input_dim and output_dim hold for every head; the rest is the MLP's.
    MlpOptions mlp;
    ForestOptions forest;  ///< how the forest was grown (informative)
    BoostOptions gbm;      ///< how the boosted trees were grown (informative)
    MpnnOptions mpnn;      ///< the D-MPNNs' sizes
    KnnOptions knn;        ///< k and the compared columns
    std::size_t mpnn_members = 0;
    nlohmann::json training;  ///< options the model was trained with (informative)
    /// Classifiers from plmkit train: the training rows' class frequencies
    /// and which parts weighted classes (config.json "class_prior"); absent
    /// in models trained before it was written.
    std::optional<ClassPrior> class_prior;
    /// Each member has its own fine-tuned encoder state
    /// ("members.<k>.encoder.<name>" tensors; pipelines/ builds the encoder).
    bool member_encoders = false;
    std::string plmkit_version;

    nlohmann::json to_json(std::size_t ensemble) const;
    nlohmann::json model_json() const;  ///< the "model" object of config.json
    /// config.json "classes": {"<target>": [...], ...} (multiclass), else null.
    nlohmann::json classes_json() const;
    /// Throws ModelError naming the missing or bad field.
    static PropertyModelConfig from_json(const nlohmann::json& j, const std::string& where);
};

class PropertyModel {
  public:
    /// A member's fine-tuned encoder parameters, by name.
    using EncoderState = std::vector<std::pair<std::string, at::Tensor>>;

    /// `members` is empty for a tree model alone (head "forest" or "gbm").
    PropertyModel(PropertyModelConfig config, std::vector<Mlp> members,
                  std::vector<EncoderState> encoders = {},
                  std::shared_ptr<const Forest> forest = nullptr,
                  std::shared_ptr<const BoostedTrees> gbm = nullptr,
                  std::shared_ptr<const MpnnEnsemble> mpnn = nullptr,
                  std::shared_ptr<const NearestNeighbours> knn = nullptr);

    /// Reads `dir`/config.json and `dir`/model.safetensors, checking every
    /// tensor's name and shape and the format_version. Throws IoError (no
    /// such directory, unreadable config.json) / ModelError (a directory
    /// without config.json, e.g. an unfinished train run; a config that does
    /// not fit; model.safetensors missing, unreadable or damaged).
    static PropertyModel load(const std::string& dir);
    /// The same from the contents of config.json and model.safetensors held
    /// in memory (`weights` must outlive the call only); `name` stands for
    /// the directory in messages.
    static PropertyModel from_memory(const std::string& config_json, const void* weights,
                                     std::size_t size, const std::string& name);
    /// Writes config.json and model.safetensors into `dir` (created),
    /// each file atomically.
    void save(const std::string& dir) const;

    const PropertyModelConfig& config() const { return config_; }
    std::size_t ensemble_size() const { return members_.size(); }
    std::int64_t input_dim() const { return config_.mlp.input_dim; }
    std::size_t num_targets() const { return config_.targets.size(); }
    /// Values per row of predict()'s mean and std: num_targets(), or the
    /// number of classes (multiclass: their probabilities).
    std::size_t num_outputs() const { return config_.num_outputs(); }
    const std::vector<Mlp>& members() const { return members_; }
    const std::shared_ptr<const Forest>& forest() const { return forest_; }
    const std::shared_ptr<const BoostedTrees>& gbm() const { return gbm_; }
    const std::shared_ptr<const MpnnEnsemble>& mpnn() const { return mpnn_; }
    const std::shared_ptr<const NearestNeighbours>& knn() const { return knn_; }
    /// Whether predict's std says something (an ensemble, a forest's trees,
    /// or the spread between the MLPs and a tree model).
    bool has_spread() const {
        return members_.size() > 1 || forest_ != nullptr || knn_ != nullptr || num_parts() > 1 ||
               (mpnn_ && mpnn_->size() > 1);
    }
    /// Number of parts averaged (MLP ensemble, forest, boosted trees,
    /// D-MPNN ensemble, nearest neighbours).
    int num_parts() const {
        return (members_.empty() ? 0 : 1) + (forest_ ? 1 : 0) + (gbm_ ? 1 : 0) + (mpnn_ ? 1 : 0) +
               (knn_ ? 1 : 0);
    }
    /// Which probabilities predict() gives from now on (models/class_prior.hpp):
    /// as trained (the default), or with `prior` each weighted part's members
    /// corrected to the training rows' class balance before the parts are
    /// averaged. Throws UsageError, naming `where` (the model directory), for
    /// prior on a regression model or on one without config().class_prior.
    /// Not thread-safe: call it before predicting.
    void set_probabilities(Probabilities mode, const std::string& where);
    Probabilities probabilities() const { return probabilities_; }

    /// Per member (empty unless config().member_encoders).
    const std::vector<EncoderState>& encoders() const { return encoders_; }

    /// Predictions for n feature rows x[n * input_dim] (row-major):
    /// mean[n * T] in the original units (regression) or probabilities
    /// (classification; multiclass: T = num_outputs(), each row the
    /// members' mean of their softmax over the classes (MLPs, D-MPNNs),
    /// the forest's mean of its trees' class shares, the boosted trees'
    /// softmax, the neighbours' weighted class shares, or the weighted mean
    /// of these parts), and the ensemble's standard deviation std[n * T]
    /// (0 with one member; may be null). A forest's std is the spread of
    /// its trees, neighbours alone the spread of their labels, boosted trees
    /// alone have std 0; with several parts
    /// (mlp+forest, ...) the mean is the average of the parts' means and std
    /// their standard deviation (half the difference of two), both weighted
    /// by config().part_weights when set. Rows with a NaN feature give
    /// NaN. Const and thread-safe: no module state is touched.
    /// A model with D-MPNNs (config().uses_mpnn()) also needs each row's
    /// molecular graph, `graphs` (n of them); without, it throws Error.
    void predict(const float* x, std::int64_t n, double* mean, double* std,
                 const std::vector<const MolGraph*>* graphs = nullptr) const;
    /// The same with member k's own features x[k] (fine-tuned encoders), or
    /// one matrix x[0] for all members and the tree models.
    void predict_members(const std::vector<const float*>& x, std::int64_t n, double* mean,
                         double* std, const std::vector<const MolGraph*>* graphs = nullptr) const;

  private:
    static PropertyModel from_file(const nlohmann::json& config_json, PropertyModelConfig config,
                                   const SafetensorsFile& file);
    /// The MLP ensemble's part of predict_members (x: one per member).
    void predict_mlp(const std::vector<const float*>& x, std::int64_t n, double* mean,
                     double* std) const;
    /// Up to this many rows predict without LibTorch tensors (predict_few).
    static constexpr std::int64_t kFewRows = 4;
    void predict_few(const std::vector<const float*>& x, std::int64_t n, double* mean,
                     double* std) const;

    PropertyModelConfig config_;
    std::vector<Mlp> members_;
    std::vector<EncoderState> encoders_;
    std::shared_ptr<const Forest> forest_;
    std::shared_ptr<const BoostedTrees> gbm_;
    std::shared_ptr<const MpnnEnsemble> mpnn_;
    std::shared_ptr<const NearestNeighbours> knn_;
    Probabilities probabilities_ = Probabilities::as_trained;
    /// Added to each output's logit of the MLP / D-MPNN members before the
    /// link (prior_logit_shift); empty: nothing added.
    std::vector<double> mlp_shift_, mpnn_shift_;
};

}  // namespace plmkit::models
