// plmkit train: a property model (molecules or proteins) from measured values.
#include <cstdio>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/featurizer_flags.hpp"
#include "apps/plmkit/list_options.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/train_job.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit::cli {
namespace {

struct TrainCli {
    pipelines::TrainOptions job;
    RuntimeFlags runtime;
    std::string morgan = "counts";
    bool mpnn_no_features = false;
    bool no_progress = false;
};

void run(TrainCli c) {
    pipelines::TrainOptions& opt = c.job;
    opt.command_line = global_options().command_line;
    opt.mpnn.features = !c.mpnn_no_features;
    opt.progress = !c.no_progress && log_level() >= LogLevel::info;
    if (c.morgan != "counts" && c.morgan != "bits")
        throw UsageError("--morgan must be counts or bits, got '" + c.morgan + "'");
    opt.featurizer.chem.morgan_counts = c.morgan == "counts";
    opt.featurizer.runtime = to_runtime(c.runtime);
    opt.threads = opt.featurizer.runtime.threads;
    auto s = pipelines::run_train(opt);
    if (!s.completed) return;
    std::string line = "train: model written to " + opt.output + " in " +
                       std::to_string(static_cast<int>(s.seconds)) + " s";
    if (s.metrics.contains("test")) line += "; test " + s.metrics["test"]["mean"].dump();
    log_info(line);
}

void add_featurizer_flags(CLI::App* cmd, TrainCli& c) {
    auto& f = c.job.featurizer;
    cmd->add_option(
           "--featurizer", f.name,
           "smiles-lm | esm | RDKit parts joined by '+': morgan, maccs, atompair, torsion, "
           "rdkit2d | basic (e.g. morgan+rdkit2d, morgan+maccs+torsion+rdkit2d)")
        ->capture_default_str();
    cmd->add_option("--morgan", c.morgan, "Morgan features: counts (log1p) or bits")
        ->capture_default_str();
    cmd->add_option("--morgan-radius", f.chem.morgan_radius, "Morgan radius")
        ->capture_default_str();
    cmd->add_option("--morgan-size", f.chem.morgan_bits, "Morgan slots (fingerprint length)")
        ->capture_default_str();
    cmd->add_flag("--standardize", f.standardize,
                  "RDKit featurizers: featurize the standardized parent molecule (cleanup, "
                  "largest fragment, uncharge; as plmkit screen does), so salts and their "
                  "parents get the same features; predict applies it too");
    cmd->add_option("--lm-model", f.lm_model, "smiles-lm: LM_DIR of plmkit pretrain");
    cmd->add_option("--esm-model", f.esm_model, "esm: Hugging Face ESM-2 model directory");
    cmd->add_option("--esm-layer", f.esm_layer, "esm: layer (negative counts from the end)")
        ->capture_default_str();
    cmd->add_option("--esm-pooling", f.esm_pooling, "esm: mean (over residues) or bos")
        ->capture_default_str();
    cmd->add_option("--truncate", f.truncate, "esm: residues kept per sequence")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--finetune", c.job.finetune,
                    "frozen (features once) | full | last:N: train the encoder under the head "
                    "(smiles-lm: without --lm-model from scratch; esm: the last N ESM-2 blocks "
                    "and final LayerNorm, or all of it)")
        ->capture_default_str();
    auto& sc = c.job.scratch;
    cmd->add_option("--lm-hidden", sc.hidden, "smiles-lm from scratch: hidden size")
        ->capture_default_str();
    cmd->add_option("--lm-layers", sc.layers, "smiles-lm from scratch: blocks")
        ->capture_default_str();
    cmd->add_option("--lm-heads", sc.heads, "smiles-lm from scratch: attention heads")
        ->capture_default_str();
    cmd->add_option("--lm-ffn", sc.ffn, "smiles-lm from scratch: feed-forward size")
        ->capture_default_str();
}

/// The options of the forest and gbm heads.
void add_tree_flags(CLI::App* cmd, TrainCli& c) {
    auto& o = c.job;
    cmd->add_option("--trees", o.forest.trees, "forest: trees per target")->capture_default_str();
    cmd->add_option("--forest-max-features", o.forest.max_features,
                    "forest: features tried per node: auto (sqrt for classification, a third "
                    "for regression), sqrt, third, all or a fraction")
        ->capture_default_str();
    cmd->add_option("--forest-min-leaf", o.forest.min_samples_leaf,
                    "forest: fewest training rows in a leaf")
        ->capture_default_str();
    cmd->add_option("--forest-max-depth", o.forest.max_depth, "forest: depth limit (0 = none)")
        ->capture_default_str();
    auto& g = o.gbm;
    cmd->add_option("--gbm-rounds", g.rounds, "gbm: most trees per target")->capture_default_str();
    cmd->add_option("--gbm-lr", g.learning_rate, "gbm: learning rate (shrinkage)")
        ->capture_default_str();
    cmd->add_option("--gbm-leaves", g.max_leaves, "gbm: leaves per tree (grown best-first)")
        ->capture_default_str();
    cmd->add_option("--gbm-max-depth", g.max_depth, "gbm: depth limit (0 = none)")
        ->capture_default_str();
    cmd->add_option("--gbm-min-leaf", g.min_samples_leaf, "gbm: fewest training rows in a leaf")
        ->capture_default_str();
    cmd->add_option("--gbm-l2", g.l2, "gbm: L2 penalty on leaf values")->capture_default_str();
    cmd->add_option("--gbm-subsample", g.subsample, "gbm: fraction of the rows per tree")
        ->capture_default_str();
    cmd->add_option("--gbm-colsample", g.colsample, "gbm: fraction of the features per tree")
        ->capture_default_str();
    cmd->add_option("--gbm-bins", g.max_bins, "gbm: histogram bins per feature (2-255)")
        ->capture_default_str();
    cmd->add_option("--gbm-patience", g.patience,
                    "gbm: stop after this many rounds without a better validation loss, "
                    "keeping the best (0 = all rounds)")
        ->capture_default_str();
}

/// The options of the mpnn and knn heads, then of the tree heads.
void add_head_part_flags(CLI::App* cmd, TrainCli& c) {
    auto& o = c.job;
    auto& m = o.mpnn;
    cmd->add_option("--mpnn-hidden", m.hidden, "mpnn: message and molecule vector size")
        ->capture_default_str();
    cmd->add_option("--mpnn-depth", m.depth, "mpnn: message-passing steps")->capture_default_str();
    cmd->add_option("--mpnn-dropout", m.dropout, "mpnn: dropout")->capture_default_str();
    add_list_option(cmd, "--mpnn-ffn", m.ffn_hidden,
                    "mpnn: hidden sizes of the MLP on the molecule vector", at_least(1));
    cmd->add_flag("--mpnn-no-features", c.mpnn_no_features,
                  "mpnn: the graph only (by default the MLP also takes the --featurizer "
                  "features, Chemprop's features-enhanced D-MPNN)");
    cmd->add_option("--mpnn-ensemble", m.ensemble, "mpnn: networks (0 = --ensemble)")
        ->capture_default_str();
    cmd->add_option("--mpnn-epochs", m.epochs, "mpnn: most epochs per network")
        ->capture_default_str();
    cmd->add_option("--knn-k", o.knn.k, "knn: neighbours per prediction")->capture_default_str();
    add_tree_flags(cmd, c);
}

void add_training_flags(CLI::App* cmd, TrainCli& c) {
    auto& o = c.job;
    cmd->add_option("--split", o.split,
                    "random | scaffold | column:NAME | file:PATH (row_index,scaffold_split)")
        ->capture_default_str();
    cmd->add_option("--valid-col", o.valid_col,
                    "With column:NAME, rows whose column is true move from train to valid");
    add_list_option(cmd, "--split-sizes", o.split_sizes, "train,valid,test fractions",
                    CLI::Validator(), 3);
    cmd->add_option("--seed", o.seed, "Seed of the split and the models")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--epochs", o.epochs, "Maximum epochs")->capture_default_str();
    cmd->add_option("--batch-size", o.batch_size,
                    "Rows per forward and backward pass (an optimizer step takes --grad-accum "
                    "of them)")
        ->capture_default_str();
    cmd->add_option("--grad-accum", o.grad_accum,
                    "Batches per optimizer step, their gradients summed (Hugging Face's "
                    "gradient_accumulation_steps): a step on --batch-size x N rows in the "
                    "memory of --batch-size")
        ->check(at_least(1))
        ->capture_default_str();
    cmd->add_option("--warmup-epochs", o.warmup_epochs,
                    "Linear learning-rate warm-up from --lr/10, in epochs (fractions allowed; "
                    "0 = none); cosine decay follows")
        ->capture_default_str();
    cmd->add_option("--lr", o.lr, "Peak learning rate (AdamW)")->capture_default_str();
    cmd->add_option("--encoder-lr", o.encoder_lr,
                    "--finetune last:N|full: the encoder's peak learning rate (default: --lr; "
                    "ESM-2 is usually fine-tuned at 1e-5 to 5e-5 under a head at 1e-3)");
    cmd->add_option("--weight-decay", o.weight_decay, "AdamW weight decay")->capture_default_str();
    cmd->add_option("--patience", o.patience, "Early stopping patience in epochs (0 = off)")
        ->capture_default_str();
    add_list_option(cmd, "--hidden", o.hidden, "Hidden layer sizes", at_least(1));
    cmd->add_option("--dropout", o.dropout, "Dropout after each hidden layer")
        ->capture_default_str();
    cmd->add_option("--ensemble", o.ensemble, "Models with seeds seed..seed+K-1")
        ->capture_default_str();
    cmd->add_option("--head", o.head,
                    "mlp (ensemble of --ensemble MLPs), forest (random forest), gbm "
                    "(gradient-boosted trees), mpnn (D-MPNNs on the molecular graph, as in "
                    "Chemprop), knn (similarity-weighted labels of the k nearest train and "
                    "valid rows by Morgan MinMax similarity), or several joined by '+' (their "
                    "mean, e.g. mlp+forest+gbm)")
        ->capture_default_str();
    add_list_option(cmd, "--head-weights", o.head_weights,
                    "Weight of each --head part in their mean, in --head's order (e.g. "
                    "--head mlp+forest+gbm --head-weights 1,2,1; default equal)");
    add_head_part_flags(cmd, c);
    cmd->add_flag("--resume", o.resume,
                  "Continue an interrupted run in --output (metrics.json seconds: the total "
                  "of all its runs)");
    // 0 would mean "no limit" (the default): refused rather than read as
    // "stop at once" or silently as "train to the end".
    cmd->add_option("--stop-after-epochs", o.stop_after_epochs,
                    "Stop after N (>= 1) epochs of this run, keeping checkpoints for --resume")
        ->check(at_least(1));
}

PLMKIT_COMMAND(50, [](CLI::App& app) {
    auto c = std::make_shared<TrainCli>();
    auto& o = c->job;
    auto* cmd = app.add_subcommand(
        "train",
        "Train a property model (MLPs, random forest, boosted trees, D-MPNNs, nearest "
        "neighbours, or a mean of them) on molecules or protein sequences");
    cmd->add_option("--data", o.data, "Table of inputs and values (CSV/TSV/.smi/.sdf, .gz)")
        ->required();
    cmd->add_option("--input-col", o.input_col,
                    "SMILES or sequence column (default: smiles, or sequence for esm)");
    cmd->add_option("--target-col", o.target_cols, "Target column (repeat for multi-task)")
        ->required();
    cmd->add_option("--id-col", o.id_col, id_col_help());
    cmd->add_option("--task", o.task,
                    "regression | classification (0/1 per target) | multiclass (class "
                    "labels per target column, text or numbers; any --head with one target, "
                    "mlp/mpnn with several)")
        ->capture_default_str();
    cmd->add_option("--class-weights", o.class_weights,
                    "classification, mlp and mpnn parts: balanced (default: positives weighted "
                    "by negatives/positives per target; predictions are probabilities under "
                    "balanced classes) | none (unweighted; calibrated probabilities)");
    cmd->add_option("-o,--output", o.output, "Model directory to write")->required();
    add_featurizer_flags(cmd, *c);
    add_training_flags(cmd, *c);
    add_runtime_flags(cmd, c->runtime);
    cmd->add_flag("--no-progress", c->no_progress,
                  "No progress line within epochs (drawn only when stderr is a terminal; the "
                  "epoch lines stay, -q drops them too)");
    cmd->footer(
        "Examples:\n"
        "  plmkit train --data ../shared/data/esol/delaney-processed.csv --input-col smiles \\\n"
        "    --target-col 'measured log solubility in mols per litre' --task regression \\\n"
        "    --output esol_model --ensemble 5\n"
        "  plmkit train --data ../shared/data/bbbp/BBBP.csv --target-col p_np \\\n"
        "    --task classification --split scaffold --output bbbp_model\n"
        "  plmkit train --data ../shared/data/flip_gb1/sampled.csv --featurizer esm \\\n"
        "    --esm-model esm2_t6_8M_UR50D --target-col target --split column:set \\\n"
        "    --valid-col validation --output gb1_model\n"
        "  plmkit train --data ../shared/data/deeploc/deeploc_localization.csv --featurizer esm "
        "\\\n"
        "    --esm-model esm2_t6_8M_UR50D --target-col location --task multiclass \\\n"
        "    --output deeploc_model\n"
        "  plmkit train --data ../shared/data/flip_gb1/sampled.csv --featurizer esm \\\n"
        "    --esm-model esm2_t6_8M_UR50D --finetune last:2 --encoder-lr 2e-5 \\\n"
        "    --batch-size 8 --grad-accum 4 --target-col target --split column:set \\\n"
        "    --valid-col validation --epochs 20 --output gb1_finetuned\n"
        "The model directory holds config.json, model.safetensors, metrics.json, split.csv\n"
        "and rejects.tsv (rows that could not be used, with the reason). See docs/train.md.");
    refuse_empty_values(cmd);
    cmd->callback([c] { run(*c); });
});

}  // namespace
}  // namespace plmkit::cli
