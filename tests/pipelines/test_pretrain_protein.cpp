// ESM-2 / BERT masking of `plmkit pretrain --kind protein`, counted on a long
// row: which positions can be chosen and what they become; and a run on real
// sequences with rare letters and lengths far beyond the crop.
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "pipelines/pretrain_protein.hpp"
#include "tests/test_support.hpp"

using plmkit::pipelines::mask_residues;

namespace {

/// 5 standard deviations of the share of successes in n trials of chance q.
double tolerance(double q, double n) {
    return 5.0 * std::sqrt(q * (1.0 - q) / n);
}

}  // namespace

TEST_CASE("pretrain protein: 15% of residues, of which 80% <mask>, 10% random, 10% kept",
          "[pipelines][pretrain_protein]") {
    // A padded row: <cls>, N residues 'A' (id 5), <eos>, 2 <pad>; offset 1000
    // as for the second row of a batch of width 1000.
    constexpr std::int64_t N = 200000, kA = 5, kMask = 32, kOffset = 1000;
    std::vector<std::int64_t> row(static_cast<std::size_t>(N + 4), 1);
    row[0] = 0;
    for (std::int64_t i = 1; i <= N; ++i)
        row[static_cast<std::size_t>(i)] = kA;
    row[static_cast<std::size_t>(N + 1)] = 2;
    std::mt19937_64 rng(7);
    std::vector<std::int64_t> positions, labels;
    mask_residues(row.data(), 1, N, kOffset, 0.15, kMask, rng, positions, labels);

    const auto chosen = static_cast<double>(positions.size());
    CHECK(std::abs(chosen / N - 0.15) < tolerance(0.15, N));
    REQUIRE(labels.size() == positions.size());
    std::int64_t masked = 0, replaced = 0, kept = 0;
    for (std::size_t k = 0; k < positions.size(); ++k) {
        const std::int64_t i = positions[k] - kOffset;
        REQUIRE(i >= 1);  // never <cls>, <eos> or padding
        REQUIRE(i <= N);
        CHECK(labels[k] == kA);
        const std::int64_t now = row[static_cast<std::size_t>(i)];
        if (now == kMask)
            ++masked;
        else if (now == kA)
            ++kept;
        else if (now >= 4 && now <= 23)  // L A G V S E R T I D P K Q N F Y M H W C
            ++replaced;
        else
            FAIL("position " << i << " became token " << now);
    }
    CHECK(std::abs(masked / chosen - 0.8) < tolerance(0.8, chosen));
    // A random standard amino acid is 'A' itself 1 time in 20.
    CHECK(std::abs(replaced / chosen - 0.095) < tolerance(0.095, chosen));
    CHECK(std::abs(kept / chosen - 0.105) < tolerance(0.105, chosen));
    // Unchosen residues and the special tokens stay as they were.
    std::int64_t unchanged = 0;
    for (std::int64_t i = 1; i <= N; ++i)
        unchanged += row[static_cast<std::size_t>(i)] == kA;
    CHECK(unchanged == N - masked - replaced);
    CHECK(row[0] == 0);
    CHECK(row[static_cast<std::size_t>(N + 1)] == 2);
    CHECK(row[static_cast<std::size_t>(N + 2)] == 1);
}

TEST_CASE("pretrain protein: the same seed draws the same masks", "[pipelines][pretrain_protein]") {
    auto draw = [](std::uint64_t seed) {
        std::vector<std::int64_t> row(302, 4);
        std::mt19937_64 rng(seed);
        std::vector<std::int64_t> positions, labels;
        mask_residues(row.data(), 1, 300, 0, 0.15, 32, rng, positions, labels);
        return std::make_pair(positions, row);
    };
    CHECK(draw(3) == draw(3));
    CHECK(draw(3) != draw(4));
}

TEST_CASE("pretrain protein: rare letters train, long sequences are cropped, not skipped",
          "[pipelines][pretrain_protein]") {
    // edge_cases.fasta: real sequences with X, U, B and Z, O, six of 4,640 to
    // 13,100 residues and some around ESM-2's 1022. Counted here from the
    // file itself: the records and those longer than the crop.
    const std::string fasta = plmkit::test::shared_path("data/protein_fasta/edge_cases.fasta");
    std::vector<std::string> seqs;
    {
        std::istringstream in(plmkit::test::read_file(fasta));
        std::string line;
        while (std::getline(in, line))
            if (!line.empty() && line[0] == '>')
                seqs.emplace_back();
            else
                seqs.back() += line;
    }
    REQUIRE(seqs.size() == 22);
    std::size_t longer = 0;
    std::string letters;
    for (const auto& s : seqs) {
        longer += s.size() > 64;
        letters += s;
    }
    for (char rare : {'X', 'U', 'B', 'Z', 'O'})
        REQUIRE(letters.find(rare) != std::string::npos);

    plmkit::pipelines::PretrainOptions o;
    o.kind = "protein";
    o.esm_model = plmkit::test::shared_path("fixtures/esm2_tiny/model");
    o.data = fasta;
    o.output = plmkit::test::temp_path("esm_edge_cases");
    o.crop = 64;
    o.epochs = 1;
    o.batch_size = 8;
    o.lr = 1e-3;
    o.threads = 1;
    o.log_epochs = false;
    const auto r = plmkit::pipelines::run_pretrain(o);
    CHECK(r.records == 22);
    CHECK(r.skipped == 0);
    CHECK(r.train_size + r.valid_size == 22);
    CHECK(r.cropped == longer);
    REQUIRE(r.history.size() == 2);
    CHECK(std::isfinite(r.history[1].train_loss));
    CHECK(std::isfinite(r.history[1].valid_loss));
    CHECK(plmkit::test::read_file(o.output + "/rejects.tsv") ==
          "index\tid\tsequence\treason\tline\n");
}
