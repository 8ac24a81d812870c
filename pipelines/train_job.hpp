#pragma once
// `plmkit train`: a property model from a table of molecules (SMILES / SDF)
// or protein sequences with measured values (docs/train.md). Reads and
// featurizes the table (bad rows go to <output>/rejects.tsv with a reason),
// splits it, fits the feature normalization and target standardization on
// the training set, trains an ensemble of MLP heads with early stopping on
// the validation set (and/or grows a random forest, --head), and writes the
// model directory: config.json,
// model.safetensors, metrics.json, split.csv, rejects.tsv (plus smiles_lm/,
// a copy of the encoder, for --featurizer smiles-lm). While training,
// <output>/checkpoints/ holds the options, the features and one checkpoint
// per member, so --resume continues after an interruption; it is removed
// when the model is complete.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/boosted_trees.hpp"
#include "models/forest.hpp"
#include "pipelines/encoder_spec.hpp"
#include "pipelines/property_featurizer.hpp"

namespace plmkit::pipelines {

/// The D-MPNN part of a model (--head ...+mpnn; models/dmpnn.hpp).
struct MpnnTrainOptions {
    std::int64_t hidden = 300;  ///< message and molecule vector size
    int depth = 3;              ///< message-passing steps
    double dropout = 0.0;
    std::vector<std::int64_t> ffn_hidden{300};  ///< the MLP on the molecule vector
    /// The MLP also takes the featurizer's features (Chemprop's
    /// "features-enhanced" D-MPNN with RDKit descriptors).
    bool features = true;
    int ensemble = 0;  ///< networks (0 = --ensemble)
    int epochs = 50;   ///< epochs per network (early stopping with --patience)
};

struct TrainOptions {
    std::string data;       ///< CSV/TSV/.smi/.sdf (+gz)
    std::string input_col;  ///< "" = smiles (molecules) / sequence (esm)
    std::vector<std::string> target_cols;
    std::string id_col;               ///< empty: auto (see MoleculeReaderOptions)
    std::string task = "regression";  ///< regression | classification | multiclass
    /// classification: balanced | none (pipelines/class_weights.hpp); "" =
    /// not given, balanced where it applies.
    std::string class_weights;
    std::string output;  ///< model directory
    PropertyFeaturizerOptions featurizer;
    /// frozen (features computed once) | full | last:N: train the encoder
    /// (smiles-lm; from scratch without --lm-model) under the head.
    std::string finetune = "frozen";
    ScratchEncoderOptions scratch;  ///< size of a smiles-lm encoder trained from scratch
    /// random | scaffold | column:NAME | file:PATH (a split file such as
    /// ../shared/data/esol/scaffold_split.csv: row_index,scaffold_split)
    std::string split = "random";
    /// With column:NAME: rows whose VALID_COL is true/1/yes (any case) move
    /// from train to valid (FLIP's `validation` column); false/0/no and blank
    /// keep them; any other value is an InputError naming the line.
    std::string valid_col;
    std::vector<double> split_sizes{0.8, 0.1, 0.1};
    std::uint64_t seed = 0;
    int epochs = 100;
    int batch_size = 50;  ///< rows per forward and backward pass
    /// Batches per optimizer step (gradient accumulation): a step takes
    /// batch_size x grad_accum rows, with the memory of batch_size.
    int grad_accum = 1;
    /// Linear warm-up of the learning rate from lr/10, in epochs (0 = none).
    double warmup_epochs = 2;
    double lr = 1e-3;
    /// --finetune last:N|full: the encoder's peak learning rate (0 = lr),
    /// as a lower rate for a pre-trained body than for a new head.
    double encoder_lr = 0;
    double weight_decay = 1e-2;
    int patience = 30;
    std::vector<std::int64_t> hidden{1000, 500};
    double dropout = 0.2;
    int ensemble = 1;
    /// mlp, forest, gbm, mpnn, knn, or several joined by '+' (averaged,
    /// e.g. mlp+forest+gbm); tree models and knn need fixed features.
    std::string head = "mlp";
    /// Each part's weight in the mean, in --head's order (empty: equal).
    std::vector<double> head_weights;
    models::ForestOptions forest;  ///< seed and threads come from seed / threads
    models::BoostOptions gbm;      ///< seed comes from seed
    MpnnTrainOptions mpnn;
    /// k of the knn part; its columns are the featurizer's Morgan block.
    models::KnnOptions knn;
    int threads = 0;  ///< LibTorch intra-op threads, 0 = all cores
    bool resume = false;
    /// Stop after this many epochs of this run, as if interrupted: the
    /// checkpoints stay, no model is written, and --resume goes on. 0 = off
    /// (for time-boxed jobs and the resume tests).
    int stop_after_epochs = 0;
    /// A progress line within each epoch of the networks, drawn only when
    /// stderr is a terminal (--no-progress and -q turn it off).
    bool progress = true;
    std::string command_line;
};

struct TrainSummary {
    bool completed = false;  ///< false when stopped by stop_after_epochs
    std::uint64_t records = 0, rejected = 0;
    std::uint64_t train = 0, valid = 0, test = 0;
    /// Usable rows in no set: a split column's or split file's none,
    /// invalid or exclude.
    std::uint64_t left_out = 0;
    /// Usable molecules whose SMILES has several fragments (salts, solvates).
    std::uint64_t multi_fragment = 0;
    /// Rows repeating an earlier row's molecule or sequence (duplicate_inputs.hpp).
    nlohmann::json duplicates;
    std::size_t features = 0;  ///< feature width
    nlohmann::json metrics;    ///< the content of metrics.json
    /// Wall time of the run; after --resume, with the seconds of the runs it
    /// continues (each up to its last checkpoint), as metrics.json "seconds".
    double seconds = 0;
};

TrainSummary run_train(const TrainOptions& options);

/// The options that define a training run (what --resume must match).
nlohmann::json training_json(const TrainOptions& options);

/// The boosting options of a run: --gbm-* with the run's --seed.
models::BoostOptions boost_options(const TrainOptions& options);

}  // namespace plmkit::pipelines
