#pragma once
// The class balance of a classifier's training rows and the prior
// correction of probabilities learned under weighted classes
// (`--probabilities prior` of plmkit predict / evaluate / screen,
// docs/train.md "Probabilities").
//
// A network trained with a weighted binary cross-entropy, positives weighted
// by w (plmkit train --class-weights balanced: w = negatives / positives of
// the training rows, clamped to [0.05, 50]), minimizes at each x
//   -(w q log p + (1 - q) log(1 - p)),  q = P(y = 1 | x),
// whose optimum is p / (1 - p) = w q / (1 - q): the weighted model's odds
// are w times the odds at the training rows' positive rate. Undoing it,
//   p' = p / (p + w (1 - p)),  i.e.  logit p' = logit p - ln w,
// which with w = (1 - pi) / pi is p pi / (p pi + (1 - p)(1 - pi)). The same
// argument for a softmax whose class k is weighted w_k gives
// p'_k proportional to p_k / w_k (p_k pi_k for w_k proportional to 1 / pi_k).
// The correction is monotone, so it keeps each weighted part's ranking.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace plmkit::models {

/// Which probabilities a classifier's predict() gives.
enum class Probabilities {
    as_trained,  ///< each part as trained (weighted parts: balanced classes)
    prior,       ///< each weighted part corrected to the training class frequencies
};

/// "as-trained" | "prior"; UsageError naming `flag` for anything else.
Probabilities parse_probabilities(const std::string& text, const std::string& flag);
std::string probabilities_name(Probabilities p);

/// config.json "class_prior" (classification and multiclass models from
/// plmkit train): the training rows' class frequencies and the class weights
/// of the parts whose loss weighted classes.
struct ClassPrior {
    /// The parts ("mlp", "mpnn") trained with class weights; empty when none.
    std::vector<std::string> weighted_parts;
    /// classification: labelled training rows per target; multiclass: the
    /// labelled training rows of each target (one count for one target).
    std::vector<std::size_t> labelled_rows;
    /// classification: the positive rate per target; multiclass: the share
    /// of each class among its target's labelled rows, in the model's class
    /// order.
    std::vector<double> frequencies;
    /// The loss weight of each output in the weighted parts (classification:
    /// each target's positive weight; multiclass: each class's); empty when
    /// no part is weighted.
    std::vector<double> weights;

    bool weighted(const std::string& part) const;
    nlohmann::json to_json(const std::string& task) const;
    /// From config.json's "class_prior" for a model with `outputs` outputs
    /// (targets, or classes for multiclass) and, multiclass, `targets`
    /// targets; ModelError naming `where` and the field when it does not fit.
    static ClassPrior from_json(const nlohmann::json& j, const std::string& task,
                                std::size_t outputs, const std::string& where,
                                std::size_t targets = 1);
};

/// The probability p of a part trained with positive weight w at the
/// training rows' class balance: p / (p + w (1 - p)). Throws Error for
/// w <= 0 or p outside [0, 1].
double prior_probability(double p, double positive_weight);
/// The same for k class probabilities of a part trained with class weights
/// w[k]: out_k = (p_k / w_k) / sum_j (p_j / w_j). Throws Error for a weight
/// <= 0 or probabilities that are all 0.
void prior_class_probabilities(const double* p, const double* weights, std::size_t k, double* out);
/// What the correction adds to each output's logit: -ln w per output, or
/// empty when `mode` is as_trained or `part` is not weighted.
std::vector<double> prior_logit_shift(const std::optional<ClassPrior>& prior,
                                      const std::string& part, Probabilities mode);

}  // namespace plmkit::models
