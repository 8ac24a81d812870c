// The learning-rate schedule of models::Trainer, counted in optimizer steps.
#include <algorithm>
#include <cmath>

#include "models/trainer.hpp"

namespace plmkit::models {

std::int64_t optimizer_steps_per_epoch(std::int64_t rows, const TrainerOptions& o) {
    const std::int64_t batch = std::max(1, o.batch_size), accum = std::max(1, o.grad_accum);
    const std::int64_t batches = (rows + batch - 1) / batch;
    return (batches + accum - 1) / accum;
}

double scheduled_lr(const TrainerOptions& o, std::int64_t step, std::int64_t steps_per_epoch) {
    const double warm = o.warmup_epochs * static_cast<double>(steps_per_epoch);
    const double total = static_cast<double>(o.epochs) * static_cast<double>(steps_per_epoch);
    const double s = static_cast<double>(step);
    if (s < warm) return o.lr * (0.1 + 0.9 * s / warm);
    const double progress = total > warm ? std::min(1.0, (s - warm) / (total - warm)) : 1.0;
    const double lo = o.lr * o.final_lr_fraction;
    return lo + 0.5 * (o.lr - lo) * (1.0 + std::cos(M_PI * progress));
}

}  // namespace plmkit::models
