// `plmkit merge --kind embed` as a user runs it: shards of `plmkit embed
// --shard I/N` over the ESM-2 fixture merge into the file one run writes.
#include <cstring>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/cli/hdf5_compare.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using test::run_plmkit;
using test::with;

namespace {
const std::string kModel = test::shared_path("fixtures/esm2_tiny/model");
const std::string kFasta = test::shared_path("fixtures/esm2_tiny/sequences.fasta");

std::vector<std::string> embed_args(const std::string& output) {
    // --max-tokens 1: every batch holds one sequence, so a shard computes each
    // sequence with exactly the tensor shapes the single run uses.
    return {"-q",       "embed",    "--model",      kModel,      "--input",
            kFasta,     "--output", output,         "--include", "mean,per_tok,bos,logits,contacts",
            "--layers", "-1,1",     "--max-tokens", "1"};
}

}  // namespace

/// The single run, its 3 shards and their merge, made once for all sections below.
struct EmbedRuns {
    std::string single, merged, merge_log;
    std::vector<std::string> shards;
};

const EmbedRuns& embed_runs() {
    static const EmbedRuns runs = [] {
        EmbedRuns e;
        e.single = test::temp_path("cli_emb_single.h5");
        auto r = run_plmkit(embed_args(e.single));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        for (int i = 0; i < 3; ++i) {
            auto out = test::temp_path("cli_emb.shard-" + std::to_string(i) + "-of-3.h5");
            auto s = run_plmkit(with(embed_args(out), {"--shard", std::to_string(i) + "/3"}));
            INFO(s.err);
            REQUIRE(s.exit_code == 0);
            e.shards.push_back(out);
        }
        // Given out of order on purpose: the merge orders them by their shard attribute.
        e.merged = test::temp_path("cli_emb_merged.h5");
        auto m = run_plmkit(
            {"merge", "--kind", "embed", "-o", e.merged, e.shards[2], e.shards[0], e.shards[1]});
        INFO(m.err);
        REQUIRE(m.exit_code == 0);
        CHECK(m.out.empty());
        e.merge_log = m.err;
        return e;
    }();
    return runs;
}

TEST_CASE("cli merge: embed shards merge into the single run bit for bit", "[cli][merge][embed]") {
    const auto& single = embed_runs().single;
    const auto& shards = embed_runs().shards;
    const auto& merged = embed_runs().merged;

    SECTION("every dataset bit-identical, attributes equal but the per-run ones") {
        Hdf5Reader a(single), b(merged);
        test::require_same_datasets(a, b);
        test::require_same_attributes(a, b, {"created", "command_line", "merged_shards"});
        auto n = b.attribute("merged_shards");
        REQUIRE(n);
        CHECK(n->number == 3);
        CHECK(a.info("ids").rows == 7);
        CHECK(test::read_file(single + ".rejects.tsv") == test::read_file(merged + ".rejects.tsv"));
    }
    SECTION("the last layer (3) stays stored once: /layers/3/... link to the top level") {
        std::vector<std::string> links;
        for (const auto& d : Hdf5Reader(merged).datasets())
            if (!d.link_of.empty()) links.push_back(d.name + " -> " + d.link_of);
        CHECK(links == std::vector<std::string>{"layers/3/bos -> bos", "layers/3/mean -> mean",
                                                "layers/3/per_tok -> per_tok"});
    }
    SECTION("the merge keeps /original_lengths and counts the truncated sequences") {
        // Input residues of the fixture's records, counted by hand; Q12176
        // (1,025) is the one cut to --truncate 1022.
        Hdf5Reader b(merged);
        REQUIRE(b.has_dataset("original_lengths"));
        CHECK(b.read_i64("original_lengths", 0, 7) ==
              std::vector<std::int64_t>{99, 458, 1025, 20, 80, 71, 99});
        CHECK(b.read_i64("lengths", 2, 1) == std::vector<std::int64_t>{1022});
        CHECK_THAT(embed_runs().merge_log,
                   Catch::Contains("merged 3 shards: 7 sequences (1 truncated), 0 rejected"));
    }
    SECTION("--kind auto picks embed from the .h5 name") {
        auto m2 = test::temp_path("cli_emb_auto.h5");
        CHECK(run_plmkit({"merge", "-o", m2, shards[0], shards[1], shards[2]}).exit_code == 0);
        Hdf5Reader a(single), b(m2);
        test::require_same_datasets(a, b);
    }
    SECTION("a missing shard is named, exit 3") {
        auto bad = run_plmkit({"merge", "--kind", "embed", "-o", test::temp_path("cli_emb_bad.h5"),
                               shards[0], shards[2]});
        CHECK(bad.exit_code == 3);
        CHECK_THAT(bad.err,
                   Catch::StartsWith("plmkit: error: ") && Catch::Contains("shard 1/3 missing"));
    }
    SECTION("a shard of another run is named as foreign, exit 3") {
        auto other = test::temp_path("cli_emb_other.shard-1-of-3.h5");
        auto args = embed_args(other);
        args[11] = "-1";  // --layers -1 instead of -1,1
        REQUIRE(run_plmkit(with(args, {"--shard", "1/3"})).exit_code == 0);
        auto bad = run_plmkit({"merge", "--kind", "embed", "-o", test::temp_path("cli_emb_f.h5"),
                               shards[0], other, shards[2]});
        CHECK(bad.exit_code == 3);
        CHECK_THAT(bad.err, Catch::Contains(other) && Catch::Contains("foreign"));
    }
}

TEST_CASE("cli merge: shards run with --include in another order or repeated merge",
          "[cli][merge][embed]") {
    // The include attribute held the option as typed: "bos,mean" and
    // "mean,bos,mean" write the same datasets, but merge called the second
    // shard foreign. It now lists the outputs in the documented order.
    const std::vector<std::string> includes = {"bos,mean", "mean,bos,mean"};
    std::vector<std::string> shards;
    for (int i = 0; i < 2; ++i) {
        shards.push_back(test::temp_path("cli_emb_inc.shard-" + std::to_string(i) + "-of-2.h5"));
        auto r = run_plmkit({"-q", "embed", "--model", kModel, "--input", kFasta, "--output",
                             shards.back(), "--include", includes[i], "--shard",
                             std::to_string(i) + "/2"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        auto inc = Hdf5Reader(shards.back()).attribute("include");
        REQUIRE(inc);
        CHECK(inc->text == "mean,bos");
    }
    auto merged = test::temp_path("cli_emb_inc.h5");
    auto m = run_plmkit({"merge", "--kind", "embed", "-o", merged, shards[0], shards[1]});
    INFO(m.err);
    CHECK(m.exit_code == 0);
    CHECK(Hdf5Reader(merged).info("ids").rows == 7);
}
