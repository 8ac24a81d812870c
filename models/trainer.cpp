#include "models/trainer.hpp"

#include "models/class_groups.hpp"

#include "models/module_tensors.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

#include "models/class_metrics.hpp"
#include "models/metrics.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/progress.hpp"
#include "src/runtime.hpp"
#include "src/strings.hpp"

namespace plmkit::models {

namespace {

/// The peak learning rate of each of the optimizer's parameter groups: one
/// group, or with an encoder_lr of its own, the encoder's then the head's.
std::vector<double> group_peaks(Trainable& model, const TrainerOptions& o) {
    const std::size_t n = model.encoder_parameter_count();
    if (n == 0 || o.encoder_lr <= 0 || o.encoder_lr == o.lr) return {o.lr};
    return {o.encoder_lr, o.lr};
}

std::vector<torch::optim::OptimizerParamGroup> param_groups(Trainable& model,
                                                            const TrainerOptions& o,
                                                            const std::vector<double>& peaks) {
    std::vector<at::Tensor> all = model.parameters();
    std::vector<torch::optim::OptimizerParamGroup> groups;
    auto options = [&](double lr) {
        return std::make_unique<torch::optim::AdamWOptions>(
            torch::optim::AdamWOptions(lr).weight_decay(o.weight_decay));
    };
    if (peaks.size() == 1) {
        groups.emplace_back(all, options(peaks[0]));
        return groups;
    }
    const auto n = static_cast<std::ptrdiff_t>(model.encoder_parameter_count());
    groups.emplace_back(std::vector<at::Tensor>(all.begin(), all.begin() + n), options(peaks[0]));
    groups.emplace_back(std::vector<at::Tensor>(all.begin() + n, all.end()), options(peaks[1]));
    return groups;
}

}  // namespace

struct Trainer::Impl {
    explicit Impl(Trainable& model, const TrainerOptions& o)
        : peaks(group_peaks(model, o)),
          optimizer(param_groups(model, o, peaks),
                    torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay)) {}
    std::vector<double> peaks;  ///< per parameter group
    torch::optim::AdamW optimizer;
};

namespace {

std::vector<double> column(const at::Tensor& t, std::int64_t j) {
    at::Tensor c = t.select(1, j).to(at::kDouble).contiguous();
    const double* p = c.data_ptr<double>();
    return std::vector<double>(p, p + c.numel());
}

/// Mean of the non-NaN values, each times scale[j] when given; NaN if none.
double mean_of(const std::vector<double>& values, const std::vector<double>& scale) {
    double sum = 0;
    int count = 0;
    for (std::size_t j = 0; j < values.size(); ++j) {
        if (std::isnan(values[j])) continue;
        sum += values[j] * (j < scale.size() ? scale[j] : 1.0);
        ++count;
    }
    return count ? sum / count : std::nan("");
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

/// Per row and target, -log p(labelled class) (masked rows hold class 0).
at::Tensor multiclass_loss(const at::Tensor& out, const at::Tensor& y,
                           const std::vector<std::int64_t>& counts) {
    if (counts.size() <= 1) {
        const at::Tensor cls = y.select(1, 0).to(at::kLong).unsqueeze(1);
        return -at::log_softmax(out, 1).gather(1, cls);
    }
    const at::Tensor logp = log_softmax_groups(out, counts);
    std::vector<at::Tensor> cols;
    for (std::size_t j = 0; j < counts.size(); ++j) {
        const std::int64_t b = group_offset(counts, j);
        const at::Tensor cls = y.select(1, static_cast<std::int64_t>(j)).to(at::kLong).unsqueeze(1);
        cols.push_back(-logp.slice(1, b, b + counts[j]).gather(1, cls));
    }
    return at::cat(cols, 1);
}

}  // namespace

Trainer::Trainer(Mlp model, const TrainerOptions& options)
    : Trainer(std::make_shared<MlpTrainable>(std::move(model)), options) {}

Trainer::Trainer(std::shared_ptr<Trainable> model, const TrainerOptions& options)
    : model_(std::move(model)), options_(options), impl_(std::make_unique<Impl>(*model_, options)) {
    if (options_.task != "regression" && options_.task != "classification" &&
        options_.task != "multiclass")
        throw UsageError("unknown task '" + options_.task +
                         "', expected regression, classification or multiclass");
    if (options_.batch_size <= 0) throw UsageError("--batch-size must be > 0");
    if (options_.grad_accum <= 0)
        throw UsageError("--grad-accum must be >= 1, got " + std::to_string(options_.grad_accum));
    if (!(options_.warmup_epochs >= 0) || !std::isfinite(options_.warmup_epochs))
        throw UsageError("--warmup-epochs must be a number of epochs >= 0 (0 = no warm-up), got " +
                         fmt("%g", options_.warmup_epochs));
    best_metric_ = higher_is_better(primary_metric(options_.task))
                       ? -std::numeric_limits<double>::infinity()
                       : std::numeric_limits<double>::infinity();
}

Trainer::~Trainer() = default;

double Trainer::lr_at(std::int64_t step, std::int64_t steps_per_epoch) const {
    return scheduled_lr(options_, step, steps_per_epoch);
}

at::Tensor Trainer::batch_loss(const at::Tensor& out, const at::Tensor& y_in,
                               const at::Tensor& mask_in, double labels) const {
    // Targets live on the CPU; the outputs where the model runs.
    const at::Tensor y = y_in.to(out.device()), mask = mask_in.to(out.device());
    at::Tensor per;
    if (options_.task == "regression") {
        per = (out - y).pow(2);
    } else if (options_.task == "multiclass") {
        // Softmax cross-entropy: y [B, 1] holds the class index (0 where
        // masked), out [B, K] the logits; with several targets, y [B, T]
        // and each target's classes their own softmax.
        per = multiclass_loss(out, y, options_.class_counts);
    } else {
        // BCE with logits, positives weighted by pos_weight (per target).
        at::Tensor log_p = at::log_sigmoid(out), log_not_p = at::log_sigmoid(-out);
        per = -(pos_weight_.to(out.device()) * y * log_p + (1 - y) * log_not_p);
    }
    if (labels > 0) return (per * mask).sum() / labels;
    return (per * mask).sum() / mask.sum().clamp_min(1.0);
}

at::Tensor positive_weights(const TrainTensors& train, bool balanced) {
    at::Tensor pos = (train.y * train.mask).sum(0), all = train.mask.sum(0);
    return balanced ? ((all - pos) / pos.clamp_min(1.0)).clamp(0.05, 50.0) : at::ones_like(pos);
}

Mlp Trainer::model() const {
    auto* m = dynamic_cast<const MlpTrainable*>(model_.get());
    if (!m) throw Error("Trainer::model(): not an MLP trainer");
    return m->mlp();
}

double Trainer::train_epoch(const TrainTensors& train, int epoch, std::int64_t steps_per_epoch) {
    model_->train(true);
    const std::uint64_t key = options_.seed * 1000003ULL + static_cast<std::uint64_t>(epoch);
    at::Generator gen = at::detail::createCPUGenerator(key);
    at::manual_seed(key ^ 0x9e3779b97f4a7c15ULL);
    const std::int64_t n = train.size();
    at::Tensor perm = at::randperm(n, gen, at::TensorOptions().dtype(at::kLong));
    // Consecutive batches of the permutation, grad_accum of them per step.
    const std::int64_t group = static_cast<std::int64_t>(options_.batch_size) *
                               std::max<std::int64_t>(1, options_.grad_accum);
    ProgressOptions po;
    po.label =
        options_.label + " epoch " + std::to_string(epoch) + "/" + std::to_string(options_.epochs);
    po.item_name = "steps";
    po.unit_name = "rows";
    po.total_items = static_cast<std::uint64_t>(steps_per_epoch);
    po.enabled = options_.progress;
    po.item_rate = false;  // rows/s and the ETA say more than a slow "0 steps/s"
    Progress progress(po);
    double total = 0;
    std::int64_t step = static_cast<std::int64_t>(epoch - 1) * steps_per_epoch;
    for (std::int64_t start = 0; start < n; start += group, ++step) {
        const at::Tensor rows = perm.slice(0, start, std::min(n, start + group));
        total += train_step(train, rows, lr_at(step, steps_per_epoch));
        char note[48];
        std::snprintf(note, sizeof note, "train loss %.4f",
                      total / static_cast<double>(std::min(n, start + group)));
        progress.set_note(note);
        progress.add(1, static_cast<std::uint64_t>(rows.size(0)));
    }
    progress.clear();  // the epoch line follows
    return n > 0 ? total / static_cast<double>(n) : 0.0;
}

double Trainer::train_step(const TrainTensors& train, const at::Tensor& rows, double lr) {
    auto& groups = impl_->optimizer.param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g) {
        // A group of its own peak follows the schedule in proportion.
        const double peak = impl_->peaks[g];
        static_cast<torch::optim::AdamWOptions&>(groups[g].options())
            .lr(peak == options_.lr ? lr : lr * peak / options_.lr);
    }
    impl_->optimizer.zero_grad();
    // One batch: its own masked mean. Several: each batch's masked sum over
    // the labels of the whole group, so that the summed gradients are those
    // of the group's mean, a missing label weighing as in one large batch.
    const std::int64_t n = rows.size(0), batch = options_.batch_size;
    const double labels =
        n > batch ? std::max(1.0, train.mask.index_select(0, rows).sum().item<double>()) : 0.0;
    double loss_sum = 0;
    for (std::int64_t start = 0; start < n; start += batch) {
        throw_if_interrupted();
        const at::Tensor idx = rows.slice(0, start, std::min(n, start + batch));
        at::Tensor out = model_->forward(train, idx);
        at::Tensor loss =
            batch_loss(out, train.y.index_select(0, idx), train.mask.index_select(0, idx), labels);
        loss.backward();
        loss_sum += loss.item<double>();
    }
    if (options_.clip_norm > 0)
        torch::nn::utils::clip_grad_norm_(model_->parameters(), options_.clip_norm);
    impl_->optimizer.step();
    return loss_sum * static_cast<double>(n);
}

bool Trainer::improved(double metric) const {
    if (std::isnan(metric)) return best_epoch_ == 0;
    return higher_is_better(primary_metric(options_.task)) ? metric > best_metric_
                                                           : metric < best_metric_;
}

void Trainer::fit(const TrainTensors& train, const TrainTensors& val,
                  const std::function<void(const Trainer&)>& on_epoch_end) {
    if (train.size() == 0) throw InputError("no training molecules");
    if (options_.task == "multiclass") check_classes(train, val);
    if (options_.task == "classification") {
        pos_weight_ = positive_weights(train, options_.balance_classes);
    }
    const std::int64_t steps = optimizer_steps_per_epoch(train.size(), options_);
    while (!stopped_ && epochs_done_ < options_.epochs) {
        auto t0 = std::chrono::steady_clock::now();
        EpochRecord rec;
        rec.epoch = epochs_done_ + 1;
        rec.train_loss = train_epoch(train, rec.epoch, steps);
        rec.lr = lr_at(static_cast<std::int64_t>(rec.epoch) * steps - 1, steps);
        bool has_val = val.size() > 0;
        rec.val_loss = has_val ? loss(val) : std::nan("");
        // One pass over the validation rows for both figures.
        const std::vector<double> per = has_val ? target_metrics(val) : std::vector<double>();
        rec.val_metric = has_val ? mean_of(per, {}) : std::nan("");
        const double shown = has_val ? mean_of(per, shown_scale()) : std::nan("");
        if (!std::isfinite(rec.train_loss) || (has_val && !std::isfinite(rec.val_loss))) {
            stop_diverged(rec.epoch);  // throws when no finite epoch can be kept
        } else if (!has_val || improved(rec.val_metric)) {
            best_metric_ = has_val ? rec.val_metric : best_metric_;
            best_shown_ = shown;
            best_epoch_ = rec.epoch;
            bad_epochs_ = 0;
            best_params_.clear();
            for (const auto& p : model_->parameters())
                best_params_.push_back(p.detach().clone());
        } else if (options_.patience > 0 && ++bad_epochs_ >= options_.patience) {
            stopped_ = true;
        }
        rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        history_.push_back(rec);
        epochs_done_ = rec.epoch;
        if (options_.log_epochs) log_info(epoch_line(rec, shown, has_val ? val.y.size(1) : 0));
        if (on_epoch_end) on_epoch_end(*this);
    }
    at::NoGradGuard no_grad;
    auto params = model_->parameters();
    for (std::size_t i = 0; i < params.size() && i < best_params_.size(); ++i)
        params[i].copy_(best_params_[i]);
}

namespace {
/// Whether every value of every tensor is finite.
bool all_finite(const std::vector<at::Tensor>& tensors) {
    for (const auto& t : tensors)
        if (!at::isfinite(t).all().item<bool>()) return false;
    return true;
}
}  // namespace

void Trainer::check_classes(const TrainTensors& train, const TrainTensors& val) const {
    // A softmax group per target: y [N, T] holds class indices below each
    // target's class count (one target: below the outputs).
    std::int64_t k = 0;
    {
        at::NoGradGuard no_grad;
        k = model_->forward(train, at::zeros({1}, at::kLong)).size(1);
    }
    const auto& counts = options_.class_counts;
    const std::int64_t targets = std::max<std::int64_t>(1, counts.size());
    if (counts.size() > 1 && group_offset(counts, counts.size()) != k)
        throw Error("Trainer: the class counts add up to " +
                    std::to_string(group_offset(counts, counts.size())) + ", the model has " +
                    count_noun(k, "output"));
    for (const TrainTensors* t : {&train, &val}) {
        if (t->size() == 0) continue;
        if (t->y.size(1) != targets)
            throw Error("Trainer: multiclass takes " + std::to_string(targets) +
                        " target columns of class indices, got " + std::to_string(t->y.size(1)));
        for (std::int64_t j = 0; j < targets; ++j) {
            const std::int64_t kj = counts.size() > 1 ? counts[j] : k;
            const at::Tensor labelled = t->y.select(1, j).masked_select(t->mask.select(1, j) > 0.5);
            if (labelled.numel() > 0 &&
                (labelled.min().item<double>() < 0 || labelled.max().item<double>() >= kj))
                throw Error("Trainer: a class index is outside 0.." + std::to_string(kj - 1));
        }
    }
}

void Trainer::stop_diverged(int epoch) {
    const std::string what = options_.label + " epoch " + std::to_string(epoch) +
                             ": the loss is not finite (NaN/inf): training diverged";
    char lr[32];
    std::snprintf(lr, sizeof lr, "%g", options_.lr);
    const std::string advice = "a lower --lr than " + std::string(lr) + " may help";
    if (best_epoch_ == 0 || !all_finite(best_params_))
        throw UsageError(what + " before any usable epoch, so there is no model to keep; " +
                         advice);
    log_warn(what + "; stopping and keeping epoch " + std::to_string(best_epoch_) + "; " + advice);
    stopped_ = true;
}

std::string Trainer::epoch_line(const EpochRecord& rec, double shown, std::int64_t targets) const {
    std::string line = options_.label + " epoch " + std::to_string(rec.epoch) + "/" +
                       std::to_string(options_.epochs) + ": train loss " +
                       fmt("%.4f", rec.train_loss);
    if (targets == 0) {
        // No validation rows: no selection, the last epoch is kept.
        line += ", no validation rows (keeping the last epoch)";
    } else {
        std::string name = "val " + primary_metric(options_.task);
        if (targets > 1)
            name += " (mean of " + std::to_string(targets) + " targets" +
                    (shown_scale().empty() ? std::string() : ", each in its units") + ")";
        line += ", val loss " + fmt("%.4f", rec.val_loss) + ", " + name + " " + fmt("%.4f", shown) +
                " (best " +
                (std::isnan(best_shown_) ? std::string() : fmt("%.4f", best_shown_) + " ") + "@" +
                std::to_string(best_epoch_) + ")";
    }
    return line + ", lr " + fmt("%.2e", rec.lr) + ", " + fmt("%.2f", rec.seconds) + " s" +
           (stopped_ ? ", early stop" : "");
}

at::Tensor Trainer::outputs(const TrainTensors& data) const {
    at::InferenceMode guard;
    model_->train(false);
    const std::int64_t n = data.size(), step = std::max<std::int64_t>(1, model_->eval_rows());
    std::vector<at::Tensor> parts;
    for (std::int64_t start = 0; start < n; start += step) {
        throw_if_interrupted();
        at::Tensor rows = at::arange(start, std::min(n, start + step), at::kLong);
        parts.push_back(model_->forward(data, rows).to(at::kCPU, at::kFloat));
    }
    return parts.empty() ? at::zeros({0, data.y.size(1)}) : at::cat(parts);
}

at::Tensor Trainer::predict(const TrainTensors& data) const {
    at::Tensor out = outputs(data);
    if (options_.task == "multiclass") return softmax_groups(out, options_.class_counts);
    return options_.task == "classification" ? at::sigmoid(out) : out;
}

at::Tensor Trainer::predict(const at::Tensor& x) const {
    TrainTensors t;
    t.x = x;
    t.y = at::zeros({x.size(0), 1});
    return predict(t);
}

double Trainer::loss(const TrainTensors& data) const {
    if (options_.task == "classification" && !pos_weight_.defined()) return std::nan("");
    at::Tensor out = outputs(data);
    at::InferenceMode guard;
    return batch_loss(out, data.y, data.mask).item<double>();
}

std::vector<double> Trainer::target_metrics(const TrainTensors& data) const {
    at::Tensor pred = predict(data);
    at::Tensor y = at::where(data.mask > 0.5, data.y, at::full_like(data.y, std::nan("")));
    if (options_.task == "multiclass") {
        const at::Tensor p = pred.to(at::kDouble).contiguous();
        const std::vector<double> prob(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
        const auto& counts = options_.class_counts;
        if (counts.size() <= 1)
            return {multiclass_metrics(column(y, 0), prob, static_cast<std::size_t>(p.size(1)))
                        .at(primary_metric(options_.task))};
        std::vector<double> out;
        for (std::size_t j = 0; j < counts.size(); ++j) {
            const at::Tensor g =
                p.slice(1, group_offset(counts, j), group_offset(counts, j) + counts[j])
                    .contiguous();
            const std::vector<double> pj(g.data_ptr<double>(), g.data_ptr<double>() + g.numel());
            out.push_back(multiclass_metrics(column(y, static_cast<std::int64_t>(j)), pj,
                                             static_cast<std::size_t>(counts[j]))
                              .at(primary_metric(options_.task)));
        }
        return out;
    }
    std::vector<double> out;
    for (std::int64_t j = 0; j < y.size(1); ++j)
        out.push_back(task_metrics(options_.task, column(y, j), column(pred, j))
                          .at(primary_metric(options_.task)));
    return out;
}

double Trainer::metric(const TrainTensors& data) const {
    return mean_of(target_metrics(data), {});
}

std::vector<double> Trainer::shown_scale() const {
    return options_.task == "regression" ? options_.target_scale : std::vector<double>();
}

double Trainer::shown_metric(const TrainTensors& data) const {
    return mean_of(target_metrics(data), shown_scale());
}

}  // namespace plmkit::models

namespace plmkit::models {

void Trainer::save_checkpoint(const std::string& path) const {
    torch::serialize::OutputArchive archive, weights, optim, best;
    auto params = model_->parameters();
    for (std::size_t i = 0; i < params.size(); ++i)
        weights.write(std::to_string(i), params[i]);
    archive.write("model", weights);
    impl_->optimizer.save(optim);
    archive.write("optimizer", optim);
    for (std::size_t i = 0; i < best_params_.size(); ++i)
        best.write(std::to_string(i), best_params_[i]);
    archive.write("best_params", best);
    archive.write("state",
                  at::tensor({static_cast<double>(epochs_done_), static_cast<double>(best_epoch_),
                              static_cast<double>(bad_epochs_), stopped_ ? 1.0 : 0.0, best_metric_,
                              static_cast<double>(best_params_.size())},
                             at::kDouble));
    std::vector<double> h;
    for (const auto& r : history_)
        h.insert(h.end(), {static_cast<double>(r.epoch), r.train_loss, r.val_loss, r.val_metric,
                           r.lr, r.seconds});
    archive.write("history", at::tensor(h, at::kDouble).reshape({-1, 6}));
    // Separate from "state", so that checkpoints written before it still load.
    archive.write("best_shown", at::tensor({best_shown_}, at::kDouble));
    AtomicFile file(path);
    archive.save_to(file.temp_path());
    file.commit();
}

void Trainer::load_checkpoint(const std::string& path) {
    try {
        torch::serialize::InputArchive archive, weights, optim, best;
        archive.load_from(path);
        archive.read("model", weights);
        auto params = model_->parameters();
        std::vector<at::Tensor> loaded;
        for (std::size_t i = 0; i < params.size(); ++i) {
            at::Tensor t;
            weights.read(std::to_string(i), t);
            if (t.sizes() != params[i].sizes())
                throw ModelError("checkpoint '" + path + "': parameter " + std::to_string(i) +
                                 " has shape " + shape_string(t) + ", the model expects " +
                                 shape_string(params[i]));
            loaded.push_back(t);
        }
        {
            at::NoGradGuard no_grad;
            for (std::size_t i = 0; i < params.size(); ++i)
                params[i].copy_(loaded[i]);
        }
        archive.read("optimizer", optim);
        impl_->optimizer.load(optim);
        at::Tensor state, hist;
        archive.read("state", state);
        archive.read("history", hist);
        const double* s = state.data_ptr<double>();
        epochs_done_ = static_cast<int>(s[0]);
        best_epoch_ = static_cast<int>(s[1]);
        bad_epochs_ = static_cast<int>(s[2]);
        stopped_ = s[3] != 0;
        best_metric_ = s[4];
        archive.read("best_params", best);
        best_params_.assign(static_cast<std::size_t>(s[5]), at::Tensor());
        for (std::size_t i = 0; i < best_params_.size(); ++i)
            best.read(std::to_string(i), best_params_[i]);
        at::Tensor shown;
        best_shown_ = archive.try_read("best_shown", shown) && shown.numel() == 1
                          ? shown.item<double>()
                          : std::nan("");
        history_.clear();
        for (std::int64_t i = 0; i < hist.size(0); ++i) {
            const double* r = hist[i].data_ptr<double>();
            history_.push_back({static_cast<int>(r[0]), r[1], r[2], r[3], r[4], r[5]});
        }
    } catch (const c10::Error& e) {
        throw ModelError("checkpoint '" + path +
                         "' does not fit this model: " + e.what_without_backtrace());
    }
}

}  // namespace plmkit::models
