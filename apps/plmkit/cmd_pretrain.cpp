// plmkit pretrain: masked-LM pre-training of a SMILES transformer encoder.
#include <cstdio>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/featurizer_flags.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/pretrain_job.hpp"
#include "src/log.hpp"

namespace plmkit::cli {
namespace {

/// What to pre-train on and where the model goes.
void add_data_flags(CLI::App* cmd, pipelines::PretrainOptions& o) {
    cmd->add_option("--kind", o.kind,
                    "smiles (protein models: use a Hugging Face ESM-2 checkpoint)")
        ->capture_default_str();
    cmd->add_option("--data", o.data, ".smi / CSV / TSV with SMILES, or SDF (.gz ok)")->required();
    cmd->add_option("--smiles-col", o.smiles_col, "Column holding the SMILES")
        ->capture_default_str();
    cmd->add_option("-o,--output", o.output, "Model directory to write (LM_DIR)")->required();
}

/// The optimizer, masking, split and run settings.
void add_training_flags(CLI::App* cmd, pipelines::PretrainOptions& o) {
    cmd->add_option("--epochs", o.epochs, "Passes over the training SMILES")->capture_default_str();
    cmd->add_option("--batch-size", o.batch_size, "Molecules per batch")->capture_default_str();
    cmd->add_option("--max-tokens", o.max_tokens,
                    "Length-grouped batches of at most N padded tokens instead (0 = off)")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--lr", o.lr, "Peak learning rate (AdamW, warm-up then linear decay)")
        ->capture_default_str();
    cmd->add_option("--weight-decay", o.weight_decay, "AdamW weight decay")->capture_default_str();
    cmd->add_option("--mask-prob", o.mask_prob, "Fraction of tokens masked (BERT 80/10/10)")
        ->capture_default_str();
    cmd->add_option("--valid-fraction", o.valid_fraction, "Held-out fraction for validation")
        ->capture_default_str();
    cmd->add_option("--min-freq", o.min_frequency,
                    "Vocabulary: tokens seen fewer times become <unk>")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--max-records", o.max_records, "Read at most N records (0 = all)")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--seed", o.seed, "Random seed (split, init, masks)")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--threads", o.threads, "CPU threads (0 = all available cores)")
        ->capture_default_str();
}

/// The encoder's shape.
void add_architecture_flags(CLI::App* cmd, pipelines::PretrainOptions& o) {
    cmd->add_option("--hidden", o.hidden, "Hidden size")->capture_default_str();
    cmd->add_option("--layers", o.layers, "Transformer blocks")->capture_default_str();
    cmd->add_option("--heads", o.heads, "Attention heads")->capture_default_str();
    cmd->add_option("--ffn", o.ffn, "Feed-forward size")->capture_default_str();
    cmd->add_option("--max-len", o.max_len, "Positions incl. <cls>/<eos>; longer SMILES skipped")
        ->capture_default_str();
    cmd->add_option("--dropout", o.dropout, "Dropout")->capture_default_str();
}

/// Pre-trains and logs the sizes, the best epoch and where the model went.
void run_pretrain_cli(const pipelines::PretrainOptions& o) {
    pipelines::PretrainResult r = pipelines::run_pretrain(o);
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "pretrain: %zu training + %zu validation SMILES (%llu skipped), "
                  "best epoch %d, valid loss %.4f -> %s",
                  r.train_size, r.valid_size, static_cast<unsigned long long>(r.skipped),
                  r.best_epoch, r.best_valid_loss, o.output.c_str());
    log_info(buf);
}

PLMKIT_COMMAND(57, [](CLI::App& app) {
    auto opt = std::make_shared<pipelines::PretrainOptions>();
    auto* cmd = app.add_subcommand(
        "pretrain", "Pre-train a SMILES transformer encoder (masked LM) on a molecule library");
    add_data_flags(cmd, *opt);
    add_training_flags(cmd, *opt);
    add_architecture_flags(cmd, *opt);
    cmd->footer(
        "LM_DIR (new or empty) holds config.json, model.safetensors, vocab.txt and\n"
        "rejects.tsv (every skipped record with its reason); it is (re)written\n"
        "atomically at every epoch whose validation loss is the best so far.\n"
        "Each epoch logs train/validation masked-LM loss and masked-token accuracy.\n"
        "\nExamples:\n"
        "  plmkit pretrain --kind smiles --data library.csv --output smiles_lm\n"
        "  plmkit pretrain --kind smiles --data chembl.smi --output lm --epochs 20 \\\n"
        "      --hidden 128 --layers 4 --heads 4 --ffn 512 --lr 1e-3");
    refuse_empty_values(cmd);
    cmd->callback([opt] { run_pretrain_cli(*opt); });
});

}  // namespace
}  // namespace plmkit::cli
