#include "models/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_sizes(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
    if (a.size() != b.size())
        throw Error(std::string(what) + ": y_true has " + count_noun(a.size(), "value") +
                    ", the prediction " + std::to_string(b.size()));
}

double pearson(const std::vector<double>& a, const std::vector<double>& b) {
    const double n = static_cast<double>(a.size());
    if (a.size() < 2) return kNaN;
    double ma = std::accumulate(a.begin(), a.end(), 0.0) / n;
    double mb = std::accumulate(b.begin(), b.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    if (saa <= 0 || sbb <= 0) return kNaN;
    return sab / std::sqrt(saa * sbb);
}

struct Confusion {
    double tp = 0, tn = 0, fp = 0, fn = 0;
};

Confusion confusion(const std::vector<double>& y_true, const std::vector<double>& y_score,
                    double threshold) {
    Confusion c;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        bool truth = y_true[i] > 0.5;
        bool pred = y_score[i] >= threshold;
        if (truth && pred) c.tp += 1;
        if (truth && !pred) c.fn += 1;
        if (!truth && pred) c.fp += 1;
        if (!truth && !pred) c.tn += 1;
    }
    return c;
}

}  // namespace

double rmse(const std::vector<double>& y_true, const std::vector<double>& y_pred) {
    check_sizes(y_true, y_pred, "rmse");
    if (y_true.empty()) return kNaN;
    double s = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i)
        s += (y_true[i] - y_pred[i]) * (y_true[i] - y_pred[i]);
    return std::sqrt(s / static_cast<double>(y_true.size()));
}

double mae(const std::vector<double>& y_true, const std::vector<double>& y_pred) {
    check_sizes(y_true, y_pred, "mae");
    if (y_true.empty()) return kNaN;
    double s = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i)
        s += std::fabs(y_true[i] - y_pred[i]);
    return s / static_cast<double>(y_true.size());
}

double r2(const std::vector<double>& y_true, const std::vector<double>& y_pred) {
    check_sizes(y_true, y_pred, "r2");
    if (y_true.size() < 2) return kNaN;
    double mean =
        std::accumulate(y_true.begin(), y_true.end(), 0.0) / static_cast<double>(y_true.size());
    double ss_res = 0, ss_tot = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        ss_res += (y_true[i] - y_pred[i]) * (y_true[i] - y_pred[i]);
        ss_tot += (y_true[i] - mean) * (y_true[i] - mean);
    }
    if (ss_tot <= 0) return kNaN;
    return 1.0 - ss_res / ss_tot;
}

std::vector<double> average_ranks(const std::vector<double>& values) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    std::size_t i = 0;
    while (i < order.size()) {
        std::size_t j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]])
            ++j;
        double rank = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
        for (std::size_t k = i; k <= j; ++k)
            ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
    check_sizes(a, b, "spearman");
    return pearson(average_ranks(a), average_ranks(b));
}

double roc_auc(const std::vector<double>& y_true, const std::vector<double>& y_score) {
    check_sizes(y_true, y_score, "roc_auc");
    auto ranks = average_ranks(y_score);
    double n_pos = 0, n_neg = 0, rank_sum = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        if (y_true[i] > 0.5) {
            n_pos += 1;
            rank_sum += ranks[i];
        } else {
            n_neg += 1;
        }
    }
    if (n_pos == 0 || n_neg == 0) return kNaN;
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg);
}

double pr_auc(const std::vector<double>& y_true, const std::vector<double>& y_score) {
    check_sizes(y_true, y_score, "pr_auc");
    std::vector<std::size_t> order(y_true.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return y_score[a] > y_score[b]; });
    double n_pos = 0;
    for (double y : y_true)
        n_pos += y > 0.5 ? 1 : 0;
    // One class only: undefined, as ROC-AUC (sklearn gives a trivial 1.0
    // when every row is positive, which would lift a mean over targets).
    if (n_pos == 0 || n_pos == static_cast<double>(y_true.size())) return kNaN;
    double tp = 0, fp = 0, prev_recall = 0, ap = 0;
    std::size_t i = 0;
    while (i < order.size()) {
        double score = y_score[order[i]];
        while (i < order.size() && y_score[order[i]] == score) {
            (y_true[order[i]] > 0.5 ? tp : fp) += 1;
            ++i;
        }
        double recall = tp / n_pos;
        ap += (recall - prev_recall) * (tp / (tp + fp));
        prev_recall = recall;
    }
    return ap;
}

double accuracy(const std::vector<double>& y_true, const std::vector<double>& y_score,
                double threshold) {
    check_sizes(y_true, y_score, "accuracy");
    if (y_true.empty()) return kNaN;
    Confusion c = confusion(y_true, y_score, threshold);
    return (c.tp + c.tn) / static_cast<double>(y_true.size());
}

double mcc(const std::vector<double>& y_true, const std::vector<double>& y_score,
           double threshold) {
    check_sizes(y_true, y_score, "mcc");
    if (y_true.empty()) return kNaN;
    Confusion c = confusion(y_true, y_score, threshold);
    double denom = (c.tp + c.fp) * (c.tp + c.fn) * (c.tn + c.fp) * (c.tn + c.fn);
    if (denom <= 0) return 0.0;
    return (c.tp * c.tn - c.fp * c.fn) / std::sqrt(denom);
}

double log_loss(const std::vector<double>& y_true, const std::vector<double>& prob) {
    check_sizes(y_true, prob, "log_loss");
    if (y_true.empty()) return kNaN;
    constexpr double kEps = 1e-15;
    double sum = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        // The probability given to the true class, clipped below.
        const double p = y_true[i] > 0.5 ? prob[i] : 1 - prob[i];
        sum -= std::log(std::max(kEps, p));
    }
    return sum / static_cast<double>(y_true.size());
}

double brier(const std::vector<double>& y_true, const std::vector<double>& prob) {
    check_sizes(y_true, prob, "brier");
    if (y_true.empty()) return kNaN;
    double sum = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        const double d = prob[i] - (y_true[i] > 0.5 ? 1.0 : 0.0);
        sum += d * d;
    }
    return sum / static_cast<double>(y_true.size());
}

std::map<std::string, double> task_metrics(const std::string& task,
                                           const std::vector<double>& y_true,
                                           const std::vector<double>& y_pred) {
    check_sizes(y_true, y_pred, "task_metrics");
    std::vector<double> t, p;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        if (std::isnan(y_true[i]) || std::isnan(y_pred[i])) continue;
        t.push_back(y_true[i]);
        p.push_back(y_pred[i]);
    }
    if (task == "regression")
        return {{"rmse", rmse(t, p)},
                {"mae", mae(t, p)},
                {"r2", r2(t, p)},
                {"spearman", spearman(t, p)}};
    if (task == "classification")
        return {{"roc_auc", roc_auc(t, p)},   {"pr_auc", pr_auc(t, p)},
                {"accuracy", accuracy(t, p)}, {"mcc", mcc(t, p)},
                {"log_loss", log_loss(t, p)}, {"brier", brier(t, p)}};
    throw UsageError("unknown task '" + task + "', expected regression or classification");
}

std::string primary_metric(const std::string& task) {
    if (task == "multiclass") return "cross_entropy";
    return task == "classification" ? "roc_auc" : "rmse";
}

bool higher_is_better(const std::string& metric) {
    return metric != "rmse" && metric != "mae" && metric != "cross_entropy" &&
           metric != "log_loss" && metric != "brier";
}

}  // namespace plmkit::models
