#pragma once
// Metrics of multi-class classification (--task multiclass), in plain C++
// like models/metrics.hpp: y_true holds class indices 0..K-1 (NaN =
// missing, skipped), prob the predicted probabilities [n x K] row-major.
// Each follows scikit-learn's definition (tests/models/test_class_metrics.cpp
// compares with sklearn.metrics); an undefined value is NaN.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace plmkit::models {

/// Softmax of k logits, in double (the largest subtracted first).
void softmax(const float* logits, std::size_t k, double* prob);

/// The predicted class of a row: the index of its largest probability
/// (the first on ties, as numpy's argmax).
std::size_t predicted_class(const double* prob, std::size_t k);

/// Fraction of rows whose predicted class is the true one
/// (sklearn accuracy_score on argmax).
double class_accuracy(const std::vector<double>& y_true, const std::vector<double>& prob,
                      std::size_t k);
/// Unweighted mean over classes of F1 = 2 TP / (2 TP + FP + FN), over the
/// classes that occur in y_true or in the predictions (sklearn
/// f1_score(average="macro") with its default labels).
double macro_f1(const std::vector<double>& y_true, const std::vector<double>& prob, std::size_t k);
/// Mean of -ln p(true class), p clipped to [1e-15, 1] (sklearn log_loss
/// with labels = 0..K-1).
double log_loss(const std::vector<double>& y_true, const std::vector<double>& prob, std::size_t k);
/// Mean over classes of the one-vs-rest ROC-AUC of each class's
/// probability (sklearn roc_auc_score(multi_class="ovr", average="macro"));
/// classes absent from y_true (or the only class present) are left out of
/// the mean, where sklearn refuses; NaN when none is left.
double macro_roc_auc(const std::vector<double>& y_true, const std::vector<double>& prob,
                     std::size_t k);

/// accuracy, macro_f1, cross_entropy (log_loss) and roc_auc (macro_roc_auc)
/// of the rows whose y_true is not NaN. Throws Error when prob is not
/// [n x k] or a label is outside 0..k-1.
std::map<std::string, double> multiclass_metrics(const std::vector<double>& y_true,
                                                 const std::vector<double>& prob, std::size_t k);

}  // namespace plmkit::models
