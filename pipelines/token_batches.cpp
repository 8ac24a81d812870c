#include "pipelines/token_batches.hpp"

#include "src/runtime.hpp"
#include "tokenizers/batching.hpp"

namespace plmkit::pipelines {

void run_token_batches(FeatureMatrix& fm, const std::vector<std::vector<std::int32_t>>& ids,
                       std::size_t max_tokens, const TokenBatchRunner& run) {
    std::vector<std::size_t> valid, lengths;
    for (std::size_t i = 0; i < fm.rows; ++i) {
        if (!fm.ok(i)) continue;
        valid.push_back(i);
        lengths.push_back(ids[i].size());
    }
    for (const auto& group : tokenizers::token_budget_batches(lengths, {max_tokens, 0})) {
        throw_if_interrupted();
        std::vector<const std::vector<std::int32_t>*> rows;
        std::vector<float*> out;
        for (std::size_t k : group) {
            rows.push_back(&ids[valid[k]]);
            out.push_back(fm.values.data() + valid[k] * fm.dim);
        }
        run(rows, out);
    }
}

}  // namespace plmkit::pipelines
