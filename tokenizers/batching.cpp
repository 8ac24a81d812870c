#include "tokenizers/batching.hpp"

#include <algorithm>
#include <numeric>

namespace plmkit::tokenizers {

PaddedBatch pad_batch(const std::vector<std::vector<std::int32_t>>& sequences,
                      std::int32_t pad_id) {
    PaddedBatch b;
    b.batch = sequences.size();
    for (const auto& s : sequences)
        b.max_len = std::max(b.max_len, s.size());
    b.ids.assign(b.batch * b.max_len, pad_id);
    b.mask.assign(b.batch * b.max_len, 0);
    b.lengths.resize(b.batch);
    for (std::size_t r = 0; r < b.batch; ++r) {
        const auto& s = sequences[r];
        std::copy(s.begin(), s.end(), b.ids.begin() + r * b.max_len);
        std::fill_n(b.mask.begin() + r * b.max_len, s.size(), std::uint8_t{1});
        b.lengths[r] = static_cast<std::int64_t>(s.size());
    }
    return b;
}

std::vector<std::vector<std::size_t>> token_budget_batches(const std::vector<std::size_t>& lengths,
                                                           const TokenBudgetOptions& options) {
    std::vector<std::size_t> order(lengths.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Longest first; ties keep the input order so the result is deterministic.
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; });

    std::vector<std::vector<std::size_t>> batches;
    std::size_t longest = 0;  // of the open batch (its first item, as sorted)
    for (std::size_t idx : order) {
        bool open = !batches.empty() && !batches.back().empty();
        if (open) {
            std::size_t rows = batches.back().size() + 1;
            bool fits = rows * longest <= options.max_tokens;
            bool capped = options.max_batch != 0 && rows > options.max_batch;
            if (!fits || capped) open = false;
        }
        if (!open) {
            batches.emplace_back();
            // An empty item still occupies a row: count it as one token so a
            // run of empty items cannot make an unbounded batch.
            longest = std::max<std::size_t>(lengths[idx], 1);
        }
        batches.back().push_back(idx);
    }
    return batches;
}

}  // namespace plmkit::tokenizers
