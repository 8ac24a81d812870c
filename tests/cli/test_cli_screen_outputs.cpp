// `plmkit screen`'s output files as a user names them: an output may not be
// the input or another output (refused before any work, exit 2), a missing
// folder is found up front (exit 4), hits on stdout keep the rejects only
// where --rejects says, and summary.json fingerprints the input file.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;
namespace fs = std::filesystem;

namespace {
const std::string kLibrary =
    "smiles,chembl_id\nCCO,m1\nc1ccccc1O,m2\nC1CC,broken\nCCN(CC)CC,m4\nCCO,dup\n";

/// A fresh folder holding lib.csv.
std::string library_dir(const std::string& name) {
    auto dir = test::temp_path(name);
    fs::create_directories(dir);
    test::write_file(dir + "/lib.csv", kLibrary);
    return dir;
}

std::vector<std::string> screen(const std::string& input, std::vector<std::string> more) {
    std::vector<std::string> args = {"screen", "-i", input, "--no-progress"};
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}
}  // namespace

TEST_CASE("cli screen outputs: an output over the input is refused", "[cli][screen][outputs]") {
    auto dir = library_dir("so_same");
    const auto lib = dir + "/lib.csv";
    auto check_refused = [&](const std::vector<std::string>& more, const std::string& message) {
        auto r = run_plmkit(screen(lib, more));
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: ") && Catch::Contains(message));
        CHECK(test::read_file(lib) == kLibrary);
        CHECK(files_in(dir) == std::vector<std::string>{"lib.csv"});
    };
    SECTION("-o, --rejects, --summary equal to the input") {
        check_refused({"-o", lib},
                      "--output '" + lib + "' would overwrite the input '" + lib + "'");
        check_refused({"-o", dir + "/h.csv", "--rejects", lib}, "--rejects '" + lib + "' would");
        check_refused({"-o", dir + "/h.csv", "--summary", dir + "/./lib.csv"},
                      "--summary '" + dir + "/./lib.csv' would overwrite the input");
    }
    SECTION("the same file by a relative path or a link") {
        check_refused({"-o", fs::relative(lib).string()}, "would overwrite the input");
        fs::create_symlink(lib, dir + "/link.csv");
        auto r = run_plmkit(screen(lib, {"-o", dir + "/link.csv"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("would overwrite the input"));
        CHECK(test::read_file(lib) == kLibrary);
    }
}

TEST_CASE("cli screen outputs: two outputs in one file are refused up front",
          "[cli][screen][outputs]") {
    auto dir = library_dir("so_two");
    const auto lib = dir + "/lib.csv", h = dir + "/h.csv";
    auto r = run_plmkit(screen(lib, {"-o", h, "--sdf", h}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--sdf and --output are the same file '" + h + "'"));
    auto q = run_plmkit(screen(lib, {"-o", h, "--rejects", h}));
    CHECK(q.exit_code == 2);
    CHECK_THAT(q.err, Catch::Contains("--rejects and --output are the same file"));
    auto s = run_plmkit(screen(lib, {"-o", h, "--summary", dir + "/h.rejects.tsv"}));
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.err, Catch::Contains("--summary and --rejects are the same file"));
    CHECK(files_in(dir) == std::vector<std::string>{"lib.csv"});
}

TEST_CASE("cli screen outputs: a --summary folder that does not exist fails before the run",
          "[cli][screen][outputs]") {
    auto dir = library_dir("so_nodir");
    auto r = run_plmkit(
        screen(dir + "/lib.csv", {"-o", dir + "/h.csv", "--summary", dir + "/nodir/s.json"}));
    CHECK(r.exit_code == 4);
    CHECK_THAT(r.err,
               Catch::Contains("cannot write '" + dir + "/nodir/s.json' (--summary): folder"));
    CHECK_THAT(r.err, !Catch::Contains("screened"));
    CHECK(files_in(dir) == std::vector<std::string>{"lib.csv"});
}

TEST_CASE("cli screen outputs: hits on stdout", "[cli][screen][outputs]") {
    auto dir = library_dir("so_stdout");
    const auto lib = dir + "/lib.csv";
    SECTION("without --rejects a warning says the rejects are not written") {
        auto r = run_plmkit(screen(lib, {"-o", "-"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::StartsWith("id,input_smiles,smiles,"));
        CHECK_THAT(r.err, Catch::Contains("warning: --output -: the rejected records are not "
                                          "written anywhere (give --rejects FILE"));
        CHECK(files_in(dir) == std::vector<std::string>{"lib.csv"});
        CHECK_FALSE(fs::exists("-.rejects.tsv"));
    }
    SECTION("--rejects and --summary are written where they say") {
        auto r = run_plmkit(
            screen(lib, {"-o", "-", "--rejects", dir + "/r.tsv", "--summary", dir + "/s.json"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, !Catch::Contains("warning"));
        auto rejects = test::read_file(dir + "/r.tsv");
        CHECK_THAT(rejects, Catch::Contains("broken\tC1CC\tparse") &&
                                Catch::Contains("dup\tCCO\tdedupe\tduplicate of m1"));
        auto s = nlohmann::json::parse(test::read_file(dir + "/s.json"));
        CHECK(s["counts"]["records_read"] == 5);
        CHECK(s["run"]["outputs"]["hits"] == "-");
    }
}

TEST_CASE("cli screen outputs: summary.json fingerprints the input file",
          "[cli][screen][outputs]") {
    auto dir = library_dir("so_fp");
    auto r = run_plmkit(screen(dir + "/lib.csv", {"-o", dir + "/h.csv"}));
    REQUIRE(r.exit_code == 0);
    auto s = nlohmann::json::parse(test::read_file(dir + "/h.summary.json"));
    CHECK(s["input_file"]["size"] == kLibrary.size());
    CHECK(s["input_file"]["xxh64"].get<std::string>().size() == 16);
}

TEST_CASE("cli screen outputs: -o - into a pipe closed early fails naming standard output",
          "[cli][screen][outputs]") {
    // 3,000 ChEMBL rows give hits far beyond a pipe's buffer, so writes fail
    // once `head` has gone; the message named the hit spool file.
    auto dir = test::temp_path("so_pipe");
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
        std::ifstream in(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"));
        REQUIRE(in);
        std::ofstream out(dir + "/lib.csv");
        std::string line;
        for (int i = 0; i < 3001 && std::getline(in, line); ++i)
            out << line << '\n';
    }
    std::string cmd = "cd '" + dir + "' && bash -c \"'" + test::plmkit_bin() +
                      "' screen -i lib.csv -o - --threads 2 2>err.txt | head -c 1 "
                      ">/dev/null; echo \\${PIPESTATUS[0]} >rc.txt\"";
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(test::read_file(dir + "/rc.txt") == "4\n");
    auto err = test::read_file(dir + "/err.txt");
    CHECK_THAT(err, Catch::Contains("error: cannot write 'standard output': Broken pipe") &&
                        !Catch::Contains("spool"));
    // Nothing left behind: no spool or temporary files beside the outputs.
    CHECK(files_in(dir) == std::vector<std::string>{"err.txt", "lib.csv", "rc.txt"});
}

TEST_CASE("cli screen outputs: companion names of a name with several dots",
          "[cli][screen][outputs]") {
    // One rule (docs/data-formats.md): the stem is the name without its last
    // extension, ".csv.gz" counting as one; shards tag before the extension.
    auto dir = library_dir("so_dots");
    const auto lib = dir + "/lib.csv";
    SECTION("a.tsv.csv and an extension screen does not know") {
        REQUIRE(run_plmkit(screen(lib, {"-o", dir + "/a.tsv.csv"})).exit_code == 0);
        REQUIRE(run_plmkit(screen(lib, {"-o", dir + "/h.2024.dat"})).exit_code == 0);
        CHECK(files_in(dir) == std::vector<std::string>{"a.tsv.csv", "a.tsv.rejects.tsv",
                                                        "a.tsv.summary.json", "h.2024.dat",
                                                        "h.2024.rejects.tsv", "h.2024.summary.json",
                                                        "lib.csv"});
    }
    SECTION("shards of a.tsv.csv.gz, merged into m.tsv.csv") {
        for (const char* shard : {"0/2", "1/2"})
            REQUIRE(run_plmkit(screen(lib, {"-o", dir + "/a.tsv.csv.gz", "--shard", shard}))
                        .exit_code == 0);
        auto m =
            run_plmkit({"merge", "--kind", "screen", "-o", dir + "/m.tsv.csv",
                        dir + "/a.tsv.shard-0-of-2.csv.gz", dir + "/a.tsv.shard-1-of-2.csv.gz"});
        INFO(m.err);
        REQUIRE(m.exit_code == 0);
        CHECK(files_in(dir) == std::vector<std::string>{
                                   "a.tsv.shard-0-of-2.csv.gz", "a.tsv.shard-0-of-2.rejects.tsv",
                                   "a.tsv.shard-0-of-2.summary.json", "a.tsv.shard-1-of-2.csv.gz",
                                   "a.tsv.shard-1-of-2.rejects.tsv",
                                   "a.tsv.shard-1-of-2.summary.json", "lib.csv", "m.tsv.csv",
                                   "m.tsv.rejects.tsv", "m.tsv.summary.json"});
    }
}
