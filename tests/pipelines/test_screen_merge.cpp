// merge_screen's checks that the shard outputs belong together: which shard
// is missing, given twice or foreign (other input, reader options, config or
// plmkit version). Merged outputs equal to a single run are tested in
// test_screen_job.cpp.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "pipelines/screen_job.hpp"
#include "pipelines/screen_merge.hpp"
#include "src/error.hpp"
#include "src/output_names.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
using nlohmann::json;

namespace {

/// A CSV with the same SMILES in two columns, so that --smiles-col can
/// differ between shards while every record still parses.
std::string library() {
    static const std::string path = [] {
        auto p = test::temp_path("merge_check_lib.csv");
        std::string text = "smiles,alt,id\n";
        for (const char* s : {"CCO", "c1ccccc1O", "CCN(CC)CC", "OC(=O)c1ccccc1", "c1ccncc1",
                              "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "CCCC", "C1CC"})
            text += std::string(s) + "," + s + ",m" + std::to_string(text.size()) + "\n";
        test::write_file(p, text);
        return p;
    }();
    return path;
}

/// Runs shard i of n into "<name>.shard-i-of-n.csv"; returns the hits path.
std::string run_shard(const std::string& name, std::int64_t i, std::int64_t n,
                      const std::string& smiles_col = "smiles", std::uint64_t top = 5) {
    ScreenOptions o;
    o.input = library();
    o.reader.smiles_col = smiles_col;
    o.output = shard_path(test::temp_path(name + ".csv"), Shard{i, n});
    o.shard = Shard{i, n};
    o.top = top;
    o.progress = false;
    run_screen(o);
    return o.output;
}

ScreenMergeOptions merge_of(const std::vector<std::string>& inputs, const std::string& name) {
    ScreenMergeOptions m;
    m.inputs = inputs;
    m.output = test::temp_path(name + ".merged.csv");
    return m;
}

std::string summary_of(const std::string& hits) {
    return companion_path(hits, ".summary.json");
}

}  // namespace

TEST_CASE("screen merge: names the missing and doubled shards", "[screen][merge]") {
    std::vector<std::string> s;
    for (int i = 0; i < 4; ++i)
        s.push_back(run_shard("mc", i, 4));
    SECTION("all four merge") {
        auto r = merge_screen(merge_of({s[3], s[1], s[0], s[2]}, "mc_all"));
        CHECK(r.counts.read == 8);
        CHECK(r.counts.balanced());
    }
    SECTION("one missing") {
        CHECK_THROWS_AS(merge_screen(merge_of({s[0], s[2], s[3]}, "mc1")), InputError);
        CHECK_THROWS_WITH(merge_screen(merge_of({s[0], s[2], s[3]}, "mc1")),
                          Catch::StartsWith("shard 1/4 missing: got 3 shard outputs of 4") &&
                              Catch::Contains("--shard I/4"));
    }
    SECTION("two missing") {
        CHECK_THROWS_WITH(merge_screen(merge_of({s[2], s[0]}, "mc2")),
                          Catch::StartsWith("shards 1/4, 3/4 missing: got 2 shard outputs of 4"));
    }
    SECTION("one given twice names both files") {
        CHECK_THROWS_WITH(merge_screen(merge_of({s[0], s[1], s[1], s[3]}, "mc3")),
                          Catch::Contains("shard 1/4 given twice: " + summary_of(s[1]) + " and " +
                                          summary_of(s[1])));
    }
    SECTION("a shard of another split") {
        auto other = run_shard("mc_other", 1, 3);
        CHECK_THROWS_WITH(merge_screen(merge_of({s[0], other, s[2], s[3]}, "mc4")),
                          Catch::Contains(summary_of(other) +
                                          ": shard 1/3 is not one of the 4 "
                                          "shards of " +
                                          summary_of(s[0])));
    }
}

TEST_CASE("screen merge: refuses a shard run with other options", "[screen][merge]") {
    auto a = run_shard("mo", 0, 2);
    SECTION("reader options (another SMILES column) are foreign") {
        auto b = run_shard("mo_col", 1, 2, "alt");
        CHECK_THROWS_WITH(merge_screen(merge_of({a, b}, "mo1")),
                          Catch::Contains(summary_of(b) +
                                          " (shard 1/2) is foreign: its input "
                                          "reader options differ from " +
                                          summary_of(a) +
                                          " (shard 0/2): reader.smiles_col: "
                                          "\"alt\" vs \"smiles\" (shard 1/2 vs "
                                          "0/2)"));
    }
    SECTION("pipeline config (--top) is foreign") {
        auto b = run_shard("mo_top", 1, 2, "smiles", 3);
        CHECK_THROWS_WITH(merge_screen(merge_of({a, b}, "mo2")),
                          Catch::Contains("is foreign: its pipeline config differs") &&
                              Catch::Contains("config.rank.top: 3 vs 5 (shard 1/2 vs 0/2)") &&
                              !Catch::Contains("filters"));
    }
    SECTION("plmkit version is foreign") {
        auto b = run_shard("mo_ver", 1, 2);
        auto doc = json::parse(test::read_file(summary_of(b)));
        REQUIRE(doc.at("tool").get<std::string>().rfind("plmkit ", 0) == 0);
        doc["tool"] = "plmkit 0.0.1-other";
        test::write_file(summary_of(b), doc.dump(2));
        CHECK_THROWS_WITH(merge_screen(merge_of({a, b}, "mo3")),
                          Catch::Contains("is foreign: its plmkit version") &&
                              Catch::Contains("plmkit 0.0.1-other"));
    }
    SECTION("the summary records the reader options") {
        auto doc = json::parse(test::read_file(summary_of(a)));
        CHECK(doc.at("reader") ==
              json{{"format", "csv"}, {"smiles_col", "smiles"}, {"id_col", "id"}});
    }
}
