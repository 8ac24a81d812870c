#pragma once
// `plmkit pretrain --kind smiles`: masked-LM pre-training of a SMILES
// transformer encoder (models/smiles_encoder.hpp) from scratch on a molecule
// library. The vocabulary is built from the training SMILES; a random
// validation fraction is held out and scored with masks drawn once, so the
// per-epoch validation loss is comparable across epochs. Masking follows
// BERT: mask_prob of the non-special tokens are chosen; 80% of them become
// <mask>, 10% a random token, 10% stay. The checkpoint with the lowest
// validation loss is written (atomically) to `output`.
//
// `--kind protein` continues the masked-LM training of a Hugging Face ESM-2
// checkpoint (`esm_model`) on a protein set: pipelines/pretrain_protein.hpp.
#include <cstdint>
#include <string>
#include <vector>

namespace plmkit::pipelines {

struct PretrainOptions {
    std::string kind = "smiles";  ///< smiles | protein
    std::string data;             ///< .smi / CSV / TSV / SDF (.gz ok); protein: FASTA / CSV / TSV
    std::string smiles_col = "smiles";
    std::string output;  ///< LM_DIR
    int epochs = 10;
    int batch_size = 64;  ///< molecules per batch (when max_tokens = 0; CLI protein default: 8)
    std::size_t max_tokens = 0;  ///< token-budget batches instead (padded tokens)
    double lr = 5e-4;            ///< peak learning rate (the CLI's protein default: 5e-5)
    double weight_decay = 0.01;
    double warmup_fraction = 0.06;  ///< of all steps: linear warm-up, then linear decay to lr/10
    double clip_norm = 1.0;         ///< 0 = no clipping
    double mask_prob = 0.15;
    std::uint64_t seed = 0;
    int threads = 0;  ///< 0 = all cores
    double valid_fraction = 0.1;
    std::uint64_t min_frequency = 1;  ///< vocabulary: tokens seen fewer times become <unk>
    std::uint64_t max_records = 0;    ///< read at most this many records (0 = all)
    // model size
    std::int64_t hidden = 256;
    std::int64_t layers = 4;
    std::int64_t heads = 8;
    std::int64_t ffn = 1024;
    std::int64_t max_len = 256;
    double dropout = 0.1;
    bool log_epochs = true;  ///< one line per epoch on stderr
    bool progress = true;    ///< progress within an epoch (a terminal line, else log lines)
    double log_every = 60;   ///< stderr not a terminal: seconds between progress log lines
    // --kind protein
    std::string esm_model;             ///< Hugging Face ESM-2 directory to continue from
    std::string seq_col = "sequence";  ///< sequence column of a CSV / TSV
    std::size_t crop = 0;  ///< residues per training window (0 = max_position_embeddings - 2)
    std::string long_policy = "crop";  ///< longer than crop: crop (a random window) | skip
    /// protein: the dtype of the trained tensors written: "input" (each as the
    /// input checkpoint stores it: F32, F16 or BF16) or "float32".
    std::string save_dtype = "input";
    /// Continue the interrupted run in `output` (pipelines/pretrain_resume.hpp).
    bool resume = false;
    /// Stop (with the checkpoint) after this many epochs of this invocation,
    /// for a batch job with a time limit; --resume goes on. 0 = no limit.
    int stop_after_epochs = 0;
    /// Also checkpoint every N training steps within an epoch (0 = only at
    /// the end of each epoch): an interruption loses at most N steps.
    std::int64_t checkpoint_every = 0;
};

struct PretrainEpoch {
    int epoch = 0;  ///< 1-based
    double train_loss = 0, valid_loss = 0, valid_accuracy = 0, lr = 0, seconds = 0;
    bool saved = false;  ///< best so far: written to output
};

struct PretrainResult {
    std::uint64_t records = 0;              ///< input records read
    std::uint64_t skipped = 0;              ///< unreadable, untokenizable or too long
    std::uint64_t cropped = 0;              ///< protein: longer than the crop (a window a step)
    std::vector<std::string> skip_reasons;  ///< first few "FILE:LINE: reason"
    /// Every skipped record, "index \t id \t smiles \t reason" (written to
    /// LM_DIR/rejects.tsv).
    std::vector<std::string> rejects;
    std::size_t train_size = 0, valid_size = 0;
    std::size_t vocab_size = 0;
    std::uint64_t valid_masked = 0;  ///< masked positions in the validation set
    int best_epoch = 0;              ///< protein: 0 = the input checkpoint (no epoch beat it)
    double best_valid_loss = 0;
    std::vector<PretrainEpoch> history;
    /// false: stopped at stop_after_epochs (<output>/checkpoints is kept).
    bool completed = true;
};

/// Throws UsageError (bad options, too few molecules / sequences), IoError
/// / InputError from reading, ModelError (an unusable ESM-2 checkpoint),
/// IoError when the output cannot be written.
PretrainResult run_pretrain(const PretrainOptions& options);

/// UsageError unless `dir` is new or an empty folder (an earlier run's
/// model is never overwritten).
void check_new_output(const std::string& dir);

/// The learning rate of optimizer step `step` (0-based) of `total_steps`,
/// both kinds: linear warm-up over warmup_fraction of the steps (at least
/// one) up to `lr`, then linear decay towards lr/10 at the end.
double pretrain_lr(const PretrainOptions& o, std::int64_t step, std::int64_t total_steps);

/// UsageError for the options both kinds check alike: --data, --output (a
/// new folder, or with --resume one holding an interrupted run),
/// --batch-size, --mask-prob, --valid-fraction, --lr, --weight-decay and
/// --threads, --stop-after-epochs and --checkpoint-every.
void check_shared_options(const PretrainOptions& o);

/// How often the validation masks are drawn (again) while they choose no
/// position at all.
constexpr int kValidDraws = 100;

/// UsageError when kValidDraws draws of the validation masks chose no
/// position (a tiny --mask-prob): its loss would be 0 and no epoch could
/// beat the first. `items` names the records
/// ("SMILES"), `unit` what is masked ("token").
void check_valid_masked(const PretrainOptions& o, const PretrainResult& r, const std::string& items,
                        const std::string& unit);

}  // namespace plmkit::pipelines
