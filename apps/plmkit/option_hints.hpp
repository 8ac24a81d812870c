#pragma once
// What an option that a command lacks is called here: Python habits
// (`--batch_size` for `--batch-size`) and the names of Hugging Face's
// Trainer / TrainingArguments and of fair-esm (`--learning_rate`,
// `--num_train_epochs`, `--max_length`, `--gradient_accumulation_steps`),
// which ESM-2 users bring to `plmkit train`, `predict` and `evaluate`.
#include <CLI/CLI.hpp>
#include <string>

namespace plmkit::cli {

/// A hint for `option` ("--learning_rate", "--batch_size=8"), unknown to
/// `cmd`: "did you mean --lr? (Hugging Face Trainer's learning_rate)", or
/// what plmkit does instead of an option it does not have; "" when there is
/// none.
std::string option_hint(const CLI::App& cmd, const std::string& option);

}  // namespace plmkit::cli
