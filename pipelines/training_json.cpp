// The options that define a training run, as config.json and --resume see them.

#include <nlohmann/json.hpp>

#include "models/head_parts.hpp"
#include "pipelines/class_weights.hpp"
#include "pipelines/train_job.hpp"
#include "src/device.hpp"

namespace plmkit::pipelines {

models::BoostOptions boost_options(const TrainOptions& o) {
    models::BoostOptions b = o.gbm;
    b.seed = o.seed;
    return b;
}

namespace {

/// The featurizer's part of training_json().
nlohmann::json featurizer_json(const PropertyFeaturizerOptions& f) {
    nlohmann::json feat = {{"name", f.name},
                           {"morgan_radius", f.chem.morgan_radius},
                           {"morgan_bits", f.chem.morgan_bits},
                           {"morgan_counts", f.chem.morgan_counts},
                           {"lm_model", f.lm_model},
                           {"esm_model", f.esm_model},
                           {"esm_layer", f.esm_layer},
                           {"esm_pooling", f.esm_pooling},
                           {"truncate", f.truncate}};
    // Only when on, so checkpoints of runs made before the flag still resume.
    if (f.standardize) feat["standardize"] = true;
    // The dtype of frozen ESM-2 features (the cache holds them); likewise
    // only when not the default fp32.
    if (f.name == "esm" && f.runtime.dtype != ComputeDType::f32)
        feat["dtype"] = to_string(f.runtime.dtype);
    return feat;
}

}  // namespace

nlohmann::json training_json(const TrainOptions& o) {
    const nlohmann::json feat = featurizer_json(o.featurizer);
    nlohmann::json j = {{"data", o.data},
                        {"input_col", o.input_col},
                        {"id_col", o.id_col},
                        {"targets", o.target_cols},
                        {"task", o.task},
                        {"featurizer", feat},
                        {"split", o.split},
                        {"valid_col", o.valid_col},
                        {"split_sizes", o.split_sizes},
                        {"seed", o.seed},
                        {"epochs", o.epochs},
                        {"batch_size", o.batch_size},
                        {"grad_accum", o.grad_accum},
                        {"warmup_epochs", o.warmup_epochs},
                        {"lr", o.lr},
                        {"weight_decay", o.weight_decay},
                        {"patience", o.patience},
                        {"hidden", o.hidden},
                        {"dropout", o.dropout},
                        {"ensemble", o.ensemble},
                        {"head", o.head},
                        {"head_weights", o.head_weights},
                        {"forest",
                         {{"trees", o.forest.trees},
                          {"max_features", o.forest.max_features},
                          {"min_samples_leaf", o.forest.min_samples_leaf},
                          {"max_depth", o.forest.max_depth}}},
                        {"gbm", models::boost_options_json(boost_options(o))},
                        {"finetune", o.finetune},
                        {"scratch_encoder",
                         {{"hidden", o.scratch.hidden},
                          {"layers", o.scratch.layers},
                          {"heads", o.scratch.heads},
                          {"ffn", o.scratch.ffn}}}};
    // Only where classes are weighted (check_resume reads it missing as balanced).
    const std::string class_weights = class_weights_used(o);
    if (!class_weights.empty()) j["class_weights"] = class_weights;
    if (models::has_head_part(o.head, "knn")) j["knn"] = {{"k", o.knn.k}};
    if (o.encoder_lr > 0) j["encoder_lr"] = o.encoder_lr;  // only when given
    if (models::has_head_part(o.head, "mpnn"))
        j["mpnn"] = {{"hidden", o.mpnn.hidden},     {"depth", o.mpnn.depth},
                     {"dropout", o.mpnn.dropout},   {"ffn_hidden", o.mpnn.ffn_hidden},
                     {"features", o.mpnn.features}, {"ensemble", o.mpnn.ensemble},
                     {"epochs", o.mpnn.epochs}};
    return j;
}

}  // namespace plmkit::pipelines
