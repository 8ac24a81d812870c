#pragma once
// The checkpoints of `plmkit pretrain` (<output>/checkpoints, both kinds), for
// --resume (docs/pretrain.md, Resume). After every epoch (and with
// --checkpoint-every N every N training steps within one) the run writes
//   options.json  what defines the run (its options, with the fingerprint of
//                 --data and, for --kind protein, of the --esm-model files);
//   state.pt      the current weights, the AdamW state, the CPU generator's
//                 state, the epoch and optimizer step reached (the position
//                 in the learning-rate schedule), the best epoch and its
//                 validation loss, and the epoch lines so far;
// each file atomically. When the epoch is the best so far, they are written
// into the model folder before it replaces <output> (AtomicDir), so the
// model and the checkpoint of its epoch appear together. Every random draw of
// an epoch (batch order, crop windows, masks, dropout) is seeded from --seed
// and the epoch number, so a run resumed after epoch N trains epochs N+1...
// as the uninterrupted run did, byte for byte on the same machine and
// --threads; resumed within an epoch, the run rebuilds its batches and
// replays the random draws of the steps done (the dropout generator's state
// is restored). A completed run removes <output>/checkpoints.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "pipelines/pretrain_job.hpp"

namespace torch::optim {
class Optimizer;
}  // namespace torch::optim

namespace plmkit::pipelines {

/// Where a run stands within the epoch after the last one done (a
/// checkpoint written every --checkpoint-every steps; all 0 at an epoch's end).
struct EpochPosition {
    std::int64_t batch = 0;   ///< batches of the epoch trained
    double loss_sum = 0;      ///< their masked-LM loss, summed over masked positions
    std::int64_t masked = 0;  ///< their masked positions
    double seconds = 0;       ///< the epoch's time so far
};

/// Where a run stands after an epoch, or within one (what state.pt records
/// besides tensors).
struct PretrainProgress {
    int epoch = -1;         ///< the last epoch done (protein: 0 = the input scored); -1 none
    std::int64_t step = 0;  ///< optimizer steps taken: the learning-rate schedule's position
    int best_epoch = 0;     ///< the epoch <output> holds
    double best_valid_loss = 0;
    bool saved = false;    ///< <output> holds a model
    EpochPosition within;  ///< in epoch + 1 (a mid-epoch checkpoint)
};

/// The progress record of a run at optimizer step `step`, from its result so
/// far (both kinds).
PretrainProgress pretrain_progress(const PretrainResult& r, std::int64_t step, bool saved);

/// Seconds since `t0` (steady clock).
double seconds_since(std::chrono::steady_clock::time_point t0);

/// The training options both kinds share (their kind-specific ones are added
/// by each kind): what a resume must find unchanged, and what config.json
/// records.
nlohmann::json shared_training_options(const PretrainOptions& o);

class PretrainCheckpoint {
  public:
    /// `run_options`: the options that define the run (a value that differs
    /// on --resume is refused by its name); `files`: fingerprints of the
    /// inputs ("data_file", and "esm_model_files" for --kind protein).
    PretrainCheckpoint(const PretrainOptions& o, nlohmann::json run_options, nlohmann::json files);

    /// With --resume: UsageError unless <output>/checkpoints/options.json
    /// records the same options, data and checkpoint files. A new run: nothing.
    void check() const;
    /// The weights and the optimizer that state.pt saves and restores.
    void attach(std::vector<at::Tensor> params, torch::optim::Optimizer& optimizer);
    /// With --resume and a state.pt: restores weights, optimizer and generator
    /// state into what attach() named, `p` and `history`; false otherwise.
    bool load(PretrainProgress& p, std::vector<PretrainEpoch>& history);
    /// Writes <dir>/checkpoints/options.json and state.pt (dir: <output>, or
    /// the temporary folder of a model being saved).
    void write(const std::string& dir, const PretrainProgress& p,
               const std::vector<PretrainEpoch>& history);
    /// After an epoch's checkpoint. Test hook: PLMKIT_TEST_KILL_AFTER_EPOCHS
    /// "N" raises SIGKILL (a preempted job), "N:INT" SIGINT, after the Nth
    /// epoch of this process. True when --stop-after-epochs is reached.
    bool epoch_done();
    /// True when a mid-epoch checkpoint is due after `batch` of the epoch's
    /// `batches` (every --checkpoint-every; not at the epoch's end, which
    /// writes its own after validation).
    bool due(std::int64_t batch, std::size_t batches) const;
    /// After each training step (and its checkpoint, when due). Test hook:
    /// PLMKIT_TEST_KILL_AFTER_STEPS "K" raises SIGKILL, "K:INT" SIGINT,
    /// after the Kth training step of this process.
    void step_done();
    /// The run completed: removes <output>/checkpoints.
    void remove() const;
    /// The last epoch checkpointed (-1: none yet).
    int epoch() const { return epoch_; }
    /// The steps of the next epoch in the last checkpoint (0: none).
    std::int64_t batch() const { return batch_; }

  private:
    nlohmann::json record() const;

    const PretrainOptions& o_;
    nlohmann::json options_, files_;
    std::vector<at::Tensor> params_;
    torch::optim::Optimizer* optimizer_ = nullptr;
    int epoch_ = -1;
    std::int64_t batch_ = 0;
    int epochs_here_ = 0;
    std::int64_t steps_here_ = 0;
};

/// UsageError for --output: without --resume it must be new or empty (one
/// holding an interrupted run says so); with --resume it must hold one.
void check_pretrain_output(const PretrainOptions& o);

/// After Ctrl-C or SIGTERM: when <output>/checkpoints holds the run, says
/// that the same command with --resume continues it (after `epoch`, and
/// `batch` steps into the next one).
void log_resume_note(const PretrainOptions& o, int epoch, std::int64_t batch);

/// "pretrain: resuming after epoch N of M[, step K of epoch N+1] (best ...)".
void log_resuming(const PretrainOptions& o, const PretrainProgress& p);

/// The run stopped at --stop-after-epochs after `epoch`: says how to go on.
void log_stopped(const PretrainOptions& o, int epoch);

}  // namespace plmkit::pipelines
