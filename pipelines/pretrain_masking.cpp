#include "pipelines/pretrain_masking.hpp"

#include "tokenizers/vocab.hpp"

namespace plmkit::pipelines {

BertMasking smiles_masking(double p, std::int64_t vocab_size) {
    BertMasking m;
    m.p = p;
    m.mask_id = tokenizers::Vocab::kMask;
    m.random_first = tokenizers::Vocab::kMask + 1;
    m.random_last = vocab_size - 1;
    return m;
}

void bert_mask(std::int64_t* ids, std::int64_t first, std::int64_t count, std::int64_t offset,
               const BertMasking& m, std::mt19937_64& rng, std::vector<std::int64_t>& positions,
               std::vector<std::int64_t>& labels) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const bool can_replace = m.random_first <= m.random_last;
    std::uniform_int_distribution<std::int64_t> random_id(
        m.random_first, can_replace ? m.random_last : m.random_first);
    for (std::int64_t i = first; i < first + count; ++i) {
        if (u(rng) >= m.p) continue;
        positions.push_back(offset + i);
        labels.push_back(ids[i]);
        const double r = u(rng);
        if (r < 0.8)
            ids[i] = m.mask_id;
        else if (r < 0.9 && can_replace)
            ids[i] = random_id(rng);
    }
}

void bert_mask_rows(tokenizers::PaddedBatch& batch, const BertMasking& m, std::mt19937_64& rng,
                    std::vector<std::int64_t>& positions, std::vector<std::int64_t>& labels) {
    const auto width = static_cast<std::int64_t>(batch.max_len);
    for (std::size_t b = 0; b < batch.batch; ++b) {
        const std::int64_t inner = batch.lengths[b] - 2;  // without <cls> and <eos>
        if (inner <= 0) continue;
        const auto offset = static_cast<std::int64_t>(b) * width;
        bert_mask(batch.ids.data() + offset, 1, inner, offset, m, rng, positions, labels);
    }
}

}  // namespace plmkit::pipelines
