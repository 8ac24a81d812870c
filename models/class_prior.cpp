#include "models/class_prior.hpp"

#include <algorithm>
#include <cmath>

#include "src/error.hpp"

namespace plmkit::models {

Probabilities parse_probabilities(const std::string& text, const std::string& flag) {
    if (text == "as-trained") return Probabilities::as_trained;
    if (text == "prior") return Probabilities::prior;
    throw UsageError(flag + " must be as-trained or prior, got '" + text + "'");
}

std::string probabilities_name(Probabilities p) {
    return p == Probabilities::prior ? "prior" : "as-trained";
}

bool ClassPrior::weighted(const std::string& part) const {
    return std::find(weighted_parts.begin(), weighted_parts.end(), part) != weighted_parts.end();
}

nlohmann::json ClassPrior::to_json(const std::string& task) const {
    const bool multiclass = task == "multiclass";
    nlohmann::json j = {{"weighted_parts", weighted_parts},
                        {"labelled_rows", labelled_rows},
                        {multiclass ? "class_frequencies" : "positive_rate", frequencies}};
    if (!weights.empty()) j[multiclass ? "class_weights" : "positive_weight"] = weights;
    return j;
}

ClassPrior ClassPrior::from_json(const nlohmann::json& j, const std::string& task,
                                 std::size_t outputs, const std::string& where,
                                 std::size_t targets) {
    const bool multiclass = task == "multiclass";
    const std::string what = where + ": \"class_prior\"";
    if (!multiclass && task != "classification")
        throw ModelError(what + " belongs to a classifier, not a " + task + " model");
    const char* freq_key = multiclass ? "class_frequencies" : "positive_rate";
    const char* weight_key = multiclass ? "class_weights" : "positive_weight";
    ClassPrior c;
    try {
        c.weighted_parts = j.at("weighted_parts").get<std::vector<std::string>>();
        c.labelled_rows = j.at("labelled_rows").get<std::vector<std::size_t>>();
        c.frequencies = j.at(freq_key).get<std::vector<double>>();
        if (j.contains(weight_key)) c.weights = j.at(weight_key).get<std::vector<double>>();
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(what + ": " + e.what());
    }
    for (const auto& part : c.weighted_parts)
        if (part != "mlp" && part != "mpnn")
            throw ModelError(what + ": weighted part '" + part + "' is not mlp or mpnn");
    if (c.labelled_rows.size() != (multiclass ? targets : outputs) ||
        c.frequencies.size() != outputs)
        throw ModelError(what + ": needs " + std::string(freq_key) + " for each of the " +
                         std::to_string(outputs) + " outputs and labelled_rows for each target");
    for (double f : c.frequencies)
        if (!(f >= 0 && f <= 1)) throw ModelError(what + ": " + freq_key + " outside [0, 1]");
    if (c.weighted_parts.empty() != c.weights.empty() ||
        (!c.weights.empty() && c.weights.size() != outputs))
        throw ModelError(what + ": " + weight_key + " needs one value per output when " +
                         "weighted_parts is not empty, and none otherwise");
    for (double w : c.weights)
        if (!(w > 0) || !std::isfinite(w))
            throw ModelError(what + ": " + weight_key + " must be finite and > 0");
    return c;
}

double prior_probability(double p, double w) {
    if (!(w > 0) || !std::isfinite(w))
        throw Error("prior_probability: the positive weight must be finite and > 0");
    if (!(p >= 0 && p <= 1)) throw Error("prior_probability: p must lie in [0, 1]");
    return p / (p + w * (1 - p));
}

void prior_class_probabilities(const double* p, const double* w, std::size_t k, double* out) {
    double total = 0;
    for (std::size_t i = 0; i < k; ++i) {
        if (!(w[i] > 0) || !std::isfinite(w[i]))
            throw Error("prior_class_probabilities: class weights must be finite and > 0");
        out[i] = p[i] / w[i];
        total += out[i];
    }
    if (!(total > 0)) throw Error("prior_class_probabilities: all probabilities are 0");
    for (std::size_t i = 0; i < k; ++i)
        out[i] /= total;
}

std::vector<double> prior_logit_shift(const std::optional<ClassPrior>& prior,
                                      const std::string& part, Probabilities mode) {
    if (mode != Probabilities::prior || !prior || !prior->weighted(part)) return {};
    std::vector<double> shift;
    for (double w : prior->weights)
        shift.push_back(-std::log(w));
    return shift;
}

}  // namespace plmkit::models
