#pragma once
// What Chemprop (v1's chemprop_train/chemprop_predict and v2's `chemprop
// train|predict`) calls the things `plmkit train`, `predict` and `evaluate`
// name otherwise, for the error a Chemprop user gets on typing Chemprop's
// name (docs/train.md "Coming from Chemprop"). Hints only: no Chemprop name
// is accepted as an alias, since several mean something slightly different
// (Chemprop's `morgan` features are bits, plmkit's counts; its
// --split_sizes takes three words, plmkit's one comma-separated value).
#include <string>

namespace plmkit::pipelines {

/// For an option that `plmkit <command>` (train, predict or evaluate) does
/// not have, written as Chemprop writes it (`--data_path`, `--data-path`,
/// `-i`, with or without `=value`): "Chemprop's --data_path; here: --data"
/// or, where plmkit has no such option, what to do instead; "" for a name
/// Chemprop does not use there.
std::string chemprop_option_hint(const std::string& command, const std::string& option);

/// For a `--featurizer` part that is a Chemprop features generator
/// (`rdkit_2d_normalized`, `morgan_count`, ...): "Chemprop's
/// rdkit_2d_normalized is rdkit2d here"; "" otherwise.
std::string chemprop_featurizer_hint(const std::string& name);

/// For a `--split` value that is a Chemprop split type (`scaffold_balanced`,
/// `cv`, ...): what plmkit calls it; "" otherwise.
std::string chemprop_split_hint(const std::string& split);

}  // namespace plmkit::pipelines
