// plmkit pretrain: masked-LM pre-training of a SMILES transformer encoder, or
// continued masked-LM pre-training of an ESM-2 checkpoint on proteins.
#include <cstdio>
#include <string>
#include <vector>

#include "apps/plmkit/command.hpp"
#include "apps/plmkit/featurizer_flags.hpp"
#include "apps/plmkit/number_checks.hpp"
#include "pipelines/pretrain_job.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit::cli {
namespace {

/// What to pre-train on and where the model goes.
void add_data_flags(CLI::App* cmd, pipelines::PretrainOptions& o) {
    cmd->add_option("--kind", o.kind,
                    "smiles: a new SMILES encoder; protein: continue training an ESM-2 "
                    "checkpoint (--esm-model)")
        ->capture_default_str();
    cmd->add_option("--data", o.data,
                    "smiles: .smi / CSV / TSV with SMILES, or SDF; protein: FASTA or CSV / TSV "
                    "(.gz ok)")
        ->required();
    cmd->add_option("--smiles-col", o.smiles_col, "Column holding the SMILES")
        ->capture_default_str();
    cmd->add_option("-o,--output", o.output, "Model directory to write (LM_DIR)")->required();
    cmd->add_flag("--resume", o.resume,
                  "Continue the interrupted run in --output from its last checkpoint (the same "
                  "command and data; LM_DIR/checkpoints)");
    // 0 would read as "stop at once" or "no limit": refused, as train does.
    cmd->add_option("--stop-after-epochs", o.stop_after_epochs,
                    "Stop after N (>= 1) epochs of this run, keeping the checkpoint for --resume "
                    "(a batch job's time limit)")
        ->check(at_least(1));
    cmd->add_option("--checkpoint-every", o.checkpoint_every,
                    "Also checkpoint every N training steps within an epoch (0 = at each "
                    "epoch's end only): an interruption loses at most N steps")
        ->check(non_negative())
        ->capture_default_str();
}

/// --kind protein: the checkpoint to continue from and how sequences are read.
void add_protein_flags(CLI::App* cmd, pipelines::PretrainOptions& o) {
    cmd->add_option("--esm-model", o.esm_model,
                    "protein: Hugging Face ESM-2 directory (EsmForMaskedLM) to continue from");
    cmd->add_option("--seq-col", o.seq_col, "protein: sequence column of a CSV / TSV")
        ->capture_default_str();
    cmd->add_option("--crop", o.crop,
                    "protein: residues per training window (0 = 1022, ESM-2's training crop)")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--long", o.long_policy,
                    "protein: a sequence longer than --crop: crop (a random window each epoch) "
                    "or skip (to rejects.tsv)")
        ->capture_default_str();
    cmd->add_option("--save-dtype", o.save_dtype,
                    "protein: the written weights' dtype: input (as --esm-model stores them: "
                    "float32, float16 or bfloat16) or float32")
        ->capture_default_str();
    cmd->add_option("--log-every", o.log_every,
                    "stderr not a terminal: seconds between progress lines within an epoch "
                    "(0 = after every step)")
        ->capture_default_str();
}

/// --no-progress, as predict's: no progress line within an epoch (nor its
/// --log-every log lines); the epoch lines stay.
void add_progress_flag(CLI::App* cmd, bool& no_progress) {
    cmd->add_flag("--no-progress", no_progress,
                  "Never show the progress within an epoch (the terminal line, or the "
                  "--log-every log lines); the epoch lines stay");
}

/// Options of the other kind are refused rather than ignored; a protein run
/// gets the protein defaults of what was not given.
void apply_kind(CLI::App* cmd, pipelines::PretrainOptions& o) {
    auto given = [cmd](const char* flag) { return cmd->get_option(flag)->count() > 0; };
    const std::vector<const char*> smiles_only = {"--smiles-col", "--min-freq", "--hidden",
                                                  "--layers",     "--heads",    "--ffn",
                                                  "--max-len",    "--dropout"};
    const std::vector<const char*> protein_only = {"--esm-model", "--seq-col", "--crop", "--long",
                                                   "--save-dtype"};
    for (const char* flag : o.kind == "protein" ? smiles_only : protein_only)
        if (given(flag) && (o.kind == "protein" || o.kind == "smiles"))
            throw UsageError(std::string(flag) + " does not apply to --kind " + o.kind +
                             (o.kind == "protein"
                                  ? " (the ESM-2 checkpoint's own vocabulary and sizes are kept)"
                                  : " (it is for --kind protein)"));
    if (o.kind != "protein") return;
    if (!given("--lr")) o.lr = 5e-5;
    if (!given("--batch-size")) o.batch_size = 8;
}

/// The optimizer, masking, split and run settings.
void add_training_flags(CLI::App* cmd, pipelines::PretrainOptions& o) {
    cmd->add_option("--epochs", o.epochs,
                    "Passes over the training data (protein: 0 scores and copies the input)")
        ->capture_default_str();
    cmd->add_option("--batch-size", o.batch_size, "Molecules per batch (protein: 8 sequences)")
        ->capture_default_str();
    cmd->add_option("--max-tokens", o.max_tokens,
                    "Length-grouped batches of at most N padded tokens instead (0 = off)")
        ->check(non_negative())
        ->capture_default_str();
    cmd->add_option("--lr", o.lr,
                    "Peak learning rate (AdamW, warm-up then linear decay; protein: 5e-5)")
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
    const bool protein = o.kind == "protein";
    char buf[640];
    std::snprintf(buf, sizeof buf,
                  "pretrain: %zu training + %zu validation %s (%llu skipped), "
                  "best epoch %d%s, valid loss %.4f -> %s",
                  r.train_size, r.valid_size, protein ? "sequences" : "SMILES",
                  static_cast<unsigned long long>(r.skipped), r.best_epoch,
                  protein && r.best_epoch == 0 ? " (the input model, unchanged)" : "",
                  r.best_valid_loss, o.output.c_str());
    log_info(std::string(buf) + (r.completed ? "" : " (so far: --resume continues the run)"));
}

PLMKIT_COMMAND(57, [](CLI::App& app) {
    auto opt = std::make_shared<pipelines::PretrainOptions>();
    auto no_progress = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand(
        "pretrain",
        "Pre-train a SMILES encoder (masked LM) on a molecule library, or continue an ESM-2 "
        "model's masked-LM training on proteins");
    add_data_flags(cmd, *opt);
    add_protein_flags(cmd, *opt);
    add_progress_flag(cmd, *no_progress);
    add_training_flags(cmd, *opt);
    add_architecture_flags(cmd, *opt);
    cmd->footer(
        "LM_DIR (new or empty) holds config.json, model.safetensors, vocab.txt,\n"
        "rejects.tsv (every skipped record with its reason) and history.tsv (each\n"
        "epoch's train/valid loss, perplexity, accuracy and lr, rewritten after every\n"
        "epoch); the model is (re)written atomically at every epoch whose validation\n"
        "loss is the best so far.\n"
        "While training, LM_DIR/checkpoints holds the last epoch's weights, optimizer\n"
        "and schedule position: after Ctrl-C, SIGTERM or a preempted job, the same\n"
        "command with --resume continues from there (changed options or data are\n"
        "refused) and ends with the model an uninterrupted run would have written;\n"
        "--checkpoint-every N also checkpoints within an epoch, every N steps, and\n"
        "--stop-after-epochs N stops after N epochs for a later --resume (time-boxed\n"
        "batch jobs): the pieces give the same files as one run.\n"
        "Masking (both kinds): --mask-prob of the tokens between <cls> and <eos>,\n"
        "of which 80% <mask>, 10% a random token, 10% kept.\n"
        "Each epoch logs train/validation masked-LM loss, validation perplexity and\n"
        "masked-token accuracy;\n"
        "within an epoch a progress line (a log line every --log-every seconds when\n"
        "stderr is not a terminal) shows steps, rate, ETA and the running loss\n"
        "(--no-progress or -q: neither).\n"
        "--kind protein continues an ESM-2 checkpoint's masked-LM training (15% of\n"
        "residues: 80% <mask>, 10% a random amino acid, 10% kept) and writes LM_DIR\n"
        "as a Hugging Face ESM-2 directory with the input's tensor names, for\n"
        "plmkit embed --model LM_DIR or train --featurizer esm --esm-model LM_DIR;\n"
        "epoch 0 scores the input model, which LM_DIR keeps if no epoch beats it;\n"
        "the weights keep the input's dtype (--save-dtype float32 to widen them).\n"
        "\nExamples:\n"
        "  plmkit pretrain --kind smiles --data library.csv --output smiles_lm\n"
        "  plmkit pretrain --kind smiles --data chembl.smi --output lm --epochs 20 \\\n"
        "      --hidden 128 --layers 4 --heads 4 --ffn 512 --lr 1e-3\n"
        "  plmkit pretrain --kind protein --esm-model esm2_t12_35M_UR50D \\\n"
        "      --data antibodies.fasta --epochs 3 --output esm2_antibodies\n"
        "  plmkit pretrain --kind protein --esm-model esm2_t12_35M_UR50D \\\n"
        "      --data antibodies.fasta --epochs 3 --output esm2_antibodies --resume");
    refuse_empty_values(cmd);
    cmd->callback([opt, cmd, no_progress] {
        apply_kind(cmd, *opt);
        opt->progress = !*no_progress && log_level() >= LogLevel::info;
        run_pretrain_cli(*opt);
    });
});

}  // namespace
}  // namespace plmkit::cli
