#pragma once
// Why a metric is null in metrics.json / evaluate's output, in words: a
// metric that is undefined for a target (one class only, no spread, no
// labelled row) is written as null, never as NaN (not JSON) nor as a made-up
// value, and a reader needs to know why, and that the mean over targets
// left that target out.
#include <map>
#include <string>
#include <vector>

namespace plmkit::pipelines {

/// "" when no metric of `metrics` is NaN; else "roc_auc, pr_auc are null:
/// all 35 labelled rows are class 1 (they need both classes)". `y_true` and
/// `y_pred` are one target's column, NaN where the label is missing.
std::string null_metrics_note(const std::string& task, const std::vector<double>& y_true,
                              const std::vector<double>& y_pred,
                              const std::map<std::string, double>& metrics);

/// "" when every metric has a value for each of `targets` targets; else
/// "roc_auc, pr_auc: mean of the 11 of 12 targets where defined" (`defined`:
/// per metric, how many targets had a value).
std::string mean_note(const std::map<std::string, int>& defined, std::size_t targets);

}  // namespace plmkit::pipelines
