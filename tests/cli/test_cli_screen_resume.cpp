// `plmkit screen --resume`: a run killed after some chunks (the
// PLMKIT_TEST_KILL_AFTER_CHUNKS hook of pipelines/screen_checkpoint.hpp sends
// the process SIGKILL after K checkpoints, as a Slurm time limit would) and
// resumed writes hits.csv, hits.sdf and rejects.tsv byte for byte as one
// uninterrupted run, and the same summary.json but for its timing; a resume
// with other options or another input is refused, and so is a plain rerun
// over the checkpoint; --resume without a checkpoint is a fresh run.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::fresh_dir;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
namespace test = plmkit::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// The first 150 ChEMBL molecules, then 20 of them again under new ids
/// (duplicates after earlier chunks), a salt form of the first (the same key
/// after standardization) and two records that do not parse: 173 records.
std::string library(const std::string& dir) {
    std::ifstream in(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"));
    std::string line, text = "smiles,chembl_id\n";
    std::getline(in, line);  // header
    std::vector<std::string> smiles;
    for (int i = 0; i < 150 && std::getline(in, line); ++i) {
        const auto f = test::split_fields(line, ',');
        smiles.push_back(f.at(0));
        text += f.at(0) + "," + f.at(1) + "\n";
    }
    for (int i = 0; i < 20; ++i)
        text += smiles[static_cast<std::size_t>(i * 7)] + ",DUP" + std::to_string(i) + "\n";
    text += smiles[0] + ".Cl,SALT0\n";
    text += "C1CC(,BAD1\nnot_a_smiles,BAD2\n";
    const std::string path = dir + "/lib.csv";
    test::write_file(path, text);
    return path;
}

/// The screen's command line, in chunks of 20 records unless `more` gives --chunk.
std::vector<std::string> screen_args(const std::string& input, const std::string& out,
                                     std::vector<std::string> more = {}) {
    std::vector<std::string> a = {"-q", "screen", "-i", input, "-o", out};
    if (std::find(more.begin(), more.end(), "--chunk") == more.end())
        a.insert(a.end(), {"--chunk", "20"});
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

test::RunResult run_killed(const std::vector<std::string>& args, const std::string& after) {
    test::ScopedEnv env({{"PLMKIT_TEST_KILL_AFTER_CHUNKS", after}});
    return run_plmkit(args);
}

/// summary.json without the fields that time the run.
json untimed(const std::string& path) {
    json j = json::parse(read_file(path));
    for (const char* k : {"wall_seconds", "molecules_per_second", "step_seconds"}) {
        REQUIRE(j.at("run").contains(k));
        j["run"].erase(k);
    }
    return j;
}

/// The outputs at `got` (hits CSV path) equal those at `want`, byte for byte
/// but for the summary's timing (and its threads and chunk, when the resumed
/// run was given others: `same_run_options` false).
void require_same_outputs(const std::string& want, const std::string& got, bool sdf,
                          bool same_run_options = true) {
    auto stem = [](const std::string& p) { return p.substr(0, p.size() - 4); };
    CHECK(read_file(got) == read_file(want));
    CHECK(read_file(stem(got) + ".rejects.tsv") == read_file(stem(want) + ".rejects.tsv"));
    if (sdf) CHECK(read_file(stem(got) + ".sdf") == read_file(stem(want) + ".sdf"));
    json a = untimed(stem(want) + ".summary.json"), b = untimed(stem(got) + ".summary.json");
    // The outputs' paths differ by folder only.
    a["run"].erase("outputs");
    b["run"].erase("outputs");
    if (!same_run_options)
        for (const char* k : {"threads", "chunk"}) {
            a["run"].erase(k);
            b["run"].erase(k);
        }
    CHECK(a.dump(1) == b.dump(1));
}

}  // namespace

TEST_CASE("cli screen --resume: a killed run finishes with the outputs of one uninterrupted run",
          "[cli][screen][resume]") {
    const std::string dir = fresh_dir("screen_resume_kill");
    const std::string lib = library(dir);
    struct Case {
        const char* name;
        std::vector<std::string> options;
    };
    // Dedupe is on in the default pipeline; rank.top via --top; --sdf too.
    for (const Case& c : {Case{"plain", {}}, Case{"top", {"--top", "7", "--sdf", ""}}}) {
        DYNAMIC_SECTION(c.name) {
            const bool sdf = c.options.size() > 2;
            auto opts = [&](const std::string& out) {
                std::vector<std::string> o = c.options;
                if (sdf) o.back() = out.substr(0, out.size() - 4) + ".sdf";
                return o;
            };
            const std::string want = dir + "/" + c.name + "_whole.csv";
            auto whole = run_plmkit(screen_args(lib, want, opts(want)));
            INFO(whole.err);
            REQUIRE(whole.exit_code == 0);
            auto summary = json::parse(read_file(dir + "/" + c.name + "_whole.summary.json"));
            REQUIRE(summary["counts"]["records_read"] == 173);
            REQUIRE(summary["counts"]["duplicates"] == 21);
            REQUIRE(summary["counts"]["hits"].get<int>() > 0);

            const std::string got = dir + "/" + c.name + ".csv";
            const std::string partial = got + ".partial";
            // Killed after 3 chunks of 20, then again 2 chunks into the resumed run.
            auto killed = run_killed(screen_args(lib, got, opts(got)), "3");
            CHECK(killed.exit_code == 128 + 9);
            CHECK_FALSE(file_exists(got));
            REQUIRE(file_exists(partial + "/state.json"));
            auto state = json::parse(read_file(partial + "/state.json"));
            CHECK(state["records_end"] == 60);
            CHECK(state["counts"]["read"] == 60);

            auto killed2 = run_killed(screen_args(lib, got,
                                                  [&] {
                                                      auto o = opts(got);
                                                      o.push_back("--resume");
                                                      return o;
                                                  }()),
                                      "2");
            CHECK(killed2.exit_code == 128 + 9);
            CHECK(json::parse(read_file(partial + "/state.json"))["records_end"] == 100);
            // Bytes a killed run wrote after its last checkpoint are dropped.
            {
                std::ofstream log(partial + "/records.bin", std::ios::app | std::ios::binary);
                log << "R\x05\x00\x00\x00garbage written after the checkpoint";
            }

            auto more = opts(got);
            more.insert(more.end(), {"--resume", "--threads", "2", "--chunk", "13"});
            auto args = screen_args(lib, got, more);
            args.erase(args.begin());  // not -q: the log says where it continues
            auto resumed = run_plmkit(args);
            INFO(resumed.err);
            REQUIRE(resumed.exit_code == 0);
            CHECK_FALSE(file_exists(partial));
            CHECK_THAT(resumed.err, Catch::Contains("continuing with input record 101"));
            require_same_outputs(want, got, sdf, false);
            auto s = json::parse(read_file(dir + "/" + c.name + ".summary.json"));
            CHECK(s["run"]["threads"] == 2);
            CHECK(s["run"]["chunk"] == 13);
        }
    }
}

TEST_CASE("cli screen --resume: each shard resumes on its own", "[cli][screen][resume]") {
    const std::string dir = fresh_dir("screen_resume_shard");
    const std::string lib = library(dir);
    const std::string want = dir + "/whole.csv";
    REQUIRE(run_plmkit(screen_args(lib, want, {"--shard", "1/3", "--top", "4"})).exit_code == 0);
    const std::string got = dir + "/hits.csv";
    auto killed = run_killed(screen_args(lib, got, {"--shard", "1/3", "--top", "4"}), "1");
    CHECK(killed.exit_code == 128 + 9);
    const std::string partial = dir + "/hits.shard-1-of-3.csv.partial";
    REQUIRE(file_exists(partial + "/state.json"));
    // The shard's first chunk of 20 records is 1, 4, ..., 58.
    CHECK(json::parse(read_file(partial + "/state.json"))["records_end"] == 59);
    // Another shard of the same output has no checkpoint of its own: it
    // starts at the first record, and leaves shard 1's checkpoint alone.
    const std::string state = read_file(partial + "/state.json");
    auto other = run_plmkit(screen_args(lib, got, {"--shard", "0/3", "--top", "4", "--resume"}));
    INFO(other.err);
    CHECK(other.exit_code == 0);
    REQUIRE(run_plmkit(screen_args(lib, want, {"--shard", "0/3", "--top", "4"})).exit_code == 0);
    require_same_outputs(dir + "/whole.shard-0-of-3.csv", dir + "/hits.shard-0-of-3.csv", false);
    CHECK(read_file(partial + "/state.json") == state);
    auto resumed = run_plmkit(screen_args(lib, got, {"--shard", "1/3", "--top", "4", "--resume"}));
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK_FALSE(file_exists(partial));
    require_same_outputs(dir + "/whole.shard-1-of-3.csv", dir + "/hits.shard-1-of-3.csv", false);
}

TEST_CASE("cli screen --resume: Ctrl-C keeps the checkpoint and says how to resume",
          "[cli][screen][resume]") {
    const std::string dir = fresh_dir("screen_resume_int");
    const std::string lib = library(dir);
    const std::string want = dir + "/whole.csv";
    REQUIRE(run_plmkit(screen_args(lib, want)).exit_code == 0);
    const std::string got = dir + "/hits.csv";
    auto stopped = run_killed(screen_args(lib, got), "2:INT");
    INFO(stopped.err);
    CHECK(stopped.exit_code == 130);
    CHECK_THAT(stopped.err,
               Catch::Contains(got + ".partial keeps the checkpoint of this run (40 records "
                                     "done): run the same command with --resume to continue "
                                     "with input record 41"));
    CHECK_FALSE(file_exists(got));
    CHECK_FALSE(file_exists(dir + "/hits.rejects.tsv"));
    auto resumed = run_plmkit(screen_args(lib, got, {"--resume"}));
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    require_same_outputs(want, got, false);
}

TEST_CASE("cli screen --resume: refusals", "[cli][screen][resume]") {
    const std::string dir = fresh_dir("screen_resume_refuse");
    const std::string lib = library(dir);
    const std::string got = dir + "/hits.csv";
    const std::string partial = got + ".partial";

    SECTION("no checkpoint: a fresh run, and again after it finished") {
        const std::string want = dir + "/plain.csv";
        REQUIRE(run_plmkit(screen_args(lib, want)).exit_code == 0);
        // Not quiet (-q): the note is an info line.
        auto args = screen_args(lib, got, {"--resume"});
        args.erase(args.begin());
        auto r = run_plmkit(args);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("plmkit: --resume: no checkpoint in " + partial +
                                          ": starting at the first record\n"));
        CHECK_THAT(r.err, !Catch::Contains("continuing with input record"));
        require_same_outputs(want, got, false);
        CHECK_FALSE(file_exists(partial));
        // A finished run (outputs there, no checkpoint) is run again, as
        // `plmkit embed --resume` does: the outputs are written again.
        test::write_file(got, "stale\n");
        r = run_plmkit(args);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("plmkit: --resume: no checkpoint in " + partial +
                                          ": starting at the first record (" + got +
                                          " exists: its run finished; this run writes it "
                                          "again)\n"));
        require_same_outputs(want, got, false);
        CHECK_FALSE(file_exists(partial));
        // A folder without state.json (a run stopped in its first chunk):
        // nothing in it to continue either.
        fs::create_directories(partial);
        test::write_file(partial + "/records.bin", "R");
        r = run_plmkit(args);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("--resume: no checkpoint in " + partial));
        require_same_outputs(want, got, false);
        CHECK_FALSE(file_exists(partial));
    }
    SECTION("standard input or output") {
        auto r = run_plmkit({"-q", "screen", "--format", "smi", "-i", "-", "-o", got, "--resume"},
                            "CCO ethanol\n");
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--resume needs --input to be a regular file: standard "
                                          "input cannot be read again"));
        r = run_plmkit({"-q", "screen", "-i", lib, "-o", "-", "--resume"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--resume needs --output to be a file"));
        // Without --resume they run as before and keep no checkpoint.
        r = run_plmkit({"-q", "screen", "-i", lib, "-o", "-", "--rejects", dir + "/r.tsv"});
        CHECK(r.exit_code == 0);
        CHECK_FALSE(file_exists("-.partial"));
    }
    SECTION("after a kill") {
        REQUIRE(run_killed(screen_args(lib, got, {"--top", "5"}), "2").exit_code == 128 + 9);
        const std::string state = read_file(partial + "/state.json");
        const std::string log = read_file(partial + "/records.bin");

        auto plain = run_plmkit(screen_args(lib, got, {"--top", "5"}));
        CHECK(plain.exit_code == 2);
        CHECK_THAT(
            plain.err,
            Catch::Contains(partial + " holds the checkpoint of an interrupted run writing " + got +
                            " (40 records done): run the same command with --resume "
                            "to continue it, or delete " +
                            partial + " to start over"));

        auto top = run_plmkit(screen_args(lib, got, {"--top", "6", "--resume"}));
        CHECK(top.exit_code == 2);
        CHECK_THAT(top.err, Catch::Contains("--resume: this run differs from the interrupted one "
                                            "in " +
                                            partial +
                                            ": 'config.rank.top' (--top, or rank.top "
                                            "in --config) is '6', it was '5'"));
        auto sdf = run_plmkit(screen_args(lib, got, {"--top", "5", "--resume", "--sdf", "x.sdf"}));
        CHECK(sdf.exit_code == 2);
        CHECK_THAT(sdf.err, Catch::Contains("'sdf' (--sdf given or not) is 'yes', it was 'no'"));
        auto col =
            run_plmkit(screen_args(lib, got, {"--top", "5", "--resume", "--id-col", "smiles"}));
        CHECK(col.exit_code == 2);
        CHECK_THAT(col.err, Catch::Contains("'reader.id_col' (--id-col)"));

        // The input edited in place, at the same size.
        std::string text = read_file(lib);
        text[text.size() - 3] = 'X';
        test::write_file(lib, text);
        auto edited = run_plmkit(screen_args(lib, got, {"--top", "5", "--resume"}));
        CHECK(edited.exit_code == 2);
        CHECK_THAT(edited.err, Catch::Contains("'input_xxh64' (the input's content: the file "
                                               "changed)"));
        CHECK_THAT(edited.err, !Catch::Contains("input_bytes"));
        // Every refusal left the checkpoint as it was.
        CHECK(read_file(partial + "/state.json") == state);
        CHECK(read_file(partial + "/records.bin") == log);
    }
    SECTION("a damaged log") {
        REQUIRE(run_killed(screen_args(lib, got), "2").exit_code == 128 + 9);
        fs::resize_file(partial + "/records.bin", fs::file_size(partial + "/records.bin") - 10);
        auto r = run_plmkit(screen_args(lib, got, {"--resume"}));
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains(partial + "/records.bin: ends before the") &&
                              Catch::Contains("delete the folder to start over"));
    }
}

TEST_CASE("cli screen --resume: kept input columns come through a resumed run",
          "[cli][screen][resume][keep-cols]") {
    const std::string dir = fresh_dir("screen_resume_keep_cols");
    // The library with a vendor column whose values hold a comma.
    std::string text;
    {
        std::istringstream in(read_file(library(dir)));
        std::string line;
        for (int i = 0; std::getline(in, line); ++i)
            text += line + (i == 0 ? ",vendor\n" : ",\"V" + std::to_string(i) + ", Inc.\"\n");
    }
    const std::string lib = dir + "/vendor_lib.csv";
    test::write_file(lib, text);
    const std::vector<std::string> keep = {"--keep-cols", "vendor", "--top", "9"};
    const std::string want = dir + "/whole.csv";
    auto whole = run_plmkit(screen_args(lib, want, keep));
    INFO(whole.err);
    REQUIRE(whole.exit_code == 0);
    REQUIRE_THAT(read_file(want), Catch::Contains(", Inc.\"\n"));

    const std::string got = dir + "/resumed.csv";
    CHECK(run_killed(screen_args(lib, got, keep), "4").exit_code == 128 + 9);
    REQUIRE(file_exists(got + ".partial/state.json"));
    // Other kept columns are another job: refused, naming the option.
    auto other =
        run_plmkit(screen_args(lib, got, {"--keep-cols", "all", "--top", "9", "--resume"}));
    CHECK(other.exit_code == 2);
    CHECK_THAT(other.err, Catch::Contains("'config.output.keep_cols") &&
                              Catch::Contains("(--keep-cols, or output.keep_cols in --config)"));

    auto more = keep;
    more.push_back("--resume");
    auto resumed = run_plmkit(screen_args(lib, got, more));
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    require_same_outputs(want, got, false);
}

// The order that makes a checkpoint survive a machine going down (not just a
// killed process): the log synced, state.json written under a temporary
// name, synced, renamed, and the folder synced. Seen with strace(1) where it
// can trace (not inside every container: then only said).
TEST_CASE("cli screen checkpoint: state.json is synced to disk before and after its rename",
          "[cli][screen][resume]") {
    if (std::system("strace -o /dev/null true >/dev/null 2>&1") != 0) {
        WARN("strace cannot run here: the fsync order is not checked");
        return;
    }
    const std::string dir = fresh_dir("screen_resume_fsync");
    const std::string lib = library(dir);
    const std::string got = dir + "/hits.csv", partial = got + ".partial";
    const std::string trace = dir + "/trace.txt";
    std::string cmd =
        "strace -e trace=openat,fsync,rename -o '" + trace + "' '" + test::plmkit_bin() + "'";
    for (const auto& a : screen_args(lib, got))
        cmd += " '" + a + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    std::vector<std::string> lines;
    {
        std::istringstream in(read_file(trace));
        // strace pads the " = result" column: one space, as written here.
        for (std::string l; std::getline(in, l);) {
            const auto eq = l.rfind(" = ");
            if (eq != std::string::npos) {
                const auto end = l.find_last_not_of(' ', eq);
                l = l.substr(0, end + 1) + l.substr(eq);
            }
            lines.push_back(l);
        }
    }
    // "openat(..., \"path\", ...) = 5" -> 5 (or -1).
    auto fd_of = [](const std::string& l) { return l.substr(l.rfind("= ") + 2); };
    int renames = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind("rename(\"" + partial + "/.state.json.tmp-", 0) != 0) continue;
        INFO(lines[i]);
        ++renames;
        CHECK_THAT(lines[i], Catch::Contains(", \"" + partial + "/state.json\") = 0"));
        // Before: the temporary file opened again and synced.
        REQUIRE(i >= 2);
        CHECK_THAT(lines[i - 2],
                   Catch::StartsWith("openat(AT_FDCWD, \"" + partial + "/.state.json.tmp-") &&
                       Catch::Contains("O_RDONLY"));
        CHECK(lines[i - 1] == "fsync(" + fd_of(lines[i - 2]) + ") = 0");
        // After: the folder opened and synced.
        REQUIRE(i + 2 < lines.size());
        CHECK_THAT(lines[i + 1], Catch::StartsWith("openat(AT_FDCWD, \"" + partial + "/\"") &&
                                     Catch::Contains("O_DIRECTORY"));
        CHECK(lines[i + 2] == "fsync(" + fd_of(lines[i + 1]) + ") = 0");
    }
    // 173 records in chunks of 20: a checkpoint after each of the first 8
    // chunks at least (the last may end the run instead).
    CHECK(renames >= 8);
}
