#pragma once
// Batch encoding (pad to the longest, attention mask, lengths) and a
// token-budget batcher that sorts by length and packs batches of at most N
// tokens (fair-esm's --toks_per_batch), remembering the original order.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace plmkit::tokenizers {

/// Row-major [batch, max_len] ids padded with `pad_id`, mask 1 for real tokens.
struct PaddedBatch {
    std::size_t batch = 0;
    std::size_t max_len = 0;
    std::vector<std::int64_t> ids;
    std::vector<std::uint8_t> mask;
    std::vector<std::int64_t> lengths;  ///< tokens per row (incl. specials)
};

PaddedBatch pad_batch(const std::vector<std::vector<std::int32_t>>& sequences, std::int32_t pad_id);

struct TokenBudgetOptions {
    std::size_t max_tokens = 4096;  ///< padded tokens per batch (rows x longest)
    std::size_t max_batch = 0;      ///< optional cap on rows (0 = none)
};

/// Groups item indices into batches: sorted by length (longest first), each
/// batch's rows x longest length <= max_tokens (a single item longer than the
/// budget gets a batch of its own). Every index appears exactly once.
std::vector<std::vector<std::size_t>> token_budget_batches(const std::vector<std::size_t>& lengths,
                                                           const TokenBudgetOptions& options);

}  // namespace plmkit::tokenizers
