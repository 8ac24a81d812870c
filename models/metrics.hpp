#pragma once
// Evaluation metrics for property models, in plain C++ (no LibTorch), so
// they can be tested against hand-computed values. Every function takes
// y_true and a prediction of the same length; a metric that is undefined for
// its input (empty, one class only, constant values) returns NaN.
#include <map>
#include <string>
#include <vector>

namespace plmkit::models {

// Regression.
double rmse(const std::vector<double>& y_true, const std::vector<double>& y_pred);
double mae(const std::vector<double>& y_true, const std::vector<double>& y_pred);
/// Coefficient of determination 1 - SS_res / SS_tot (sklearn's r2_score).
double r2(const std::vector<double>& y_true, const std::vector<double>& y_pred);
/// Pearson correlation of average ranks (ties share their mean rank, like
/// scipy.stats.spearmanr).
double spearman(const std::vector<double>& a, const std::vector<double>& b);

// Classification: y_true in {0, 1}, y_score a probability or any score.
/// Area under the ROC curve; tied scores count one half (sklearn's
/// roc_auc_score, computed as the Mann-Whitney U statistic).
double roc_auc(const std::vector<double>& y_true, const std::vector<double>& y_score);
/// Average precision, sum over thresholds of (R_n - R_{n-1}) P_n with tied
/// scores forming one threshold (sklearn's average_precision_score; not the
/// trapezoidal area under the PR curve, sklearn's auc(recall, precision)).
/// NaN with one class only, where sklearn gives 1.0 (all positive).
double pr_auc(const std::vector<double>& y_true, const std::vector<double>& y_score);
/// Fraction of correct labels after thresholding y_score at `threshold`.
double accuracy(const std::vector<double>& y_true, const std::vector<double>& y_score,
                double threshold = 0.5);
/// Matthews correlation coefficient after thresholding (0 when a margin of
/// the confusion matrix is empty, like sklearn).
double mcc(const std::vector<double>& y_true, const std::vector<double>& y_score,
           double threshold = 0.5);

/// Mean binary cross-entropy -[y ln p + (1 - y) ln(1 - p)], the probability
/// of the true class clipped below at 1e-15 (sklearn log_loss; lower is better).
double log_loss(const std::vector<double>& y_true, const std::vector<double>& prob);
/// Mean squared difference (p - y)^2 (sklearn brier_score_loss; lower is
/// better).
double brier(const std::vector<double>& y_true, const std::vector<double>& prob);

/// Average ranks (1-based; ties get the mean of their ranks).
std::vector<double> average_ranks(const std::vector<double>& values);

/// "regression": rmse, mae, r2, spearman; "classification": roc_auc, pr_auc,
/// accuracy, mcc, log_loss, brier (y_pred probabilities). Pairs whose
/// y_true is NaN (missing) are skipped.
std::map<std::string, double> task_metrics(const std::string& task,
                                           const std::vector<double>& y_true,
                                           const std::vector<double>& y_pred);

/// The metric a task is selected on ("rmse", "roc_auc", or for
/// "multiclass" "cross_entropy", class_metrics.hpp) and whether larger is
/// better.
std::string primary_metric(const std::string& task);
bool higher_is_better(const std::string& metric);

}  // namespace plmkit::models
