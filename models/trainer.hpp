#pragma once
// Training loop for property models (models/trainable.hpp: an MLP head on
// fixed features, or an encoder with a head on token ids): AdamW,
// linear warm-up then cosine decay of the learning rate (per optimizer
// step), gradient accumulation over several batches per step, gradient
// clipping, masked multi-task loss (missing targets do not count), early
// stopping on the validation metric with the best weights kept, and a
// checkpoint of everything needed to resume after an interruption.
//
// Reproducibility: epoch e shuffles with a generator seeded from (seed, e)
// and reseeds dropout from (seed, e), so a run resumed from the checkpoint
// of epoch e gives the same weights as an uninterrupted run.
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "models/mlp.hpp"
#include "models/trainable.hpp"

namespace plmkit::models {

struct TrainerOptions {
    /// regression | classification | multiclass (TrainTensors::y [N, 1]
    /// holds class indices; the model's K outputs are the logits of a
    /// softmax; loss: cross-entropy, selection: its validation value).
    std::string task = "regression";
    /// multiclass with several targets: each target's number of classes, in
    /// output order (y [N, T] then holds each target's class index, and
    /// each target's outputs are their own softmax, class_groups.hpp);
    /// empty: one target whose classes are all the outputs.
    std::vector<std::int64_t> class_counts;
    int epochs = 100;
    int batch_size = 64;  ///< rows per forward and backward pass
    /// Batches per optimizer step: their gradients are summed, with the
    /// masked loss normalized over the labels of all of them, so a step
    /// equals one step on the grad_accum batches taken together (dropout
    /// aside). The schedule counts optimizer steps; clipping applies to the
    /// summed gradient; a last, shorter group at the end of an epoch steps too.
    int grad_accum = 1;
    double lr = 1e-3;
    /// Peak learning rate of an encoder's parameters under a head
    /// (Trainable::encoder_parameter_count()); 0: lr. Same schedule.
    double encoder_lr = 0;
    double weight_decay = 1e-2;
    double warmup_epochs = 2;         ///< linear warm-up from lr/10 (0 = none; may be fractional)
    double final_lr_fraction = 0.05;  ///< cosine decay to lr * this at the last epoch
    double clip_norm = 5.0;           ///< max gradient L2 norm (0 = no clipping)
    int patience = 30;                ///< epochs without improvement before stopping (0 = never)
    std::uint64_t seed = 0;
    /// classification: weight each target's positive rows by negatives /
    /// positives of the training rows (positive_weights), so the outputs are
    /// probabilities under balanced classes; false: unweighted BCE, whose
    /// outputs estimate the probability at the training set's base rate.
    bool balance_classes = true;
    std::string label = "model";  ///< prefix of the per-epoch progress lines
    bool log_epochs = true;       ///< one line per epoch on stderr
    /// A redrawn progress line within each epoch (steps, rows/s, ETA, train
    /// loss), drawn only when stderr is a terminal (src/progress.hpp).
    bool progress = false;
    /// Regression on standardized targets: each target's training standard
    /// deviation, so that the progress line shows the validation RMSE in
    /// target units, as metrics.json and evaluate do (with several targets,
    /// the mean of the per-target RMSEs). Selection and early stopping stay
    /// on the standardized RMSE (metric()). Empty: shown as computed.
    std::vector<double> target_scale;
};

/// Classification: the weight of each target's positive rows in the loss,
/// [T] float: with `balanced`, negatives / positives among the labelled rows
/// of `train` (its mask; a target without positives counts one), clamped to
/// [0.05, 50]; otherwise 1.
at::Tensor positive_weights(const TrainTensors& train, bool balanced);

/// Optimizer steps in an epoch of `rows` training rows:
/// ceil(ceil(rows / batch_size) / grad_accum).
std::int64_t optimizer_steps_per_epoch(std::int64_t rows, const TrainerOptions& o);

/// The learning rate (of the group whose peak is o.lr) at optimizer step
/// `step` (0-based, counted over all epochs), with `steps_per_epoch` steps an
/// epoch: linear from lr/10 to lr over the first warmup_epochs x
/// steps_per_epoch steps, then cosine decay to lr x final_lr_fraction at the
/// end of the last epoch.
double scheduled_lr(const TrainerOptions& o, std::int64_t step, std::int64_t steps_per_epoch);

struct EpochRecord {
    int epoch = 0;  ///< 1-based
    double train_loss = 0, val_loss = 0, val_metric = 0, lr = 0, seconds = 0;
};

class Trainer {
  public:
    /// An MLP head on TrainTensors::x.
    Trainer(Mlp model, const TrainerOptions& options);
    Trainer(std::shared_ptr<Trainable> model, const TrainerOptions& options);
    ~Trainer();

    /// Trains until options.epochs or early stopping; at the end the model
    /// holds the best weights. `on_epoch_end` runs after each epoch (e.g. to
    /// save_checkpoint); an exception from it stops training.
    void fit(const TrainTensors& train, const TrainTensors& val,
             const std::function<void(const Trainer&)>& on_epoch_end = {});

    /// Outputs in eval mode: standardized values (regression) or
    /// probabilities (classification), [N, T], for every row of `data`;
    /// multiclass: the softmax probabilities [N, K].
    at::Tensor predict(const TrainTensors& data) const;
    /// The same for features x [N, F] (MLP models).
    at::Tensor predict(const at::Tensor& x) const;

    /// Masked loss of the model on `data` (eval mode).
    double loss(const TrainTensors& data) const;
    /// The selection metric on `data`: RMSE in standardized units
    /// (regression, lower is better) or mean ROC-AUC over targets.
    double metric(const TrainTensors& data) const;
    /// The metric as the progress line shows it: metric() with each target's
    /// RMSE times its TrainerOptions::target_scale (target units).
    double shown_metric(const TrainTensors& data) const;

    /// Model, optimizer, best weights and history in one file (LibTorch
    /// archive), written atomically.
    void save_checkpoint(const std::string& path) const;
    /// Restores a checkpoint written by save_checkpoint; fit() then goes on
    /// with the next epoch. Throws ModelError when it does not fit the model.
    void load_checkpoint(const std::string& path);

    int epochs_done() const { return epochs_done_; }
    int best_epoch() const { return best_epoch_; }
    double best_metric() const { return best_metric_; }
    /// shown_metric() of the best epoch (NaN without validation rows, or
    /// after loading a checkpoint written before it was stored).
    double best_shown_metric() const { return best_shown_; }
    bool stopped_early() const { return stopped_; }
    const std::vector<EpochRecord>& history() const { return history_; }
    /// The MLP (for a Trainer made from one).
    Mlp model() const;
    const std::shared_ptr<Trainable>& trainable() const { return model_; }

  private:
    struct Impl;
    double train_epoch(const TrainTensors& train, int epoch, std::int64_t steps_per_epoch);
    /// One optimizer step at learning rate `lr` on these rows (a group of up
    /// to grad_accum batches); returns the step's loss times its rows.
    double train_step(const TrainTensors& train, const at::Tensor& rows, double lr);
    double lr_at(std::int64_t step, std::int64_t steps_per_epoch) const;
    /// Masked mean loss; `labels` > 0: divided by it instead of the batch's
    /// own count of labels (the labels of a whole accumulation group).
    at::Tensor batch_loss(const at::Tensor& out, const at::Tensor& y, const at::Tensor& mask,
                          double labels = 0) const;
    bool improved(double metric) const;
    /// multiclass: y holds a column of class indices per target, each below
    /// its target's class count.
    void check_classes(const TrainTensors& train, const TrainTensors& val) const;
    /// A non-finite loss at `epoch`: stops, keeping the best epoch so far
    /// (a warning says so), or throws UsageError when there is none with
    /// finite weights.
    void stop_diverged(int epoch);
    /// Per-target selection metric (NaN where it cannot be computed).
    std::vector<double> target_metrics(const TrainTensors& data) const;
    /// The progress line of an epoch; `targets` 0 = no validation rows.
    std::string epoch_line(const EpochRecord& rec, double shown, std::int64_t targets) const;
    /// target_scale for regression, else empty.
    std::vector<double> shown_scale() const;

    /// Raw outputs (logits / standardized values) of every row, eval mode.
    at::Tensor outputs(const TrainTensors& data) const;

    std::shared_ptr<Trainable> model_;
    TrainerOptions options_;
    std::unique_ptr<Impl> impl_;
    at::Tensor pos_weight_;
    int epochs_done_ = 0;
    int best_epoch_ = 0;
    int bad_epochs_ = 0;
    bool stopped_ = false;
    double best_metric_ = 0;
    double best_shown_ = std::nan("");  ///< shown_metric() of the best epoch
    std::vector<at::Tensor> best_params_;
    std::vector<EpochRecord> history_;
};

}  // namespace plmkit::models
