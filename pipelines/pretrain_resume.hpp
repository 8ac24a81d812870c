#pragma once
// The checkpoints of `plmkit pretrain` (<output>/checkpoints, both kinds), for
// --resume (docs/pretrain.md, Resume). After every epoch the run writes
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
// --threads. A completed run removes <output>/checkpoints.
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

/// Where a run stands after an epoch (what state.pt records besides tensors).
struct PretrainProgress {
    int epoch = -1;         ///< the last epoch done (protein: 0 = the input scored); -1 none
    std::int64_t step = 0;  ///< optimizer steps taken: the learning-rate schedule's position
    int best_epoch = 0;     ///< the epoch <output> holds
    double best_valid_loss = 0;
    bool saved = false;  ///< <output> holds a model
};

/// The progress record of a run at optimizer step `step`, from its result so
/// far (both kinds).
PretrainProgress pretrain_progress(const PretrainResult& r, std::int64_t step, bool saved);

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
    /// epoch of this process.
    void epoch_done();
    /// The run completed: removes <output>/checkpoints.
    void remove() const;
    /// The last epoch checkpointed (-1: none yet).
    int epoch() const { return epoch_; }

  private:
    nlohmann::json record() const;

    const PretrainOptions& o_;
    nlohmann::json options_, files_;
    std::vector<at::Tensor> params_;
    torch::optim::Optimizer* optimizer_ = nullptr;
    int epoch_ = -1;
    int epochs_here_ = 0;
};

/// UsageError for --output: without --resume it must be new or empty (one
/// holding an interrupted run says so); with --resume it must hold one.
void check_pretrain_output(const PretrainOptions& o);

/// After Ctrl-C or SIGTERM: when <output>/checkpoints holds the run, says
/// that the same command with --resume continues it (after `epoch`).
void log_resume_note(const PretrainOptions& o, int epoch);

}  // namespace plmkit::pipelines
