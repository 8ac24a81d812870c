#pragma once
// `plmkit train --class-weights balanced|none` (docs/train.md): whether the
// binary-classification loss of the networks (the mlp and mpnn parts, MLP
// heads on fine-tuned encoders included) weights each target's positives by
// negatives / positives (models::positive_weights). The forest, gbm and knn
// parts never weight classes. Balanced weights make the outputs
// probabilities under balanced classes; none leaves them calibrated to the
// training rows' positive rate.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "models/class_prior.hpp"
#include "pipelines/property_table.hpp"
#include "pipelines/train_job.hpp"

namespace plmkit::pipelines {

/// The class weighting the run uses: "balanced" (also when --class-weights
/// is not given) or "none"; "" when it trains no part that weights classes
/// (not --task classification, or a --head without mlp and mpnn).
std::string class_weights_used(const TrainOptions& options);

/// Throws UsageError for a --class-weights other than balanced or none, and
/// for one given where it does nothing (another --task, or a --head whose
/// parts never weight classes), as other flags of unused features are.
void check_class_weights(const TrainOptions& options);

/// Says on stderr how the classification loss weights the classes: with
/// balanced weights each target's positive weight (from the training rows
/// `train_rows` of `t`) and what the predictions then are, with the way to
/// calibrated probabilities. Nothing when class_weights_used() is "".
void log_class_weights(const TrainOptions& options, const PropertyTable& t,
                       const std::vector<std::size_t>& train_rows);

/// config.json "class_prior" of a classifier trained on the rows `train_rows`
/// of `t` (whose targets hold 0/1, or for multiclass target j's class
/// indices below class_counts[j]): per target the labelled rows and positive
/// rate (multiclass: each class's share of its target's labelled rows), and
/// the parts and positive weights of a balanced run, as
/// models::positive_weights gives them to the trainer. nullopt for
/// regression.
std::optional<models::ClassPrior> training_class_prior(
    const TrainOptions& options, const PropertyTable& t, const std::vector<std::size_t>& train_rows,
    const std::vector<std::int64_t>& class_counts);

}  // namespace plmkit::pipelines
