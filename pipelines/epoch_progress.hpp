#pragma once
// Progress within a pre-training epoch, as `plmkit embed` shows it: on a
// terminal a redrawn line "pretrain epoch 2/5: 12/40 (30%) steps, 7.0k
// residues/s, ETA 9s, loss 2.8412"; where stderr is not a terminal (a Slurm
// log) the same text as a log line at most every `log_every_s` seconds.
#include <chrono>
#include <cstdint>
#include <string>

#include "src/progress.hpp"

namespace plmkit::pipelines {

struct EpochProgressOptions {
    int epoch = 1, epochs = 1;
    std::uint64_t steps = 0;           ///< optimizer steps in the epoch
    std::string unit_name = "tokens";  ///< counted per step: tokens, residues
    bool enabled = true;               ///< false: no line and no log lines (-q)
    double log_every_s = 60;           ///< non-terminal: seconds between log lines (0 = every step)
};

class EpochProgress {
  public:
    explicit EpochProgress(const EpochProgressOptions& options);
    /// One optimizer step over `units` tokens with the batch's mean loss.
    void step(std::uint64_t units, double loss, std::uint64_t masked);
    /// Erases the line (the epoch's summary line follows).
    void done() { progress_.clear(); }

  private:
    EpochProgressOptions options_;
    Progress progress_;
    double loss_sum_ = 0;
    std::uint64_t masked_ = 0;
    std::chrono::steady_clock::time_point last_log_;
};

}  // namespace plmkit::pipelines
