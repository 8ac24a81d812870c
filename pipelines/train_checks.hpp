#pragma once
// Checks of `plmkit train` around its data (docs/train.md): the output
// directory it may write into, the fingerprint of the files an interrupted
// run read (--resume refuses changed files), the split column's values, and
// whether the training rows can train a model at all.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/property_table.hpp"
#include "pipelines/train_job.hpp"

namespace plmkit::pipelines {

/// Throws UsageError for numeric options out of range (dropout, weight
/// decay, patience, threads, Morgan size and radius, ...) and a target
/// column named twice.
void check_train_numbers(const TrainOptions& options);

/// Throws UsageError unless `dir` does not exist, is an empty directory, or
/// holds only what train writes (an interrupted or failed run: checkpoints/,
/// rejects.tsv, ...). The caller refuses a complete model (config.json).
void check_output_dir(const std::string& dir);

/// What --resume compares: run_files' file_fingerprint (size and xxh64 of
/// the content; null for a pipe), or {"stdin": true} for "-".
nlohmann::json resume_fingerprint(const std::string& path);

/// Throws UsageError when `now` (file_fingerprint) differs from `before`
/// (the interrupted run's): "--data 'X' changed since the interrupted run
/// (same size, content hash differs); start again without --resume"; or
/// the sizes, when they differ. Standard input
/// cannot be checked: refused too.
void check_unchanged(const nlohmann::json& before, const nlohmann::json& now,
                     const std::string& flag, const std::string& path);

/// What --resume compares for an encoder directory (--lm-model,
/// --esm-model): {"<file name>": file_fingerprint} of the files a loader
/// reads: config.json, vocab.txt, every *.safetensors and *.index.json
/// (sharded checkpoints). An unreadable or missing directory gives {}.
nlohmann::json encoder_fingerprint(const std::string& dir);

/// Throws UsageError when the encoder directory's files (`now`,
/// encoder_fingerprint) differ from the interrupted run's (`before`),
/// naming the directory and the first file added, removed or changed:
/// "--lm-model 'D' changed since the interrupted run: 'model.safetensors'
/// differs (same size, content hash differs); ...". A null `before` (a run
/// made before encoders were fingerprinted) is refused too.
void check_encoder_unchanged(const nlohmann::json& before, const nlohmann::json& now,
                             const std::string& flag, const std::string& dir);

/// Sets of the rows of `t` from its split column (`column`, read from
/// `path`): parse_split_name values; anything else throws InputError naming
/// the data row and the value.
std::vector<int> column_sets(const PropertyTable& t, const std::string& path,
                             const std::string& column);

/// With --task regression (the default): a warning when every target's
/// labelled training values are 0 and 1 only (both present), i.e. the user
/// probably wanted --task classification; "" otherwise.
std::string binary_regression_note(const PropertyTable& t, const std::vector<std::size_t>& rows,
                                   const std::vector<std::string>& targets,
                                   const std::string& task);

/// Throws InputError naming the target when it has no labelled row among
/// the training rows `rows`, or (classification) only one of the classes:
/// "target 'X' has only class 1 among the N labelled training rows; a
/// classifier needs both 0 and 1".
void check_training_labels(const PropertyTable& t, const std::vector<std::size_t>& rows,
                           const std::vector<std::string>& targets, const std::string& task);

/// The message when no row is in the training set: every row rejected (the
/// first reasons quoted), a single usable row, or a split that leaves train
/// empty (`split` and `train_fraction` say which).
std::string no_training_rows_message(const std::string& data, const PropertyTable& t,
                                     const std::string& split, double train_fraction);

/// With a pre-trained SMILES encoder: a warning when some of `smiles` hold
/// tokens its vocabulary (`vocab_path`, vocab.txt) lacks, which it reads as
/// <unk>: "smiles-lm: 2 of 4 SMILES hold tokens the encoder's vocabulary
/// ('LM/vocab.txt') lacks, read as <unk> (the first, '[Se]' in 'C[Se]C'); ...".
/// "" when there are none (SMILES that do not tokenize are left out).
std::string unknown_tokens_warning(const std::string& vocab_path,
                                   const std::vector<std::string>& smiles);

/// With --featurizer esm: a warning when some `sequences` have more
/// residues than `truncate` (only their first `truncate` are embedded): "esm:
/// 3 of 60 sequences have more than --truncate 100 residues (the longest
/// 265); only their first 100 are embedded". "" when none. Residues: the
/// characters other than whitespace and a final '*'.
std::string truncation_warning(const std::vector<std::string>& sequences, std::size_t truncate);

/// A warning when rows were rejected for a censored target value ('<5',
/// '>10'; the reason kCensoredReason): how many, the first three by data row
/// and value, and why dropping them matters; "" when none. `rejects` are
/// reject_line() lines, `path` the rejects file they go to.
std::string censored_targets_warning(const std::vector<std::string>& rejects,
                                     const std::string& path);

}  // namespace plmkit::pipelines
