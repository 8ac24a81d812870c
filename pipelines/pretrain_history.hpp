#pragma once
// The loss log of `plmkit pretrain` (both kinds): <output>/history.tsv, one
// row per epoch so far (protein: epoch 0, the input model, first), rewritten
// atomically after every epoch, best or not, so that the folder tells how
// the run went without its stderr:
//
//   epoch  train_loss  valid_loss  valid_perplexity  valid_accuracy  lr  saved
//
// `saved` is 1 for the epochs that were the best so far when they ended (the
// last of them is the model in the folder). Epoch 0 has no train_loss or lr
// (empty cells, NaN in pandas). The seconds an epoch took are on stderr
// only: the file is the same, byte for byte, for a run resumed from its
// checkpoints as for an uninterrupted one.
#include <string>
#include <vector>

#include "pipelines/pretrain_job.hpp"

namespace plmkit::pipelines {

/// The text of history.tsv for `history`.
std::string pretrain_history_tsv(const std::vector<PretrainEpoch>& history);

/// Writes dir/history.tsv atomically; IoError when it cannot.
void write_pretrain_history(const std::string& dir, const std::vector<PretrainEpoch>& history);

}  // namespace plmkit::pipelines
