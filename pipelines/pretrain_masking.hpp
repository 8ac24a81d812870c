#pragma once
// BERT masking, as both kinds of `plmkit pretrain` use it (and as Hugging
// Face's DataCollatorForLanguageModeling and fair-esm do): each maskable
// token is chosen with probability p; of the chosen, 80% become <mask>, 10% a
// random token of a given range, 10% stay. The loss is taken at the chosen
// positions, against the original ids. Special tokens (<cls>, <eos>,
// padding) are never chosen: only the positions given are maskable.
#include <cstdint>
#include <random>
#include <vector>

#include "tokenizers/batching.hpp"

namespace plmkit::pipelines {

struct BertMasking {
    double p = 0.15;                                  ///< share of the maskable positions chosen
    std::int64_t mask_id = 0;                         ///< what 80% of the chosen become
    std::int64_t random_first = 0, random_last = -1;  ///< 10%: a random id in
                                                      ///< [first, last]; an empty
                                                      ///< range keeps them
};

/// --kind smiles: <mask> of the SMILES vocabulary (tokenizers/vocab.hpp);
/// the random token is one of its non-special tokens (ids after <mask>).
BertMasking smiles_masking(double p, std::int64_t vocab_size);

/// Masks `ids[first .. first + count)`: a chosen position's flat index
/// (`offset` + position) goes to `positions` and its original id to
/// `labels`; the draws are one uniform per position, one more per chosen
/// position, and one for the random id.
void bert_mask(std::int64_t* ids, std::int64_t first, std::int64_t count, std::int64_t offset,
               const BertMasking& m, std::mt19937_64& rng, std::vector<std::int64_t>& positions,
               std::vector<std::int64_t>& labels);

/// Every row of a padded batch of `<cls> tokens <eos>` rows: positions 1 ..
/// length - 2 of each (never <cls>, <eos> or the padding); flat indices
/// into batch.ids.
void bert_mask_rows(tokenizers::PaddedBatch& batch, const BertMasking& m, std::mt19937_64& rng,
                    std::vector<std::int64_t>& positions, std::vector<std::int64_t>& labels);

}  // namespace plmkit::pipelines
