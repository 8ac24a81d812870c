#pragma once
// A trained property model ready to use: the model directory's ensemble
// (models::PropertyModel) plus its featurizer, re-created from config.json
// (one shared featurizer, or one per member for fine-tuned encoders).
// Shared by `plmkit predict`, `plmkit evaluate` and the screen's model score.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "models/property_model.hpp"
#include "pipelines/property_featurizer.hpp"

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

struct Predictions {
    /// `targets`: values per row, the model's num_outputs() (one per
    /// target, or per class for a multiclass model).
    std::size_t rows = 0, targets = 0;
    std::vector<double> mean;         ///< [rows x targets]; NaN for a rejected row
    std::vector<double> std;          ///< [rows x targets]; 0 with one member
    std::vector<std::string> errors;  ///< per row, "" = predicted
};

/// The reason a row's prediction cannot be used when the model's output for
/// it (mean[T], and std[T] unless null) holds NaN or inf: "the model's
/// output is not finite (NaN/inf): target 'y' = nan"; "" when all finite.
std::string non_finite_output(const models::PropertyModel& model, const double* mean,
                              const double* std);

/// With prior probabilities (PropertyModel::set_probabilities), what they
/// change: which parts are corrected from balanced classes to the training
/// rows' class balance and which are left as trained (unweighted); "" with
/// as-trained probabilities.
std::string probabilities_note(const models::PropertyModel& model);

class PropertyPredictor {
  public:
    /// Loads `model_dir`. Throws IoError / ModelError (naming the file and
    /// what does not fit).
    PropertyPredictor(const std::string& model_dir, const FeaturizerRuntime& runtime);
    /// An already loaded model (e.g. the built-in default model); encoder
    /// paths resolve against runtime.base_dir.
    PropertyPredictor(models::PropertyModel model, const FeaturizerRuntime& runtime);
    ~PropertyPredictor();
    PropertyPredictor(PropertyPredictor&&) noexcept;

    const models::PropertyModel& model() const { return model_; }
    /// The probabilities the predictions give (models::PropertyModel::
    /// set_probabilities; `where` names the model in its refusals). Call it
    /// before predicting.
    void set_probabilities(models::Probabilities mode, const std::string& where) {
        model_.set_probabilities(mode, where);
    }
    /// The featurizer (member 0's for fine-tuned encoders).
    const PropertyFeaturizer& featurizer() const { return *featurizers_.front(); }
    InputKind input_kind() const { return featurizer().input_kind(); }
    /// One featurizer for all members (false for fine-tuned encoders).
    bool shared_features() const { return featurizers_.size() == 1; }

    /// Featurizes and predicts `inputs` (SMILES / mol blocks / sequences); a
    /// row whose output is not finite gets non_finite_output's reason.
    Predictions predict(const std::vector<std::string>& inputs) const;
    /// Predictions for raw feature rows of the shared featurizer (normalized
    /// here, in place): rows[n * dim] -> mean[n * T], std[n * T] (std may be
    /// null). A model with D-MPNNs also needs the rows' graphs (n of them,
    /// as the featurizer made them: FeatureMatrix / PropertyTable::graphs).
    void predict_raw(float* rows, std::size_t n, double* mean, double* std,
                     const std::vector<models::MolGraph>* graphs = nullptr) const;
    /// One parsed molecule (`smiles` its SMILES): mean[T], std[T]. Returns ""
    /// or why it could not be featurized or predicted (non_finite_output).
    /// Thread-safe. `screen_row`: the screen's descriptor values of `mol`
    /// (descriptor_row() order), which a `basic` featurizer takes instead of
    /// computing them again.
    std::string predict_molecule(const RDKit::ROMol& mol, const std::string& smiles, double* mean,
                                 double* std,
                                 const std::vector<double>* screen_row = nullptr) const;

  private:
    /// The featurizer(s) from the config's description, checked against the heads.
    void load_featurizers(const FeaturizerRuntime& runtime);

    models::PropertyModel model_;
    std::vector<std::unique_ptr<PropertyFeaturizer>> featurizers_;
};

}  // namespace plmkit::pipelines
