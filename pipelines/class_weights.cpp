#include "pipelines/class_weights.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "models/property_model.hpp"
#include "models/trainer.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit::pipelines {
namespace {

/// Targets named with their weight in the log line; the rest are counted.
constexpr std::size_t kTargetsShown = 12;

/// Whether --head has a part trained by models::Trainer (weighted BCE).
bool trains_networks(const std::string& head) {
    return models::has_head_part(head, "mlp") || models::has_head_part(head, "mpnn");
}

/// The 0/1 targets of the training rows as models::positive_weights reads
/// them (NaN = missing, masked out).
models::TrainTensors label_tensors(const PropertyTable& t, const std::vector<std::size_t>& rows) {
    const auto n = static_cast<std::int64_t>(rows.size());
    const auto nt = static_cast<std::int64_t>(t.num_targets);
    models::TrainTensors out;
    out.y = at::zeros({n, nt}, at::kFloat);
    out.mask = at::zeros({n, nt}, at::kFloat);
    float *y = out.y.data_ptr<float>(), *m = out.mask.data_ptr<float>();
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < nt; ++j) {
            const double v = t.targets[rows[i] * t.num_targets + j];
            if (std::isnan(v)) continue;
            y[i * nt + j] = static_cast<float>(v);
            m[i * nt + j] = 1.f;
        }
    return out;
}

}  // namespace

std::string class_weights_used(const TrainOptions& o) {
    if (o.task != "classification" || !trains_networks(o.head)) return "";
    return o.class_weights.empty() ? "balanced" : o.class_weights;
}

void check_class_weights(const TrainOptions& o) {
    const std::string& w = o.class_weights;
    if (w.empty()) return;
    if (w != "balanced" && w != "none")
        throw UsageError("--class-weights must be balanced or none, got '" + w + "'");
    if (o.task != "classification")
        throw UsageError("--class-weights is used by --task classification, not by --task " +
                         o.task + "; leave it out");
    if (!trains_networks(o.head))
        throw UsageError("--class-weights weights the loss of the mlp and mpnn parts; --head " +
                         o.head + " has neither (forest, gbm and knn never weight classes)" +
                         "; leave it out");
}

void log_class_weights(const TrainOptions& o, const PropertyTable& t,
                       const std::vector<std::size_t>& train_rows) {
    const std::string used = class_weights_used(o);
    if (used.empty()) return;
    const std::string others =
        o.head == "mlp" || o.head == "mpnn" ? "" : " (forest, gbm and knn parts: unweighted)";
    if (used == "none") {
        log_info("train: --class-weights none: unweighted loss" + others +
                 "; predictions estimate probabilities at the training rows' positive rate");
        return;
    }
    const at::Tensor w = models::positive_weights(label_tensors(t, train_rows), true);
    std::string list;
    for (std::size_t j = 0; j < t.num_targets && j < kTargetsShown; ++j) {
        char v[32];
        std::snprintf(v, sizeof v, "%.3g", w[static_cast<std::int64_t>(j)].item<double>());
        list += (list.empty() ? "" : ", ") + o.target_cols[j] + " " + v;
    }
    if (t.num_targets > kTargetsShown)
        list += ", and " + std::to_string(t.num_targets - kTargetsShown) + " more";
    log_info(
        "train: --class-weights balanced: positives weighted by negatives / positives of "
        "the training rows (" +
        list + ")" + others +
        "; predictions are probabilities under balanced classes, not at the positive "
        "rate (0.5, the threshold of accuracy and MCC, is the balanced-class cut); "
        "predict --probabilities prior corrects them to the positive rate (or train with "
        "--class-weights none)");
}

namespace {

/// multiclass: per target the labelled training rows and each class's
/// share of them.
models::ClassPrior class_shares(const PropertyTable& t, const std::vector<std::size_t>& rows,
                                const std::vector<std::int64_t>& class_counts) {
    models::ClassPrior c;
    const std::size_t nt = t.num_targets;
    for (std::size_t j = 0; j < class_counts.size() && j < nt; ++j) {
        const auto classes = static_cast<std::size_t>(class_counts[j]);
        std::vector<std::size_t> count(classes, 0);
        std::size_t labelled = 0;
        for (std::size_t r : rows) {
            const double v = t.targets[r * nt + j];
            if (std::isnan(v) || v < 0 || v >= static_cast<double>(classes)) continue;
            ++count[static_cast<std::size_t>(v)];
            ++labelled;
        }
        c.labelled_rows.push_back(labelled);
        for (std::size_t n : count)
            c.frequencies.push_back(labelled ? static_cast<double>(n) / labelled : 0.0);
    }
    return c;
}

}  // namespace

std::optional<models::ClassPrior> training_class_prior(
    const TrainOptions& o, const PropertyTable& t, const std::vector<std::size_t>& train_rows,
    const std::vector<std::int64_t>& class_counts) {
    if (o.task == "multiclass") return class_shares(t, train_rows, class_counts);  // unweighted
    if (o.task != "classification") return std::nullopt;
    const models::TrainTensors labels = label_tensors(t, train_rows);
    const at::Tensor pos = (labels.y * labels.mask).sum(0).to(at::kDouble);
    const at::Tensor all = labels.mask.sum(0).to(at::kDouble);
    models::ClassPrior c;
    for (std::int64_t j = 0; j < static_cast<std::int64_t>(t.num_targets); ++j) {
        const double n = all[j].item<double>();
        c.labelled_rows.push_back(static_cast<std::size_t>(n));
        c.frequencies.push_back(n > 0 ? pos[j].item<double>() / n : 0.0);
    }
    if (class_weights_used(o) == "balanced") {
        for (const char* part : {"mlp", "mpnn"})
            if (models::has_head_part(o.head, part)) c.weighted_parts.emplace_back(part);
        const at::Tensor w = models::positive_weights(labels, true).to(at::kDouble);
        c.weights.assign(w.data_ptr<double>(), w.data_ptr<double>() + w.numel());
    }
    return c;
}

}  // namespace plmkit::pipelines
