#include "models/class_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/metrics.hpp"
#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_shape(const std::vector<double>& y, const std::vector<double>& prob, std::size_t k,
                 const char* what) {
    if (k == 0 || prob.size() != y.size() * k)
        throw Error(std::string(what) + ": " + count_noun(y.size(), "label") +
                    (y.size() == 1 ? " needs " : " need ") + std::to_string(y.size()) + " x " +
                    std::to_string(k) + " probabilities, got " + std::to_string(prob.size()));
    for (double v : y)
        if (!(v >= 0 && v < static_cast<double>(k) && v == std::floor(v)))
            throw Error(std::string(what) + ": class index " + std::to_string(v) +
                        " is outside 0.." + std::to_string(k - 1));
}

}  // namespace

void softmax(const float* logits, std::size_t k, double* prob) {
    double top = logits[0], sum = 0;
    for (std::size_t c = 1; c < k; ++c)
        top = std::max(top, static_cast<double>(logits[c]));
    for (std::size_t c = 0; c < k; ++c) {
        prob[c] = std::exp(static_cast<double>(logits[c]) - top);
        sum += prob[c];
    }
    for (std::size_t c = 0; c < k; ++c)
        prob[c] /= sum;
}

std::size_t predicted_class(const double* prob, std::size_t k) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < k; ++c)
        if (prob[c] > prob[best]) best = c;
    return best;
}

double class_accuracy(const std::vector<double>& y_true, const std::vector<double>& prob,
                      std::size_t k) {
    check_shape(y_true, prob, k, "class_accuracy");
    if (y_true.empty()) return kNaN;
    double right = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i)
        right += predicted_class(&prob[i * k], k) == static_cast<std::size_t>(y_true[i]) ? 1 : 0;
    return right / static_cast<double>(y_true.size());
}

double macro_f1(const std::vector<double>& y_true, const std::vector<double>& prob, std::size_t k) {
    check_shape(y_true, prob, k, "macro_f1");
    if (y_true.empty()) return kNaN;
    std::vector<double> tp(k, 0), fp(k, 0), fn(k, 0);
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        const auto truth = static_cast<std::size_t>(y_true[i]);
        const std::size_t pred = predicted_class(&prob[i * k], k);
        if (truth == pred) {
            tp[truth] += 1;
        } else {
            fn[truth] += 1;
            fp[pred] += 1;
        }
    }
    double sum = 0, classes = 0;
    for (std::size_t c = 0; c < k; ++c) {
        const double denom = 2 * tp[c] + fp[c] + fn[c];
        if (denom == 0) continue;  // neither true nor predicted anywhere
        sum += 2 * tp[c] / denom;
        classes += 1;
    }
    return sum / classes;
}

double log_loss(const std::vector<double>& y_true, const std::vector<double>& prob, std::size_t k) {
    check_shape(y_true, prob, k, "log_loss");
    if (y_true.empty()) return kNaN;
    double sum = 0;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        const double p = prob[i * k + static_cast<std::size_t>(y_true[i])];
        sum -= std::log(std::clamp(p, 1e-15, 1.0));
    }
    return sum / static_cast<double>(y_true.size());
}

double macro_roc_auc(const std::vector<double>& y_true, const std::vector<double>& prob,
                     std::size_t k) {
    check_shape(y_true, prob, k, "macro_roc_auc");
    double sum = 0, classes = 0;
    std::vector<double> is_c(y_true.size()), score(y_true.size());
    for (std::size_t c = 0; c < k; ++c) {
        for (std::size_t i = 0; i < y_true.size(); ++i) {
            is_c[i] = static_cast<std::size_t>(y_true[i]) == c ? 1.0 : 0.0;
            score[i] = prob[i * k + c];
        }
        const double auc = roc_auc(is_c, score);  // NaN without positives or negatives
        if (std::isnan(auc)) continue;
        sum += auc;
        classes += 1;
    }
    return classes > 0 ? sum / classes : kNaN;
}

std::map<std::string, double> multiclass_metrics(const std::vector<double>& y_true,
                                                 const std::vector<double>& prob, std::size_t k) {
    if (k == 0 || prob.size() != y_true.size() * k)
        throw Error("multiclass_metrics: " + count_noun(y_true.size(), "label") +
                    (y_true.size() == 1 ? " needs " : " need ") +
                    count_noun(y_true.size() * k, "probability", "probabilities") + ", got " +
                    std::to_string(prob.size()));
    std::vector<double> y, p;
    for (std::size_t i = 0; i < y_true.size(); ++i) {
        if (std::isnan(y_true[i])) continue;
        bool bad = false;
        for (std::size_t c = 0; c < k; ++c)
            bad = bad || std::isnan(prob[i * k + c]);
        if (bad) continue;
        y.push_back(y_true[i]);
        p.insert(p.end(), &prob[i * k], &prob[i * k] + k);
    }
    return {{"accuracy", class_accuracy(y, p, k)},
            {"macro_f1", macro_f1(y, p, k)},
            {"cross_entropy", log_loss(y, p, k)},
            {"roc_auc", macro_roc_auc(y, p, k)}};
}

}  // namespace plmkit::models
