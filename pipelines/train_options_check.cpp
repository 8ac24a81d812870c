#include "pipelines/train_options_check.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "data/splits.hpp"
#include "models/esm2_config.hpp"
#include "models/property_model.hpp"
#include "models/smiles_encoder.hpp"
#include "models/trainer.hpp"
#include "pipelines/chemprop_names.hpp"
#include "pipelines/class_weights.hpp"
#include "pipelines/train_checks.hpp"
#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;

/// --task multiclass: target columns of class labels (every --head part
/// predicts several classes of one target; mlp and mpnn, each target's
/// classes their own softmax, those of several).
void check_multiclass_options(const TrainOptions& o) {
    if (o.task != "multiclass" || o.target_cols.size() < 2) return;
    std::string others;
    for (const auto& part : models::head_parts(o.head))
        if (part != "mlp" && part != "mpnn") others += (others.empty() ? "" : ", ") + part;
    if (others.empty()) return;
    std::string names;
    for (const auto& t : o.target_cols)
        names += (names.empty() ? "'" : ", '") + t + "'";
    throw UsageError("--task multiclass with several --target-col (" +
                     std::to_string(o.target_cols.size()) + ": " + names +
                     ") is for --head mlp, mpnn or mlp+mpnn (each target's classes their own "
                     "softmax); --head " +
                     o.head + " has " + others +
                     ", which predicts the classes of one target: train one model per column");
}

/// Whether an RDKit featurizer name ("morgan+rdkit2d", ...) has the Morgan
/// block (always first in the feature row).
bool featurizer_has_morgan(const std::string& name) {
    std::size_t b = 0;
    while (true) {
        const std::size_t e = name.find('+', b);
        if (name.substr(b, e == std::string::npos ? std::string::npos : e - b) == "morgan")
            return true;
        if (e == std::string::npos) return false;
        b = e + 1;
    }
}

}  // namespace

std::pair<std::string, std::string> train_encoder_dir(const TrainOptions& o) {
    if (o.featurizer.name == "smiles-lm" && !o.featurizer.lm_model.empty())
        return {"--lm-model", o.featurizer.lm_model};
    if (o.featurizer.name == "esm" && !o.featurizer.esm_model.empty())
        return {"--esm-model", o.featurizer.esm_model};
    return {};
}

namespace {

/// The blocks of the encoder in `dir` from its config.json (smiles-lm:
/// "layers"; esm: "num_hidden_layers"), or -1 when it cannot be read (the
/// loader then reports that with its own message).
std::int64_t encoder_blocks(const std::string& featurizer, const std::string& dir) {
    const std::string path = dir + "/config.json";
    try {
        if (featurizer == "esm") return models::Esm2Config::from_json_file(path).num_layers;
        std::ifstream in(path);
        if (!in) return -1;
        const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
        if (j.is_discarded()) return -1;
        return models::SmilesEncoderConfig::from_json(j, path).layers;
    } catch (const Error&) {
        return -1;
    }
}

/// Flags of one featurizer given with another are refused rather than
/// ignored (and saved in config.json as if they had been used): "--lm-model
/// is used by --featurizer smiles-lm, not by --featurizer esm; ...".
void check_featurizer_flags(const TrainOptions& o) {
    const PropertyFeaturizerOptions& f = o.featurizer;
    const PropertyFeaturizerOptions defaults;
    auto refuse = [&](bool given, const std::string& flag, const std::string& user) {
        if (given)
            throw UsageError(flag + " is used by " + user + ", not by --featurizer " + f.name +
                             "; leave it out or choose that featurizer");
    };
    if (f.name != "smiles-lm") refuse(!f.lm_model.empty(), "--lm-model", "--featurizer smiles-lm");
    if (f.name != "esm") {
        refuse(!f.esm_model.empty(), "--esm-model", "--featurizer esm");
        refuse(f.esm_layer != defaults.esm_layer, "--esm-layer", "--featurizer esm");
        refuse(f.esm_pooling != defaults.esm_pooling, "--esm-pooling", "--featurizer esm");
        refuse(f.truncate != defaults.truncate, "--truncate", "--featurizer esm");
    }
    const ScratchEncoderOptions scratch;
    const bool sized = o.scratch.hidden != scratch.hidden || o.scratch.layers != scratch.layers ||
                       o.scratch.heads != scratch.heads || o.scratch.ffn != scratch.ffn;
    const bool from_scratch = f.name == "smiles-lm" && f.lm_model.empty() && o.finetune == "full";
    if (sized && !from_scratch)
        throw UsageError(
            "--lm-hidden, --lm-layers, --lm-heads and --lm-ffn size a SMILES encoder trained "
            "from scratch (--featurizer smiles-lm --finetune full without --lm-model); this run "
            "trains none (--featurizer " +
            f.name + (f.lm_model.empty() ? "" : " --lm-model " + f.lm_model) + " --finetune " +
            o.finetune + "): leave them out");
    // Only ESM-2 runs on a GPU; the SMILES encoder, the RDKit featurizers and
    // the heads on fixed features run on the CPU.
    if (f.runtime.device.kind == DeviceKind::cuda)
        refuse(f.name != "esm", "--device " + to_string(f.runtime.device),
               "--featurizer esm (ESM-2 runs there)");
    const ComputeDType dtype = f.runtime.dtype;
    if (dtype != ComputeDType::f32) {
        const std::string flag = "--dtype " + to_string(dtype);
        refuse(f.name != "esm", flag, "--featurizer esm (frozen ESM-2 features)");
        if (!models::parse_finetune(o.finetune).frozen)
            throw UsageError(flag + ": fine-tuning (--finetune " + o.finetune +
                             ") always trains ESM-2 in float32; leave --dtype out, or use "
                             "--finetune frozen for " +
                             to_string(dtype) + " features");
    }
}

/// --finetune last:N beyond the encoder's blocks, before any data is read.
void check_finetune_depth(const TrainOptions& o) {
    const models::FinetuneMode mode = models::parse_finetune(o.finetune);
    if (mode.frozen || mode.last < 0) return;
    const auto [flag, dir] = train_encoder_dir(o);
    if (dir.empty()) return;
    const std::int64_t blocks = encoder_blocks(o.featurizer.name, dir);
    if (blocks >= 0 && mode.last > blocks)
        throw UsageError("--finetune " + o.finetune + ": " + flag + " '" + dir + "' has " +
                         std::to_string(blocks) + " blocks (N must be 1.." +
                         std::to_string(blocks) + ")");
}

/// --split: one of its four forms, with a name or path after the colon. A
/// bare path to an existing file is taken for a split file given without
/// its "file:" and gets a hint.
void check_split_options(const TrainOptions& o) {
    if (o.split != "random" && o.split != "scaffold" && !starts_with(o.split, "column:") &&
        !starts_with(o.split, "file:")) {
        std::error_code ec;
        const bool file = fs::is_regular_file(o.split, ec);
        const std::string chemprop = chemprop_split_hint(o.split);
        throw UsageError("--split must be random, scaffold, column:NAME or file:PATH, got '" +
                         o.split + "'" +
                         (file ? "; did you mean --split file:" + o.split + "?" : std::string()) +
                         (chemprop.empty() ? std::string() : "; " + chemprop));
    }
    // An empty name would read no split column at all (and crashed).
    if (o.split == "column:") throw UsageError("--split column: needs a column name");
    if (o.split == "file:") throw UsageError("--split file: needs a path");
}

/// The options of the head parts (gbm, mpnn, knn, forest) --head uses.
void check_head_parts(const TrainOptions& o, const models::PropertyModelConfig& head) {
    if (head.uses_gbm()) models::check_boost_options(o.gbm);
    if (head.uses_mpnn()) {
        if (o.mpnn.hidden <= 0 || o.mpnn.depth < 1 || o.mpnn.ensemble < 0 || o.mpnn.epochs <= 0 ||
            o.mpnn.dropout < 0 || o.mpnn.dropout >= 1)
            throw UsageError(
                "--mpnn-hidden, --mpnn-epochs must be > 0, --mpnn-depth >= 1, "
                "--mpnn-ensemble >= 0 and --mpnn-dropout in [0, 1)");
        if (o.featurizer.name == "esm" || o.featurizer.name == "smiles-lm")
            throw UsageError("--head " + o.head +
                             ": the D-MPNN reads molecules; use an RDKit --featurizer (morgan, "
                             "rdkit2d, ...), not " +
                             o.featurizer.name);
    }
    if (head.uses_knn()) {
        if (o.knn.k < 1) throw UsageError("--knn-k must be >= 1, got " + std::to_string(o.knn.k));
        if (!featurizer_has_morgan(o.featurizer.name))
            throw UsageError("--head " + o.head +
                             ": knn compares Morgan fingerprints; use a --featurizer with "
                             "morgan (e.g. morgan+rdkit2d), not " +
                             o.featurizer.name);
    }
    if (head.uses_forest()) {
        if (o.forest.trees <= 0 || o.forest.min_samples_leaf <= 0 || o.forest.max_depth < 0)
            throw UsageError("--trees and --forest-min-leaf must be > 0, --forest-max-depth >= 0");
        models::forest_max_features(o.forest.max_features, o.task, 1);  // checks the spelling
    }
}

/// --head and --head-weights, then the options of the parts it names.
void check_head_options(const TrainOptions& o) {
    models::PropertyModelConfig head;
    head.head = o.head;
    if (!models::valid_head(o.head))
        throw UsageError(
            "--head must be mlp, forest, gbm, mpnn, knn or several of them joined by '+' (their "
            "predictions averaged, e.g. mlp+forest+gbm), got '" +
            o.head + "'");
    const std::string weights_problem = models::head_weights_problem(o.head, o.head_weights);
    if (!weights_problem.empty()) throw UsageError("--head-weights: " + weights_problem);
    if (o.encoder_lr > 0 && models::parse_finetune(o.finetune).frozen)
        throw UsageError(
            "--encoder-lr sets the learning rate of a fine-tuned encoder; with "
            "--finetune frozen (the default) only the head trains, at --lr: give "
            "--finetune last:N or full, or leave --encoder-lr out");
    if (o.head != "mlp" && o.finetune != "frozen")
        throw UsageError("--head " + o.head +
                         " needs fixed features (or molecular graphs, for mpnn), not a "
                         "fine-tuned encoder; use --finetune frozen");
    check_head_parts(o, head);
}

/// --output: not a complete model, and for --resume an interrupted run.
void check_output_options(const TrainOptions& o) {
    if (fs::exists(o.output + "/config.json"))
        throw UsageError("'" + o.output + "' already holds a " +
                         (o.resume ? "complete model: nothing to resume" : "model") +
                         "; choose another --output or remove it");
    if (o.resume && !fs::exists(o.output + "/checkpoints/options.json"))
        throw UsageError("--resume: '" + o.output +
                         "' holds no interrupted run (no checkpoints/options.json: it "
                         "stopped before its first checkpoint, or never ran there); run the "
                         "same command without --resume to start it");
    check_output_dir(o.output);
}

}  // namespace

void check_train_options(const TrainOptions& o) {
    if (o.data.empty()) throw UsageError("--data is required");
    if (o.output.empty()) throw UsageError("--output is required");
    if (o.target_cols.empty()) throw UsageError("at least one --target-col is required");
    check_train_numbers(o);
    if (o.task != "regression" && o.task != "classification" && o.task != "multiclass")
        throw UsageError("--task must be regression, classification or multiclass, got '" + o.task +
                         "'");
    check_class_weights(o);
    if (o.split_sizes.size() != 3)
        throw UsageError("--split-sizes needs three fractions (train,valid,test)");
    data::check_split_sizes({o.split_sizes[0], o.split_sizes[1], o.split_sizes[2]});
    if (o.epochs <= 0 || o.batch_size <= 0 || o.ensemble <= 0 || !(o.lr > 0))
        throw UsageError("--epochs, --batch-size, --ensemble and --lr must be > 0");
    check_split_options(o);
    check_head_options(o);
    check_multiclass_options(o);  // after the head is known to be valid
    check_property_featurizer_name(o.featurizer.name);
    if (o.featurizer.standardize &&
        (o.featurizer.name == "esm" || o.featurizer.name == "smiles-lm"))
        throw UsageError(
            "--standardize works with the RDKit featurizers (morgan, maccs, atompair, "
            "torsion, rdkit2d, basic and their combinations), not with --featurizer " +
            o.featurizer.name);
    if (!o.valid_col.empty() && !starts_with(o.split, "column:"))
        throw UsageError("--valid-col goes with --split column:NAME");
    check_featurizer_flags(o);
    check_finetune_depth(o);
    check_output_options(o);
}

std::string train_split_file(const TrainOptions& o) {
    return starts_with(o.split, "file:") ? o.split.substr(5) : std::string();
}

}  // namespace plmkit::pipelines
