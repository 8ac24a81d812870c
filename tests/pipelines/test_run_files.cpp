// run_files: which paths name the same file, the checks a run makes on its
// outputs before it starts, and the input fingerprint stored in summary.json.
#include <filesystem>
#include <string>
#include "tests/catch.hpp"

#include "pipelines/run_files.hpp"
#include "src/error.hpp"
#include "src/xxh64.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
namespace fs = std::filesystem;

TEST_CASE("run files: the fingerprint is size and hash of the file", "[run_files]") {
    auto a = test::temp_path("fp_a.csv"), b = test::temp_path("fp_b.csv");
    test::write_file(a, "smiles,id\nCCO,x\nCCN,y\n");
    test::write_file(b, "smiles,id\nCCN,y\nCCO,x\n");  // same size, rows swapped
    auto fa = file_fingerprint(a), fb = file_fingerprint(b);
    CHECK(fa.at("size") == 22);
    CHECK(fa.at("xxh64").get<std::string>().size() == 16);
    CHECK(fa.at("xxh64") == xxh64_hex(test::read_file(a)));
    CHECK(fa.at("size") == fb.at("size"));
    CHECK(fa != fb);
    CHECK(file_fingerprint("-").is_null());
    CHECK_THROWS_AS(file_fingerprint(test::temp_path("fp_missing.csv")), IoError);
}

TEST_CASE("run files: same_file compares files, not path text", "[run_files]") {
    auto dir = test::temp_path("same_dir");
    fs::create_directories(dir);
    auto file = dir + "/lib.csv";
    test::write_file(file, "smiles\nCCO\n");
    CHECK(same_file(file, file));
    CHECK(same_file(file, dir + "/./lib.csv"));
    CHECK(same_file(file, dir + "/../" + fs::path(dir).filename().string() + "/lib.csv"));
    CHECK(same_file(file, fs::relative(file).string()));
    fs::create_symlink(file, dir + "/link.csv");
    CHECK(same_file(file, dir + "/link.csv"));
    fs::create_hard_link(file, dir + "/hard.csv");
    CHECK(same_file(dir + "/hard.csv", file));
    CHECK_FALSE(same_file(file, dir + "/other.csv"));
    CHECK(same_file(dir + "/new.csv", dir + "/./new.csv"));  // neither exists yet
    CHECK_FALSE(same_file("-", "-"));
    CHECK_FALSE(same_file("", ""));
}

TEST_CASE("run files: outputs may not be inputs or each other", "[run_files]") {
    auto dir = test::temp_path("check_dir");
    fs::create_directories(dir);
    auto lib = dir + "/lib.csv";
    test::write_file(lib, "smiles\nCCO\n");
    std::vector<NamedPath> in = {{"the input", lib}};
    CHECK_NOTHROW(check_run_files(in, {{"--output", dir + "/h.csv"}, {"--sdf", ""}, {"--x", "-"}}));
    CHECK_THROWS_AS(check_run_files(in, {{"--output", lib}}), UsageError);
    CHECK_THROWS_WITH(
        check_run_files(in, {{"--output", "h.csv"}, {"--summary", dir + "/./lib.csv"}}),
        "--summary '" + dir + "/./lib.csv' would overwrite the input '" + lib + "'");
    CHECK_THROWS_WITH(
        check_run_files(in, {{"--output", dir + "/h.csv"}, {"--sdf", dir + "/h.csv"}}),
        "--sdf and --output are the same file '" + dir + "/h.csv'");
    CHECK_THROWS_AS(check_run_files(in, {{"--output", dir + "/nodir/h.csv"}}), IoError);
    CHECK_THROWS_WITH(
        check_run_files(in, {{"--output", "h.csv"}, {"--summary", dir + "/no/s.json"}}),
        Catch::Contains("'" + dir + "/no/s.json' (--summary): folder '" + dir +
                        "/no' does not exist"));
    CHECK_THROWS_WITH(check_run_files(in, {{"--summary", dir}}), Catch::Contains("it is a folder"));
    // An input folder is named as such (screen said "cannot tell the format").
    CHECK_THROWS_AS(check_run_files({{"the input", dir}}, {{"--output", dir + "/h.csv"}}), IoError);
    CHECK_THROWS_WITH(check_run_files({{"the input", dir}}, {}),
                      "cannot read '" + dir + "' (the input): it is a folder, not a file");
}
