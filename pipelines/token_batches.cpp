#include "pipelines/token_batches.hpp"

#include <limits>

#include "src/runtime.hpp"
#include "tokenizers/batching.hpp"

namespace plmkit::pipelines {

FeatureMatrix nan_feature_matrix(std::size_t rows, std::size_t dim) {
    FeatureMatrix fm;
    fm.rows = rows;
    fm.dim = dim;
    fm.values.assign(rows * dim, std::numeric_limits<float>::quiet_NaN());
    fm.errors.assign(rows, "");
    return fm;
}

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
