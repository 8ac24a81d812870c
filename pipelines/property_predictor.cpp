#include "pipelines/property_predictor.hpp"

#include <limits>

#include "pipelines/encoder_spec.hpp"
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
    : model_(std::move(model)) {
    const auto& desc = model_.config().featurizer;
    if (model_.config().member_encoders) {
        EncoderSpec spec = EncoderSpec::from_json(desc, runtime);
        for (const auto& state : model_.encoders())
            featurizers_.push_back(spec.member_featurizer(state, runtime));
    } else {
        featurizers_.push_back(PropertyFeaturizer::from_json(desc, runtime));
    }
    if (static_cast<std::int64_t>(featurizer().dim()) != model_.input_dim())
        throw ModelError("the model's featurizer (" + featurizer().name() + ") gives " +
                         std::to_string(featurizer().dim()) + " features, its heads expect " +
                         std::to_string(model_.input_dim()));
}

PropertyPredictor::~PropertyPredictor() = default;
PropertyPredictor::PropertyPredictor(PropertyPredictor&&) noexcept = default;

void PropertyPredictor::predict_raw(float* rows, std::size_t n, double* mean, double* std) const {
    if (!shared_features())
        throw Error("PropertyPredictor::predict_raw: the members have their own encoders");
    const std::size_t d = featurizer().dim();
    for (std::size_t i = 0; i < n; ++i)
        featurizer().normalize(rows + i * d);
    model_.predict(rows, static_cast<std::int64_t>(n), mean, std);
}

Predictions PropertyPredictor::predict(const std::vector<std::string>& inputs) const {
    std::vector<FeatureMatrix> fm;
    for (const auto& f : featurizers_)
        fm.push_back(f->featurize(inputs));
    Predictions p;
    p.rows = inputs.size();
    p.targets = model_.num_targets();
    p.mean.assign(p.rows * p.targets, std::numeric_limits<double>::quiet_NaN());
    p.std.assign(p.rows * p.targets, std::numeric_limits<double>::quiet_NaN());
    p.errors = fm.front().errors;  // the same tokenization for every member
    // Only the rows that featurized go through the heads.
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < p.rows; ++i)
        if (p.errors[i].empty()) where.push_back(i);
    const std::size_t d = featurizer().dim();
    std::vector<std::vector<float>> ok(fm.size());
    std::vector<const float*> x;
    for (std::size_t k = 0; k < fm.size(); ++k) {
        ok[k].reserve(where.size() * d);
        for (std::size_t i : where) {
            ok[k].insert(ok[k].end(), fm[k].row(i), fm[k].row(i) + d);
            featurizers_[k]->normalize(ok[k].data() + ok[k].size() - d);
        }
        x.push_back(ok[k].data());
    }
    std::vector<double> mean(where.size() * p.targets), sd(where.size() * p.targets);
    model_.predict_members(x, static_cast<std::int64_t>(where.size()), mean.data(), sd.data());
    for (std::size_t k = 0; k < where.size(); ++k)
        for (std::size_t j = 0; j < p.targets; ++j) {
            p.mean[where[k] * p.targets + j] = mean[k * p.targets + j];
            p.std[where[k] * p.targets + j] = sd[k * p.targets + j];
        }
    return p;
}

std::string PropertyPredictor::predict_molecule(const RDKit::ROMol& mol, const std::string& smiles,
                                                double* mean, double* std) const {
    const std::size_t d = featurizer().dim();
    std::vector<std::vector<float>> rows(featurizers_.size(), std::vector<float>(d));
    std::vector<const float*> x;
    for (std::size_t k = 0; k < featurizers_.size(); ++k) {
        std::string why = featurizers_[k]->featurize_molecule(mol, smiles, rows[k].data());
        if (!why.empty()) return why;
        featurizers_[k]->normalize(rows[k].data());
        x.push_back(rows[k].data());
    }
    model_.predict_members(x, 1, mean, std);
    return "";
}

}  // namespace plmkit::pipelines
