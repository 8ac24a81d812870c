// Hints for unknown options (see option_hints.hpp).
#include "apps/plmkit/option_hints.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace plmkit::cli {
namespace {

/// An option name as a Python user may write it, this command's option (or
/// nullptr: none), and what to say.
struct Hint {
    const char* name;     ///< normalized: lower case, '-' for '_', no leading dashes
    const char* command;  ///< "train", or "" for train, predict and evaluate
    const char* option;   ///< the plmkit option to suggest, or nullptr
    const char* note;
};

// clang-format off
constexpr Hint kHints[] = {
    {"learning-rate", "train", "--lr", "Hugging Face Trainer's learning_rate; with --finetune last:N|full, --encoder-lr sets the encoder's own (ESM-2: usually 1e-5 to 5e-5)"},
    {"num-train-epochs", "train", "--epochs", "Hugging Face Trainer's num_train_epochs; training stops early after --patience epochs without a better validation metric"},
    {"num-epochs", "train", "--epochs", ""},
    {"per-device-train-batch-size", "train", "--batch-size", "Hugging Face Trainer's per_device_train_batch_size: sequences per forward and backward pass (--grad-accum of them per optimizer step)"},
    {"train-batch-size", "train", "--batch-size", "sequences per forward and backward pass (--grad-accum of them per optimizer step)"},
    {"per-device-eval-batch-size", "", "--max-tokens", "inference is batched by padded tokens, not by sequences"},
    {"eval-batch-size", "", "--max-tokens", "inference is batched by padded tokens, not by sequences"},
    {"toks-per-batch", "", "--max-tokens", "fair-esm extract.py's toks_per_batch"},
    {"gradient-accumulation-steps", "train", "--grad-accum", "Hugging Face Trainer's gradient_accumulation_steps: an optimizer step on --batch-size x N sequences, in the memory of --batch-size"},
    {"grad-accumulation", "train", "--grad-accum", "batches per optimizer step"},
    {"accumulate-grad-batches", "train", "--grad-accum", "PyTorch Lightning's accumulate_grad_batches: batches per optimizer step"},
    {"warmup-ratio", "train", "--warmup-epochs", "the warm-up is counted in epochs: warmup_ratio x --epochs (linear from 0.1 x --lr, then cosine decay; docs/train.md, Training)"},
    {"warmup-steps", "train", "--warmup-epochs", "the warm-up is counted in epochs: warmup_steps / optimizer steps per epoch (train rows / (--batch-size x --grad-accum), rounded up); linear from 0.1 x --lr, then cosine decay"},
    {"lr-scheduler-type", "train", nullptr, "the schedule is linear warm-up from 0.1 x --lr over --warmup-epochs (default 2), then cosine decay to 0.05 x --lr (docs/train.md, Training)"},
    {"max-grad-norm", "train", nullptr, "gradients are clipped to norm 5, fixed"},
    {"early-stopping-patience", "train", "--patience", "epochs without a better validation metric; the best epoch's weights are kept (load_best_model_at_end)"},
    {"load-best-model-at-end", "train", "--patience", "the best validation epoch's weights are always kept"},
    {"evaluation-strategy", "train", nullptr, "the validation rows are scored after every epoch (--valid-col or --split-sizes give them)"},
    {"eval-strategy", "train", nullptr, "the validation rows are scored after every epoch (--valid-col or --split-sizes give them)"},
    {"metric-for-best-model", "train", nullptr, "the best epoch is chosen on the validation RMSE (regression), mean ROC-AUC (classification) or cross-entropy (multiclass)"},
    {"max-length", "train", "--truncate", "residues kept per sequence (ESM-2: 1022 by default, <cls> and <eos> excluded)"},
    {"max-seq-length", "train", "--truncate", "residues kept per sequence (ESM-2: 1022 by default, <cls> and <eos> excluded)"},
    {"truncation-seq-length", "train", "--truncate", "fair-esm extract.py's truncation_seq_length"},
    {"model-name-or-path", "train", "--esm-model", "a local Hugging Face ESM-2 directory, with --featurizer esm (--lm-model for smiles-lm)"},
    {"model-name", "train", "--esm-model", "a local Hugging Face ESM-2 directory, with --featurizer esm (--lm-model for smiles-lm)"},
    {"output-dir", "train", "--output", "the model directory to write"},
    {"hidden-dropout-prob", "train", "--dropout", "dropout of the head's hidden layers; ESM-2 itself runs without dropout, as its Hugging Face config (hidden_dropout_prob 0.0) has it"},
    {"classifier-dropout", "train", "--dropout", "dropout of the head's hidden layers; ESM-2 itself runs without dropout, as its Hugging Face config (hidden_dropout_prob 0.0) has it"},
    {"attention-probs-dropout-prob", "train", nullptr, "ESM-2 runs without dropout, as its Hugging Face config (attention_probs_dropout_prob 0.0) has it; --dropout sets the head's"},
    {"freeze", "train", "--finetune", "frozen (the default: features once, the head trained on them), last:N (the last N ESM-2 blocks trained, the others frozen) or full"},
    {"freeze-layers", "train", "--finetune", "frozen (the default), last:N (train the last N blocks, freeze the others) or full"},
    {"freeze-encoder", "train", "--finetune", "frozen (the default), last:N (train the last N blocks, freeze the others) or full"},
    {"freeze-base", "train", "--finetune", "frozen (the default), last:N (train the last N blocks, freeze the others) or full"},
    {"fine-tune", "train", "--finetune", "frozen (the default), last:N or full"},
    {"pooling", "train", "--esm-pooling", "mean (over the residues, no <cls>/<eos>: fair-esm extract.py's mean) or bos (<cls>, what EsmForSequenceClassification's head reads)"},
    {"repr-layers", "train", "--esm-layer", "one layer of the frozen features (negative counts from the end)"},
    {"fp16", "", "--dtype", "--dtype fp16 (CUDA) or bf16 for frozen ESM-2 features; fine-tuning runs in float32"},
    {"bf16", "", "--dtype", "--dtype bf16 or fp16 (CUDA) for frozen ESM-2 features; fine-tuning runs in float32"},
    {"no-cuda", "", "--device", "--device cpu"},
    {"nogpu", "", "--device", "--device cpu (fair-esm extract.py's nogpu)"},
    {"seq-col", "", "--input-col", "the sequence column (default: the model's training column, else sequence)"},
    {"sequence-col", "", "--input-col", "the sequence column"},
    {"label-col", "", "--target-col", "the target column"},
    {"labels", "", "--target-col", "the target column (repeat it for several)"},
};
// clang-format on

std::string normalized(const std::string& option) {
    std::string s = option.substr(0, option.find('='));
    s.erase(0, s.find_first_not_of('-'));
    for (char& c : s)
        c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool applies(const Hint& h, const std::string& command) {
    if (std::strcmp(h.command, "") == 0)
        return command == "train" || command == "predict" || command == "evaluate";
    return command == h.command;
}

}  // namespace

std::string option_hint(const CLI::App& cmd, const std::string& option) {
    const std::string name = normalized(option);
    if (name.empty()) return "";
    // `--batch_size` for `--batch-size`, `--Target-Col` for `--target-col`.
    if (cmd.get_option_no_throw("--" + name) && "--" + name != option)
        return "did you mean --" + name + "?";
    const std::string command = cmd.get_name();
    for (const Hint& h : kHints) {
        if (name != h.name || !applies(h, command)) continue;
        if (h.option && !cmd.get_option_no_throw(h.option)) continue;
        std::string s = h.option ? std::string("did you mean ") + h.option + "?" : "";
        if (*h.note) s += (s.empty() ? "" : " ") + std::string(h.note);
        return s;
    }
    return "";
}

}  // namespace plmkit::cli
