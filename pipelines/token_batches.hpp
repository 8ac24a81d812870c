#pragma once
// The batching shared by the language-model featurizers: tokenized rows run in
// token-budget batches, each row's pooled vector written to its FeatureMatrix row.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "pipelines/feature_matrix.hpp"

namespace plmkit::pipelines {

/// Runs one batch: the token ids of each row, and where each row's pooled vector goes.
using TokenBatchRunner = std::function<void(const std::vector<const std::vector<std::int32_t>*>&,
                                            const std::vector<float*>&)>;

/// Runs the valid rows of `fm` (those without an error; ids[i] holds row i's tokens) in
/// batches of at most `max_tokens` padded tokens, checking for an interrupt before each.
void run_token_batches(FeatureMatrix& fm, const std::vector<std::vector<std::int32_t>>& ids,
                       std::size_t max_tokens, const TokenBatchRunner& run);

}  // namespace plmkit::pipelines
