// The MLP ensemble's part of PropertyModel::predict (models/property_model.hpp):
// each member's output through the task's link (sigmoid, softmax, or the
// target standardization undone), then the members' mean and spread; and
// the choice of probabilities (set_probabilities), whose prior correction
// shifts each weighted member's logits before the link.
#include "models/property_model.hpp"

#include "models/class_groups.hpp"
#include "models/class_metrics.hpp"
#include "src/error.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace plmkit::models {

void PropertyModel::predict_few(const std::vector<const float*>& x, std::int64_t n, double* mean,
                                double* std) const {
    // Same arithmetic as the tensor path below, in plain loops: a screen
    // scores one molecule at a time, where LibTorch's per-op cost dominates.
    const std::size_t t = num_outputs(), k = members_.size();
    const bool multiclass = config_.task == "multiclass";
    std::vector<float> out(static_cast<std::size_t>(n) * t);
    std::vector<double> all(k * out.size());
    std::vector<char> bad(static_cast<std::size_t>(n), 0);
    for (std::size_t m = 0; m < k; ++m) {
        for (std::int64_t r = 0; r < n; ++r)
            for (std::int64_t c = 0; c < input_dim(); ++c)
                if (std::isnan(x[m][r * input_dim() + c])) bad[r] = 1;
        members_[m]->infer_rows(x[m], n, out.data());
        if (multiclass) {
            if (!mlp_shift_.empty())  // the prior correction (class_prior.hpp), before the link
                for (std::size_t i = 0; i < out.size(); ++i)
                    out[i] = static_cast<float>(out[i] + mlp_shift_[i % t]);
            for (std::int64_t r = 0; r < n; ++r)
                for (std::size_t g = 0; g < config_.class_counts.size(); ++g) {
                    const std::size_t b = r * t + config_.class_offset(g);
                    softmax(out.data() + b, static_cast<std::size_t>(config_.class_counts[g]),
                            &all[m * out.size() + b]);
                }
            continue;
        }
        for (std::size_t i = 0; i < out.size(); ++i) {
            const std::size_t j = i % t;
            double o = out[i] + (mlp_shift_.empty() ? 0.0 : mlp_shift_[j]);
            if (config_.task == "classification")
                o = 1.0 / (1.0 + std::exp(-o));
            else if (!config_.target_mean.empty())
                o = o * config_.target_std[j] + config_.target_mean[j];
            all[m * out.size() + i] = o;
        }
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i = 0; i < out.size(); ++i) {
        double mu = 0, var = 0;
        for (std::size_t m = 0; m < k; ++m)
            mu += all[m * out.size() + i];
        mu /= static_cast<double>(k);
        for (std::size_t m = 0; m < k; ++m)
            var += (all[m * out.size() + i] - mu) * (all[m * out.size() + i] - mu);
        const bool b = bad[i / t];
        mean[i] = b ? nan : mu;
        if (std) std[i] = b ? nan : (k > 1 ? std::sqrt(var / static_cast<double>(k)) : 0.0);
    }
}

void PropertyModel::predict_mlp(const std::vector<const float*>& x, std::int64_t n, double* mean,
                                double* std) const {
    const std::int64_t t = static_cast<std::int64_t>(num_outputs());
    if (n <= kFewRows && members_.front()->parameters().front().device().is_cpu())
        return predict_few(x, n, mean, std);
    at::InferenceMode guard;
    at::Tensor bad = at::zeros({n, 1}, at::kBool);
    std::vector<at::Tensor> outs;
    for (std::size_t k = 0; k < members_.size(); ++k) {
        at::Tensor input = at::from_blob(const_cast<float*>(x[k]), {n, input_dim()}, at::kFloat);
        bad = bad | input.isnan().any(1, true);
        at::Tensor o = members_[k]->infer(input).to(at::kDouble);
        if (!mlp_shift_.empty()) o = o + at::tensor(mlp_shift_, at::kDouble);
        if (config_.task == "multiclass") {
            o = softmax_groups(o, config_.class_counts);
        } else if (config_.task == "classification") {
            o = at::sigmoid(o);
        } else if (!config_.target_mean.empty()) {
            o = o * at::tensor(config_.target_std, at::kDouble) +
                at::tensor(config_.target_mean, at::kDouble);
        }
        outs.push_back(o);
    }
    at::Tensor all = at::stack(outs);  // [K, n, T]
    at::Tensor mu = all.mean(0);
    at::Tensor sd = outs.size() > 1 ? all.std(0, /*unbiased=*/false) : at::zeros_like(mu);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    mu = at::where(bad, at::full_like(mu, nan), mu).contiguous();
    sd = at::where(bad, at::full_like(sd, nan), sd).contiguous();
    std::memcpy(mean, mu.data_ptr<double>(), static_cast<std::size_t>(n * t) * sizeof(double));
    if (std)
        std::memcpy(std, sd.data_ptr<double>(), static_cast<std::size_t>(n * t) * sizeof(double));
}

void PropertyModel::set_probabilities(Probabilities mode, const std::string& where) {
    if (mode == Probabilities::prior) {
        if (config_.task == "regression")
            throw UsageError("prior probabilities are for classification and multiclass models; " +
                             where + " is a regression model");
        if (!config_.class_prior)
            throw UsageError(
                where +
                "/config.json has no \"class_prior\" (the training rows' class frequencies "
                "and which parts were trained with class weights), which prior probabilities "
                "need: the model was trained by an earlier plmkit; train it again to add it, "
                "or use as-trained probabilities");
    }
    probabilities_ = mode;
    mlp_shift_ = prior_logit_shift(config_.class_prior, "mlp", mode);
    mpnn_shift_ = prior_logit_shift(config_.class_prior, "mpnn", mode);
}

}  // namespace plmkit::models
