#pragma once
// The data of `plmkit train`: the table read, featurized (or, fine-tuning,
// tokenized) and split, with the feature normalization and the target
// standardization fitted on the training rows (docs/train.md).
#include <cstdint>
#include <memory>
#include <vector>

#include "pipelines/encoder_spec.hpp"
#include "pipelines/property_featurizer.hpp"
#include "pipelines/property_table.hpp"
#include "pipelines/train_job.hpp"

namespace plmkit::pipelines {

struct TrainData {
    PropertyTable table;
    std::unique_ptr<PropertyFeaturizer> featurizer;                  ///< frozen features
    std::unique_ptr<EncoderSpec> encoder;                            ///< fine-tuning
    std::shared_ptr<std::vector<std::vector<std::int32_t>>> tokens;  ///< per row (fine-tuning)
    std::vector<int> sets;
    std::vector<std::size_t> rows[3];
    std::vector<double> mean, sd;  ///< target standardization (regression)
    /// multiclass: the classes, sorted distinct labels of the training rows
    /// (class_labels.hpp), each target's one after the other; the targets
    /// hold their indices (within the target's classes).
    std::vector<std::string> classes;
    /// multiclass: each target's number of classes.
    std::vector<std::int64_t> class_counts;
    /// The model's outputs: one per target, or per class (multiclass).
    std::size_t outputs() const { return classes.empty() ? table.num_targets : classes.size(); }
    InputKind kind = InputKind::molecule;
};

/// Reads, featurizes and splits the data, checks that it can train a model,
/// and only then begins the run in <output>/checkpoints (so a run refused
/// for its data leaves no checkpoints behind). A problem of the data is an
/// InputError, after the rejected rows (if any) are written to
/// <output>/rejects.tsv.
TrainData prepare_train_data(const TrainOptions& options);

}  // namespace plmkit::pipelines
