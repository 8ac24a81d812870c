// BERT masking of `plmkit pretrain --kind smiles` (pipelines/pretrain_masking.hpp),
// counted over many padded rows of a SMILES-sized vocabulary: which positions
// can be chosen, and what the chosen become. Each share is checked against
// its documented value within 5 binomial standard deviations of the count
// (a correct implementation fails about once in 1.7 million draws; a
// 70/15/15 split or a 20% choice is off by many more).
#include <cmath>
#include <random>
#include <vector>

#include "tests/catch.hpp"

#include "pipelines/pretrain_masking.hpp"
#include "tokenizers/batching.hpp"
#include "tokenizers/vocab.hpp"

using plmkit::pipelines::bert_mask_rows;
using plmkit::pipelines::smiles_masking;
using plmkit::tokenizers::Vocab;

namespace {

/// 5 standard deviations of the share of successes in n trials of chance q.
double tolerance(double q, double n) {
    return 5.0 * std::sqrt(q * (1.0 - q) / n);
}

}  // namespace

TEST_CASE("pretrain smiles masking: 15% of the tokens, of which 80% <mask>, 10% random, 10% kept",
          "[pipelines][pretrain_masking]") {
    constexpr std::int64_t V = 40;  // 5 special tokens, 35 SMILES tokens
    std::mt19937_64 data_rng(11), mask_rng(5);
    std::uniform_int_distribution<int> length(1, 60), token(Vocab::kMask + 1, V - 1), coin(0, 19);
    double inner = 0, chosen = 0, masked = 0, replaced = 0, kept = 0, kept_expected = 0;
    std::vector<int> replaced_by(static_cast<std::size_t>(V), 0);
    for (int batch = 0; batch < 500; ++batch) {
        std::vector<std::vector<std::int32_t>> rows;
        for (int r = 0; r < 16; ++r) {  // <cls> tokens <eos>, some <unk> among them
            std::vector<std::int32_t> row = {Vocab::kCls};
            for (int n = length(data_rng); n > 0; --n)
                row.push_back(coin(data_rng) == 0 ? Vocab::kUnk : token(data_rng));
            row.push_back(Vocab::kEos);
            inner += static_cast<double>(row.size() - 2);
            rows.push_back(row);
        }
        plmkit::tokenizers::PaddedBatch pb = plmkit::tokenizers::pad_batch(rows, Vocab::kPad);
        const std::vector<std::int64_t> before = pb.ids;
        std::vector<std::int64_t> positions, labels;
        bert_mask_rows(pb, smiles_masking(0.15, V), mask_rng, positions, labels);
        REQUIRE(labels.size() == positions.size());
        std::vector<bool> is_chosen(pb.ids.size(), false);
        for (std::size_t k = 0; k < positions.size(); ++k) {
            const auto flat = static_cast<std::size_t>(positions[k]);
            const std::size_t b = flat / pb.max_len, i = flat % pb.max_len;
            // Never <cls> (0), <eos> (length - 1) or the padding after it.
            REQUIRE(i >= 1);
            REQUIRE(static_cast<std::int64_t>(i) <= pb.lengths[b] - 2);
            REQUIRE_FALSE(is_chosen[flat]);
            is_chosen[flat] = true;
            CHECK(labels[k] == before[flat]);
            const std::int64_t now = pb.ids[flat];
            if (now == Vocab::kMask) {
                ++masked;
            } else if (now == labels[k]) {
                ++kept;
            } else if (now > Vocab::kMask && now < V) {  // another SMILES token, never a special
                ++replaced;
                ++replaced_by[static_cast<std::size_t>(now)];
            } else {
                FAIL("a chosen position became token " << now);
            }
            // A random token is the label itself 1 time in 35 (<unk> never).
            kept_expected += 0.1 + (labels[k] > Vocab::kMask ? 0.1 / (V - 5) : 0.0);
        }
        for (std::size_t f = 0; f < pb.ids.size(); ++f)  // the rest is as it was
            if (!is_chosen[f]) REQUIRE(pb.ids[f] == before[f]);
        chosen += static_cast<double>(positions.size());
    }
    REQUIRE(inner > 200000);
    CHECK(std::abs(chosen / inner - 0.15) < tolerance(0.15, inner));
    CHECK(std::abs(masked / chosen - 0.8) < tolerance(0.8, chosen));
    const double q_kept = kept_expected / chosen;
    CHECK(std::abs(kept / chosen - q_kept) < tolerance(q_kept, chosen));
    CHECK(std::abs(replaced / chosen - (0.2 - q_kept)) < tolerance(0.2 - q_kept, chosen));
    // The random token is drawn from every SMILES token, evenly.
    for (std::int64_t t = Vocab::kMask + 1; t < V; ++t) {
        INFO("token " << t);
        const double q = 1.0 / (V - 5);
        CHECK(std::abs(replaced_by[static_cast<std::size_t>(t)] / replaced - q) <
              tolerance(q, replaced));
    }
}

TEST_CASE("pretrain smiles masking: a vocabulary of specials only keeps the 10%",
          "[pipelines][pretrain_masking]") {
    // No SMILES token to draw: the "random" 10% stay as they are.
    std::vector<std::vector<std::int32_t>> rows = {std::vector<std::int32_t>(2000, Vocab::kUnk)};
    rows[0].front() = Vocab::kCls;
    rows[0].back() = Vocab::kEos;
    plmkit::tokenizers::PaddedBatch pb = plmkit::tokenizers::pad_batch(rows, Vocab::kPad);
    std::mt19937_64 rng(3);
    std::vector<std::int64_t> positions, labels;
    bert_mask_rows(pb, smiles_masking(0.5, Vocab::kMask + 1), rng, positions, labels);
    REQUIRE(positions.size() > 500);
    for (std::int64_t flat : positions) {
        const std::int64_t now = pb.ids[static_cast<std::size_t>(flat)];
        CHECK((now == Vocab::kMask || now == Vocab::kUnk));
    }
    CHECK(pb.ids.front() == Vocab::kCls);
    CHECK(pb.ids.back() == Vocab::kEos);
}
