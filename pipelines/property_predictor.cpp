#include "pipelines/property_predictor.hpp"

#include <limits>

#include "src/error.hpp"

namespace plmkit::pipelines {
namespace {

FeaturizerRuntime with_base(FeaturizerRuntime rt, const std::string& dir) {
    if (rt.base_dir.empty()) rt.base_dir = dir;
    return rt;
}

}  // namespace

PropertyPredictor::PropertyPredictor(const std::string& model_dir, const FeaturizerRuntime& runtime)
    : PropertyPredictor(models::PropertyModel::load(model_dir), with_base(runtime, model_dir)) {}

PropertyPredictor::PropertyPredictor(models::PropertyModel model, const FeaturizerRuntime& runtime)
    : model_(std::move(model)),
      featurizer_(PropertyFeaturizer::from_json(model_.config().featurizer, runtime)) {
    if (static_cast<std::int64_t>(featurizer_->dim()) != model_.input_dim())
        throw ModelError("the model's featurizer (" + featurizer_->name() + ") gives " +
                         std::to_string(featurizer_->dim()) + " features, its heads expect " +
                         std::to_string(model_.input_dim()));
}

PropertyPredictor::~PropertyPredictor() = default;
PropertyPredictor::PropertyPredictor(PropertyPredictor&&) noexcept = default;

void PropertyPredictor::predict_raw(float* rows, std::size_t n, double* mean, double* std) const {
    const std::size_t d = featurizer_->dim();
    for (std::size_t i = 0; i < n; ++i)
        featurizer_->normalize(rows + i * d);
    model_.predict(rows, static_cast<std::int64_t>(n), mean, std);
}

Predictions PropertyPredictor::predict(const std::vector<std::string>& inputs) const {
    FeatureMatrix fm = featurizer_->featurize(inputs);
    Predictions p;
    p.rows = inputs.size();
    p.targets = model_.num_targets();
    p.mean.assign(p.rows * p.targets, std::numeric_limits<double>::quiet_NaN());
    p.std.assign(p.rows * p.targets, std::numeric_limits<double>::quiet_NaN());
    p.errors = std::move(fm.errors);
    // Only the rows that featurized go through the heads.
    std::vector<float> ok;
    std::vector<std::size_t> where;
    ok.reserve((fm.rows - fm.rejected()) * fm.dim);
    for (std::size_t i = 0; i < fm.rows; ++i) {
        if (!p.errors[i].empty()) continue;
        ok.insert(ok.end(), fm.row(i), fm.row(i) + fm.dim);
        where.push_back(i);
    }
    std::vector<double> mean(where.size() * p.targets), sd(where.size() * p.targets);
    predict_raw(ok.data(), where.size(), mean.data(), sd.data());
    for (std::size_t k = 0; k < where.size(); ++k)
        for (std::size_t j = 0; j < p.targets; ++j) {
            p.mean[where[k] * p.targets + j] = mean[k * p.targets + j];
            p.std[where[k] * p.targets + j] = sd[k * p.targets + j];
        }
    return p;
}

}  // namespace plmkit::pipelines
