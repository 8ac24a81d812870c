// ScreenCheckpoint: what a run logs and commits is what a resumed run
// replays, in the same order; bytes after the last commit are dropped; a
// state is refused without resume, with another fingerprint, or with a log
// that does not match it.
#include "pipelines/screen_checkpoint.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "pipelines/hit_ranker.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using plmkit::pipelines::RankedHit;
using plmkit::pipelines::ScreenCheckpoint;
using plmkit::pipelines::ScreenFingerprint;
using plmkit::pipelines::ScreenSaved;
using plmkit::pipelines::ScreenStep;
namespace fs = std::filesystem;

namespace {

/// What a replay delivered, one line per entry.
std::vector<std::string> replayed(ScreenCheckpoint& cp) {
    std::vector<std::string> got;
    cp.replay({[&](const std::string& line) { got.push_back("R " + line); },
               [&](const RankedHit& h) {
                   got.push_back("H " + std::to_string(h.record) + " " + std::to_string(h.score) +
                                 " " + h.csv_row + "|" + h.sdf_block + "|" + h.cut_line);
               },
               [&](const std::string& key, const std::string& id, std::uint64_t record) {
                   got.push_back("K " + key + " " + id + " " + std::to_string(record));
               }});
    return got;
}

ScreenSaved saved(std::uint64_t end, std::uint64_t read) {
    ScreenSaved s;
    s.records_end = end;
    s.counts.read = read;
    s.counts.add_reject(ScreenStep::filter, "lipinski: 2 violations");
    s.counts.add_reject(ScreenStep::parse, "bad");
    s.step_seconds[2] = 1.5;
    s.wall_seconds = 3.25;
    return s;
}

}  // namespace

TEST_CASE("ScreenCheckpoint: commit, replay, resume", "[screen][resume]") {
    const std::string out = plmkit::test::temp_path("checkpoint_unit.csv");
    const std::string dir = ScreenCheckpoint::dir_for(out);
    fs::remove_all(dir);
    CHECK(dir == out + ".partial");
    const ScreenFingerprint fp = {{"input", "lib.smi"}, {"config.rank.top", "5"}};
    {
        ScreenCheckpoint cp(out);
        cp.open(false);
        cp.start(fp);
        cp.log_key("CCO", "e1", 0);
        cp.log_reject("x\tC(\tparse\tbad\t1\t");
        cp.log_hit({-1.25, 2, "row,2", "sdf\n$$$$\n", "cut 2"});
        cp.commit(saved(3, 3));
        cp.log_reject("after the commit");
        // A failed run keeps its committed state.
    }
    REQUIRE(fs::exists(dir + "/state.json"));
    {
        ScreenCheckpoint plain(out);
        CHECK_THROWS_WITH(plain.open(false),
                          Catch::Contains(dir +
                                          " holds the checkpoint of an interrupted run "
                                          "writing " +
                                          out + " (3 records done)"));
    }
    {
        ScreenCheckpoint other(out);
        other.open(true);
        auto fp2 = fp;
        fp2["config.rank.top"] = "6";
        CHECK_THROWS_AS(other.start(fp2), plmkit::UsageError);
        CHECK_THROWS_WITH(other.start(fp2),
                          Catch::Contains("'config.rank.top' (--top, or rank.top in --config) is "
                                          "'6', it was '5'"));
    }
    {
        ScreenCheckpoint cp(out);
        cp.open(true);
        cp.start(fp);
        REQUIRE(cp.resuming());
        CHECK(cp.saved().records_end == 3);
        CHECK(cp.saved().counts.read == 3);
        CHECK(cp.saved().counts.filtered() == 1);
        CHECK(cp.saved().counts.filtered_by_rule.at("lipinski") == 1);
        CHECK(cp.saved().step_seconds[2] == 1.5);
        CHECK(cp.saved().wall_seconds == 3.25);
        // The entry logged after the commit is not replayed.
        CHECK(replayed(cp) == std::vector<std::string>{"K CCO e1 0", "R x\tC(\tparse\tbad\t1\t",
                                                       "H 2 -1.250000 row,2|sdf\n$$$$\n|cut 2"});
        cp.log_reject("second run");
        cp.commit(saved(5, 5));
    }
    {
        ScreenCheckpoint cp(out);
        cp.open(true);
        cp.start(fp);
        CHECK(replayed(cp).back() == "R second run");
        cp.remove();
    }
    CHECK_FALSE(fs::exists(dir));
}

TEST_CASE("ScreenCheckpoint: a log that does not match its state is refused", "[screen][resume]") {
    const std::string out = plmkit::test::temp_path("checkpoint_damaged.csv");
    const std::string dir = ScreenCheckpoint::dir_for(out);
    fs::remove_all(dir);
    {
        ScreenCheckpoint cp(out);
        cp.open(false);
        cp.start({});
        cp.log_reject("line one");
        cp.commit(saved(1, 1));
    }
    {
        // Same length, one byte changed.
        std::fstream f(dir + "/records.bin", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(-1, std::ios::end);
        f.put('X');
    }
    ScreenCheckpoint cp(out);
    cp.open(true);
    cp.start({});
    CHECK_THROWS_AS(replayed(cp), plmkit::InputError);
    fs::remove_all(dir);
}

TEST_CASE("ScreenCheckpoint: no state", "[screen][resume]") {
    const std::string out = plmkit::test::temp_path("checkpoint_none.csv");
    fs::remove_all(ScreenCheckpoint::dir_for(out));
    {
        // --resume without a state: a fresh run, as without it.
        ScreenCheckpoint cp(out);
        CHECK_NOTHROW(cp.open(true));
        CHECK_FALSE(cp.resuming());
        CHECK(cp.saved().records_end == 0);
        cp.start({});
        CHECK(fs::exists(ScreenCheckpoint::dir_for(out) + "/records.bin"));
    }
    CHECK_FALSE(fs::exists(ScreenCheckpoint::dir_for(out)));
    {
        // A run that fails before its first commit leaves no folder.
        ScreenCheckpoint fresh(out);
        fresh.open(false);
        fresh.start({});
        fresh.log_reject("x");
        CHECK(fs::exists(ScreenCheckpoint::dir_for(out) + "/records.bin"));
    }
    CHECK_FALSE(fs::exists(ScreenCheckpoint::dir_for(out)));
}
