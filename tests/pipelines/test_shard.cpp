#include <map>
#include <string>
#include "tests/catch.hpp"

#include "pipelines/shard.hpp"
#include "src/error.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {
EnvLookup fake_env(std::map<std::string, std::string> vars) {
    auto held = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
    return [held](const char* name) -> const char* {
        auto it = held->find(name);
        return it == held->end() ? nullptr : it->second.c_str();
    };
}
}  // namespace

TEST_CASE("shard: I/N parsing", "[pipelines][shard]") {
    SECTION("empty is the whole input") {
        Shard s = parse_shard("");
        CHECK(s.index == 0);
        CHECK(s.count == 1);
        CHECK(s.whole());
    }
    SECTION("valid values") {
        CHECK(parse_shard("0/1") == Shard{0, 1});
        CHECK(parse_shard("3/4") == Shard{3, 4});
        CHECK(parse_shard("999/1000") == Shard{999, 1000});
        CHECK(parse_shard("2/7").to_string() == "2/7");
    }
    SECTION("index out of range names the rule") {
        CHECK_THROWS_AS(parse_shard("4/4"), UsageError);
        CHECK_THROWS_WITH(parse_shard("4/4"),
                          Catch::Contains("--shard 4/4: index must be < count"));
        CHECK_THROWS_WITH(parse_shard("0/0"), Catch::Contains("count must be at least 1"));
    }
    SECTION("malformed values") {
        for (const char* bad : {"4", "a/4", "1/b", "-1/4", "1/-4", "1/4/5", " 1/4", "1/4 ", "/4",
                                "1/", "1.0/4", "+1/4", "99999999999999999999/4"}) {
            INFO(bad);
            CHECK_THROWS_AS(parse_shard(bad), UsageError);
        }
        CHECK_THROWS_WITH(parse_shard("4"), Catch::Contains("expected I/N"));
    }
}

TEST_CASE("shard: auto from the Slurm array environment", "[pipelines][shard]") {
    SECTION("array 0-3") {
        auto env = fake_env({{"SLURM_ARRAY_TASK_ID", "2"},
                             {"SLURM_ARRAY_TASK_COUNT", "4"},
                             {"SLURM_ARRAY_TASK_MIN", "0"}});
        CHECK(parse_shard("auto", env) == Shard{2, 4});
    }
    SECTION("array 1-4 (not starting at 0) uses SLURM_ARRAY_TASK_MIN") {
        auto env = fake_env({{"SLURM_ARRAY_TASK_ID", "1"},
                             {"SLURM_ARRAY_TASK_COUNT", "4"},
                             {"SLURM_ARRAY_TASK_MIN", "1"}});
        CHECK(parse_shard("auto", env) == Shard{0, 4});
        auto last = fake_env({{"SLURM_ARRAY_TASK_ID", "4"},
                              {"SLURM_ARRAY_TASK_COUNT", "4"},
                              {"SLURM_ARRAY_TASK_MIN", "1"}});
        CHECK(parse_shard("auto", last) == Shard{3, 4});
    }
    SECTION("array 0-6:2 uses SLURM_ARRAY_TASK_STEP") {
        auto env = fake_env({{"SLURM_ARRAY_TASK_ID", "6"},
                             {"SLURM_ARRAY_TASK_COUNT", "4"},
                             {"SLURM_ARRAY_TASK_MIN", "0"},
                             {"SLURM_ARRAY_TASK_STEP", "2"}});
        CHECK(parse_shard("auto", env) == Shard{3, 4});
    }
    SECTION("MIN missing defaults to 0") {
        auto env = fake_env({{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_COUNT", "2"}});
        CHECK(parse_shard("auto", env) == Shard{1, 2});
    }
    SECTION("outside a job array") {
        CHECK_THROWS_AS(parse_shard("auto", fake_env({})), UsageError);
        CHECK_THROWS_WITH(parse_shard("auto", fake_env({})),
                          Catch::Contains("SLURM_ARRAY_TASK_ID is not set"));
        CHECK_THROWS_WITH(parse_shard("auto", fake_env({{"SLURM_ARRAY_TASK_ID", "1"}})),
                          Catch::Contains("SLURM_ARRAY_TASK_COUNT is not set"));
    }
    SECTION("inconsistent values") {
        auto past = fake_env({{"SLURM_ARRAY_TASK_ID", "5"},
                              {"SLURM_ARRAY_TASK_COUNT", "4"},
                              {"SLURM_ARRAY_TASK_MIN", "0"}});
        CHECK_THROWS_WITH(parse_shard("auto", past), Catch::Contains("index must be < count"));
        auto junk = fake_env({{"SLURM_ARRAY_TASK_ID", "x"}, {"SLURM_ARRAY_TASK_COUNT", "4"}});
        CHECK_THROWS_WITH(parse_shard("auto", junk), Catch::Contains("is not a number"));
    }
}

TEST_CASE("shard: auto refuses a partial re-run it cannot place", "[pipelines][shard]") {
    // What Slurm sets for `sbatch --array=2 array.sh` (re-running shard 2 of 4).
    auto rerun = fake_env({{"SLURM_ARRAY_TASK_ID", "2"},
                           {"SLURM_ARRAY_TASK_COUNT", "1"},
                           {"SLURM_ARRAY_TASK_MIN", "2"},
                           {"SLURM_ARRAY_TASK_MAX", "2"},
                           {"SLURM_ARRAY_TASK_STEP", "1"}});
    SECTION("a one-task array with id > 0 is not the whole input") {
        CHECK_THROWS_AS(parse_shard("auto", rerun), UsageError);
        CHECK_THROWS_WITH(parse_shard("auto", rerun),
                          Catch::Contains("SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=1") &&
                              Catch::Contains("sbatch --array=2") &&
                              Catch::Contains("--shard auto/N") && Catch::Contains("--shard 2/N"));
    }
    SECTION("nor is a one-task array with id 0 (re-run of shard 0)") {
        auto zero = fake_env({{"SLURM_ARRAY_TASK_ID", "0"},
                              {"SLURM_ARRAY_TASK_COUNT", "1"},
                              {"SLURM_ARRAY_TASK_MIN", "0"},
                              {"SLURM_ARRAY_TASK_MAX", "0"}});
        CHECK_THROWS_WITH(parse_shard("auto", zero), Catch::Contains("--shard auto/N"));
    }
    SECTION("a list of tasks (--array=1,3) whose count is not the range's") {
        auto list = fake_env({{"SLURM_ARRAY_TASK_ID", "3"},
                              {"SLURM_ARRAY_TASK_COUNT", "2"},
                              {"SLURM_ARRAY_TASK_MIN", "1"},
                              {"SLURM_ARRAY_TASK_MAX", "3"},
                              {"SLURM_ARRAY_TASK_STEP", "1"}});
        CHECK_THROWS_WITH(parse_shard("auto", list), Catch::Contains("not the full range 1-3") &&
                                                         Catch::Contains("--shard auto/N"));
    }
    SECTION("a full array with MAX set is accepted") {
        auto full = fake_env({{"SLURM_ARRAY_TASK_ID", "6"},
                              {"SLURM_ARRAY_TASK_COUNT", "4"},
                              {"SLURM_ARRAY_TASK_MIN", "0"},
                              {"SLURM_ARRAY_TASK_MAX", "6"},
                              {"SLURM_ARRAY_TASK_STEP", "2"}});
        CHECK(parse_shard("auto", full) == Shard{3, 4});
    }
    SECTION("auto/N takes the task id as the shard index") {
        CHECK(parse_shard("auto/4", rerun) == Shard{2, 4});
        auto first = fake_env({{"SLURM_ARRAY_TASK_ID", "0"}, {"SLURM_ARRAY_TASK_COUNT", "4"}});
        CHECK(parse_shard("auto/4", first) == Shard{0, 4});
        CHECK_THROWS_WITH(parse_shard("auto/2", rerun),
                          Catch::Contains("--shard auto/2 (SLURM_ARRAY_TASK_ID=2)") &&
                              Catch::Contains("index must be < count"));
        CHECK_THROWS_WITH(parse_shard("auto/x", rerun), Catch::Contains("expected auto/N"));
        CHECK_THROWS_WITH(parse_shard("auto/", rerun), Catch::Contains("expected auto/N"));
        CHECK_THROWS_WITH(parse_shard("auto/0", rerun),
                          Catch::Contains("count must be at least 1"));
        CHECK_THROWS_WITH(parse_shard("auto/4", fake_env({})),
                          Catch::Contains("SLURM_ARRAY_TASK_ID is not set"));
    }
}

TEST_CASE("shard: records are dealt round-robin", "[pipelines][shard]") {
    // Every record lands in exactly one of N shards.
    const std::int64_t n = 3;
    for (std::uint64_t rec = 0; rec < 10; ++rec) {
        int owners = 0;
        for (std::int64_t i = 0; i < n; ++i)
            owners += Shard{i, n}.contains(rec) ? 1 : 0;
        CHECK(owners == 1);
    }
    CHECK(Shard{1, 3}.contains(1));
    CHECK(Shard{1, 3}.contains(4));
    CHECK_FALSE(Shard{1, 3}.contains(5));
    CHECK(Shard{0, 1}.contains(12345));
}

TEST_CASE("shard: records_of counts the records a shard takes", "[pipelines][shard]") {
    // Checked against counting contains() record by record.
    for (std::int64_t n : {1, 2, 3, 7})
        for (std::int64_t i = 0; i < n; ++i)
            for (std::uint64_t total : {0, 1, 2, 3, 6, 7, 8, 20}) {
                std::uint64_t want = 0;
                for (std::uint64_t r = 0; r < total; ++r)
                    want += Shard{i, n}.contains(r) ? 1 : 0;
                INFO(i << "/" << n << " of " << total);
                CHECK(Shard{i, n}.records_of(total) == want);
            }
    CHECK(Shard{1, 3}.records_of(7) == 2);  // records 1 and 4
    CHECK(Shard{0, 3}.records_of(7) == 3);  // 0, 3, 6
}

TEST_CASE("shard: output file names", "[pipelines][shard]") {
    CHECK(shard_path("hits.csv", Shard{3, 4}) == "hits.shard-3-of-4.csv");
    CHECK(shard_path("out/emb.h5", Shard{0, 2}) == "out/emb.shard-0-of-2.h5");
    CHECK(shard_path("hits.csv.gz", Shard{1, 8}) == "hits.shard-1-of-8.csv.gz");
    CHECK(shard_path("results", Shard{1, 2}) == "results.shard-1-of-2");
    CHECK(shard_path("dir.d/results", Shard{1, 2}) == "dir.d/results.shard-1-of-2");
    CHECK(shard_path(".hidden", Shard{1, 2}) == ".hidden.shard-1-of-2");
    CHECK(shard_path("hits.csv", "${SLURM_ARRAY_TASK_ID}", 4) ==
          "hits.shard-${SLURM_ARRAY_TASK_ID}-of-4.csv");
}

TEST_CASE("shard: the glob of a run's shard files", "[pipelines][shard]") {
    CHECK(shard_glob("out/emb.shard-2-of-3.h5") == "out/emb.shard-*-of-3.h5");
    CHECK(shard_glob("hits.shard-10-of-16.csv.gz") == "hits.shard-*-of-16.csv.gz");
    CHECK(shard_glob("a.shard-1-of-2/results.shard-0-of-12") ==
          "a.shard-1-of-2/results.shard-*-of-12");
    CHECK(shard_glob("emb.h5").empty());
    CHECK(shard_glob("emb.shard-5-of-4.h5").empty());  // not a shard of 4
}
