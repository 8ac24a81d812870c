#pragma once
// A trained property model ready to use: the model directory's ensemble
// (models::PropertyModel) plus its featurizer, re-created from config.json.
// Shared by `plmkit predict`, `plmkit evaluate` and the screen's model score.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "models/property_model.hpp"
#include "pipelines/property_featurizer.hpp"

namespace plmkit::pipelines {

struct Predictions {
    std::size_t rows = 0, targets = 0;
    std::vector<double> mean;         ///< [rows x targets]; NaN for a rejected row
    std::vector<double> std;          ///< [rows x targets]; 0 with one member
    std::vector<std::string> errors;  ///< per row, "" = predicted
};

class PropertyPredictor {
  public:
    /// Loads `model_dir`. Throws IoError / ModelError (naming the file and
    /// what does not fit).
    PropertyPredictor(const std::string& model_dir, const FeaturizerRuntime& runtime);
    /// An already loaded model (e.g. the built-in default model).
    PropertyPredictor(models::PropertyModel model, const FeaturizerRuntime& runtime);
    ~PropertyPredictor();
    PropertyPredictor(PropertyPredictor&&) noexcept;

    const models::PropertyModel& model() const { return model_; }
    const PropertyFeaturizer& featurizer() const { return *featurizer_; }
    InputKind input_kind() const { return featurizer_->input_kind(); }

    /// Featurizes and predicts `inputs` (SMILES / mol blocks / sequences).
    Predictions predict(const std::vector<std::string>& inputs) const;
    /// Predictions for raw feature rows (normalized here, in place):
    /// rows[n * dim] -> mean[n * T], std[n * T] (std may be null).
    void predict_raw(float* rows, std::size_t n, double* mean, double* std) const;

  private:
    models::PropertyModel model_;
    std::unique_ptr<PropertyFeaturizer> featurizer_;
};

}  // namespace plmkit::pipelines
