#include "pipelines/epoch_progress.hpp"

#include <cstdio>

#include "src/log.hpp"

namespace plmkit::pipelines {
namespace {

ProgressOptions progress_options(const EpochProgressOptions& o) {
    ProgressOptions p;
    p.label = "pretrain epoch " + std::to_string(o.epoch) + "/" + std::to_string(o.epochs);
    p.item_name = "steps";
    p.unit_name = o.unit_name;
    p.total_items = o.steps;
    p.enabled = o.enabled;
    p.item_rate = false;  // a large model's "0 steps/s" says nothing; units/s and ETA do
    return p;
}

}  // namespace

EpochProgress::EpochProgress(const EpochProgressOptions& options)
    : options_(options),
      progress_(progress_options(options)),
      last_log_(std::chrono::steady_clock::now()) {}

void EpochProgress::step(std::uint64_t units, double loss, std::uint64_t masked) {
    loss_sum_ += loss * static_cast<double>(masked);
    masked_ += masked;
    char note[64];
    std::snprintf(note, sizeof note, "train loss %.4f",
                  masked_ ? loss_sum_ / static_cast<double>(masked_) : 0.0);
    progress_.set_note(note);
    progress_.add(1, units);
    if (!options_.enabled || progress_.drawing()) return;
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_log_).count() < options_.log_every_s) return;
    last_log_ = now;
    log_info(progress_.status());
}

}  // namespace plmkit::pipelines
