// plmkit pretrain: masked-LM pre-training of a SMILES transformer encoder.
#include <cstdio>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/featurizer_flags.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/pretrain_job.hpp"
#include "src/log.hpp"

namespace plmkit::cli {
namespace {

PLMKIT_COMMAND(57, [](CLI::App& app) {
    auto opt = std::make_shared<pipelines::PretrainOptions>();
    auto* cmd = app.add_subcommand(
        "pretrain", "Pre-train a SMILES transformer encoder (masked LM) on a molecule library");
    cmd->add_option("--kind", opt->kind,
                    "smiles (protein models: use a Hugging Face ESM-2 checkpoint)")
        ->capture_default_str();
    cmd->add_option("--data", opt->data, ".smi / CSV / TSV with SMILES, or SDF (.gz ok)")
        ->required();
    cmd->add_option("--smiles-col", opt->smiles_col, "Column holding the SMILES")
        ->capture_default_str();
    cmd->add_option("-o,--output", opt->output, "Model directory to write (LM_DIR)")->required();
    cmd->add_option("--epochs", opt->epochs, "Passes over the training SMILES")
        ->capture_default_str();
    cmd->add_option("--batch-size", opt->batch_size, "Molecules per batch")->capture_default_str();
    cmd->add_option("--max-tokens", opt->max_tokens,
                    "Length-grouped batches of at most N padded tokens instead (0 = off)")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--lr", opt->lr, "Peak learning rate (AdamW, warm-up then linear decay)")
        ->capture_default_str();
    cmd->add_option("--weight-decay", opt->weight_decay, "AdamW weight decay")
        ->capture_default_str();
    cmd->add_option("--mask-prob", opt->mask_prob, "Fraction of tokens masked (BERT 80/10/10)")
        ->capture_default_str();
    cmd->add_option("--valid-fraction", opt->valid_fraction, "Held-out fraction for validation")
        ->capture_default_str();
    cmd->add_option("--min-freq", opt->min_frequency,
                    "Vocabulary: tokens seen fewer times become <unk>")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--max-records", opt->max_records, "Read at most N records (0 = all)")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--seed", opt->seed, "Random seed (split, init, masks)")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--threads", opt->threads, "CPU threads (0 = all available cores)")
        ->capture_default_str();
    cmd->add_option("--hidden", opt->hidden, "Hidden size")->capture_default_str();
    cmd->add_option("--layers", opt->layers, "Transformer blocks")->capture_default_str();
    cmd->add_option("--heads", opt->heads, "Attention heads")->capture_default_str();
    cmd->add_option("--ffn", opt->ffn, "Feed-forward size")->capture_default_str();
    cmd->add_option("--max-len", opt->max_len, "Positions incl. <cls>/<eos>; longer SMILES skipped")
        ->capture_default_str();
    cmd->add_option("--dropout", opt->dropout, "Dropout")->capture_default_str();
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
    cmd->callback([opt] {
        pipelines::PretrainResult r = pipelines::run_pretrain(*opt);
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "pretrain: %zu training + %zu validation SMILES (%llu skipped), "
                      "best epoch %d, valid loss %.4f -> %s",
                      r.train_size, r.valid_size, static_cast<unsigned long long>(r.skipped),
                      r.best_epoch, r.best_valid_loss, opt->output.c_str());
        log_info(buf);
    });
});

}  // namespace
}  // namespace plmkit::cli
