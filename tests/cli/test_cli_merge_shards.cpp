// `plmkit merge --kind screen` reads the shard files it is given (moved or
// copied shards merge; their companions are found beside them), compares
// shards by the content of their input file, checks each shard file against
// its summary, and never writes over a shard or merges a merged file.
#include <algorithm>
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

std::string library_text(bool reversed) {
    std::vector<std::string> rows = {"CCO,m0",
                                     "c1ccccc1O,m1",
                                     "CCN(CC)CC,m2",
                                     "OC(=O)c1ccccc1,m3",
                                     "c1ccncc1,m4",
                                     "CCO,m5",
                                     "C1CC,m6",
                                     "CCCCO,m7",
                                     "CC(=O)Nc1ccc(O)cc1,m8",
                                     "c1ccccc1O,m9",
                                     "CCOC(=O)C,m10",
                                     "CC(C)O,m11",
                                     "CCCl,m12",
                                     "CCO,m13",
                                     "C1CC,m14",
                                     "c1ccc2ccccc2c1,m15",
                                     "CC(C)(C)O,m16",
                                     "OCCO,m17"};
    if (reversed) std::reverse(rows.begin(), rows.end());
    std::string text = "smiles,id\n";
    for (const auto& r : rows)
        text += r + "\n";
    return text;
}

std::vector<std::string> screen_args(const std::string& input, const std::string& output,
                                     std::vector<std::string> more = {}) {
    std::vector<std::string> a = {"-q",   "screen", "-i", input,          "-o",
                                  output, "--top",  "3",  "--no-progress"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

std::string shard_name(int i) {
    return "hits.shard-" + std::to_string(i) + "-of-3";
}

/// A folder with lib.csv, its 3 shards (--top 3) and the single run.
struct Shards {
    std::string dir, lib;
    std::vector<std::string> hits;
};

const Shards& shards() {
    static const Shards s = [] {
        Shards r;
        r.dir = test::temp_path("ms_shards");
        fs::create_directories(r.dir);
        r.lib = r.dir + "/lib.csv";
        test::write_file(r.lib, library_text(false));
        for (int i = 0; i < 3; ++i) {
            r.hits.push_back(r.dir + "/" + shard_name(i) + ".csv");
            auto run = run_plmkit(
                screen_args(r.lib, r.hits.back(), {"--shard", std::to_string(i) + "/3"}));
            INFO(run.err);
            REQUIRE(run.exit_code == 0);
        }
        REQUIRE(run_plmkit(screen_args(r.lib, r.dir + "/single.csv")).exit_code == 0);
        return r;
    }();
    return s;
}

/// A fresh folder with a copy of the shard files.
std::string copy_of_shards(const std::string& name) {
    auto dir = test::temp_path(name);
    fs::create_directories(dir);
    for (const auto& e : fs::directory_iterator(shards().dir))
        if (e.path().filename().string().rfind("hits.shard-", 0) == 0)
            fs::copy_file(e.path(), dir + "/" + e.path().filename().string());
    return dir;
}

std::vector<std::string> merge_args(const std::string& dir, const std::string& output) {
    std::vector<std::string> a = {"merge", "-o", output};
    for (int i = 0; i < 3; ++i)
        a.push_back(dir + "/" + shard_name(i) + ".csv");
    return a;
}

void remove_line(const std::string& path, std::size_t line) {
    auto text = test::read_file(path);
    std::size_t at = 0;
    for (std::size_t i = 1; i < line; ++i)
        at = text.find('\n', at) + 1;
    text.erase(at, text.find('\n', at) + 1 - at);
    test::write_file(path, text);
}

}  // namespace

TEST_CASE("cli merge shards: copied shards merge from the files given", "[cli][merge][shards]") {
    const auto& s = shards();
    SECTION("a copy in another folder equals the single run") {
        auto dir = copy_of_shards("ms_copy");
        auto out = dir + "/merged.csv";
        auto m = run_plmkit(merge_args(dir, out));
        INFO(m.err);
        REQUIRE(m.exit_code == 0);
        CHECK(test::read_file(out) == test::read_file(s.dir + "/single.csv"));
        CHECK(test::read_file(dir + "/merged.rejects.tsv") ==
              test::read_file(s.dir + "/single.rejects.tsv"));
    }
    SECTION("summary JSONs as inputs find the hits beside them") {
        auto dir = copy_of_shards("ms_json");
        std::vector<std::string> a = {"merge", "--kind", "screen", "-o", dir + "/m.csv"};
        for (int i = 0; i < 3; ++i)
            a.push_back(dir + "/" + shard_name(i) + ".summary.json");
        auto m = run_plmkit(a);
        INFO(m.err);
        REQUIRE(m.exit_code == 0);
        CHECK(test::read_file(dir + "/m.csv") == test::read_file(s.dir + "/single.csv"));
    }
    SECTION("a damaged copy is read, not the original") {
        auto dir = copy_of_shards("ms_damaged");
        test::write_file(dir + "/" + shard_name(1) + ".csv", "garbage\n");
        auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
        CHECK(m.exit_code == 3);
        CHECK_THAT(m.err, Catch::Contains(dir + "/" + shard_name(1) + ".csv"));
        CHECK_FALSE(fs::exists(dir + "/m.csv"));
    }
    SECTION("a missing companion is missing, even when the original exists") {
        auto dir = copy_of_shards("ms_norejects");
        fs::remove(dir + "/" + shard_name(2) + ".rejects.tsv");
        auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
        CHECK(m.exit_code == 4);
        CHECK_THAT(m.err,
                   Catch::Contains("cannot open '" + dir + "/" + shard_name(2) + ".rejects.tsv'"));
    }
}

TEST_CASE("cli merge shards: shards are compared by their input file's content",
          "[cli][merge][shards]") {
    const auto& s = shards();
    SECTION("the same library by a relative path merges") {
        auto dir = copy_of_shards("ms_rel");
        auto out = dir + "/" + shard_name(1) + ".csv";
        auto r = run_plmkit(screen_args(fs::relative(s.lib).string(), out, {"--shard", "1/3"}));
        REQUIRE(r.exit_code == 0);
        auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
        INFO(m.err);
        CHECK(m.exit_code == 0);
        CHECK(test::read_file(dir + "/m.csv") == test::read_file(s.dir + "/single.csv"));
    }
    SECTION("another lib.csv of the same size is foreign") {
        auto dir = copy_of_shards("ms_alt");
        fs::create_directories(dir + "/alt");
        test::write_file(dir + "/alt/lib.csv", library_text(true));
        auto r = run_plmkit(screen_args(dir + "/alt/lib.csv", dir + "/" + shard_name(1) + ".csv",
                                        {"--shard", "1/3"}));
        REQUIRE(r.exit_code == 0);
        auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
        CHECK(m.exit_code == 3);
        CHECK_THAT(m.err,
                   Catch::Contains(shard_name(1) + ".summary.json (shard 1/3) is foreign: its "
                                                   "input file differs") &&
                       Catch::Contains("input_file.xxh64: ") &&
                       !Catch::Contains("input_file.size"));
        CHECK_FALSE(fs::exists(dir + "/m.csv"));
    }
    SECTION("another --top names the key, not the whole config") {
        auto dir = copy_of_shards("ms_top");
        auto args = screen_args(s.lib, dir + "/" + shard_name(2) + ".csv", {"--shard", "2/3"});
        args[7] = "2";  // --top 2
        REQUIRE(run_plmkit(args).exit_code == 0);
        auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
        CHECK(m.exit_code == 3);
        CHECK_THAT(m.err, Catch::Contains("its pipeline config differs") &&
                              Catch::Contains("config.rank.top: 2 vs 3 (shard 2/3 vs 0/3)") &&
                              !Catch::Contains("standardize"));
    }
}

TEST_CASE("cli merge shards: shard files must have the rows their summary counts",
          "[cli][merge][shards]") {
    auto dir = copy_of_shards("ms_rows");
    const auto rejects = dir + "/" + shard_name(2) + ".rejects.tsv";
    const auto summary = dir + "/" + shard_name(2) + ".summary.json";
    auto doc = nlohmann::json::parse(test::read_file(summary));
    std::uint64_t want = doc["counts"]["records_read"].get<std::uint64_t>() -
                         doc["counts"]["hits"].get<std::uint64_t>();
    REQUIRE(want >= 2);
    const auto original = test::read_file(rejects);
    SECTION("a deleted rejects row") {
        remove_line(rejects, 3);
        auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
        CHECK(m.exit_code == 3);
        CHECK_THAT(m.err, Catch::Contains("shard 2/3: rejects '" + rejects + "' has " +
                                          std::to_string(want - 1) + " rows, its summary " +
                                          summary + " says " + std::to_string(want)));
        CHECK_FALSE(fs::exists(dir + "/m.csv"));
        CHECK_FALSE(fs::exists(dir + "/m.rejects.tsv"));
    }
    SECTION("a duplicated rejects row") {
        auto second = original.substr(original.find('\n') + 1);
        test::write_file(rejects, original + second.substr(0, second.find('\n') + 1));
        auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
        CHECK(m.exit_code == 3);
        CHECK_THAT(m.err, Catch::Contains("has " + std::to_string(want + 1) + " rows"));
    }
    SECTION("a deleted hits row") {
        remove_line(dir + "/" + shard_name(0) + ".csv", 2);
        auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
        CHECK(m.exit_code == 3);
        CHECK_THAT(m.err, Catch::Contains("shard 0/3: hits '" + dir + "/" + shard_name(0) +
                                          ".csv' has 2 rows") &&
                              Catch::Contains("says 3"));
    }
}

TEST_CASE("cli merge shards: no output over a shard, no merge of a merged file",
          "[cli][merge][shards]") {
    auto dir = copy_of_shards("ms_over");
    const auto hits0 = dir + "/" + shard_name(0) + ".csv";
    const auto before = test::read_file(hits0);
    auto m = run_plmkit(merge_args(dir, hits0));
    CHECK(m.exit_code == 2);
    CHECK_THAT(m.err,
               Catch::Contains("--output '" + hits0 + "' would overwrite the hits of shard 0/3"));
    CHECK(test::read_file(hits0) == before);
    CHECK(fs::exists(dir + "/" + shard_name(0) + ".rejects.tsv"));
    auto r = run_plmkit({"merge", "-o", dir + "/m.csv", "--rejects",
                         dir + "/" + shard_name(1) + ".summary.json", hits0,
                         dir + "/" + shard_name(1) + ".csv", dir + "/" + shard_name(2) + ".csv"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("would overwrite the summary of shard 1/3"));
    // Nor over the library the shards screened (the path their summaries hold).
    const auto lib_before = test::read_file(shards().lib);
    auto lib = run_plmkit(merge_args(dir, shards().lib));
    CHECK(lib.exit_code == 2);
    CHECK_THAT(lib.err, Catch::Contains("would overwrite the input the shards screened"));
    CHECK(test::read_file(shards().lib) == lib_before);

    REQUIRE(run_plmkit(merge_args(dir, dir + "/merged.csv")).exit_code == 0);
    auto again = run_plmkit({"merge", "-o", dir + "/x2.csv", dir + "/merged.csv"});
    CHECK(again.exit_code == 3);
    CHECK_THAT(again.err,
               Catch::Contains(dir + "/merged.summary.json is already a merged file (of 3 "
                                     "shards); give the shard outputs"));
    CHECK_THAT(again.err, !Catch::Contains("internal error"));
}

TEST_CASE("cli merge shards: a missing input, and hits on stdout", "[cli][merge][shards]") {
    auto dir = copy_of_shards("ms_misc");
    auto nope = run_plmkit({"merge", "-o", dir + "/m.csv", dir + "/nope.csv"});
    CHECK(nope.exit_code == 4);
    CHECK_THAT(nope.err, Catch::Contains("cannot open '" + dir + "/nope.csv'"));

    auto m = run_plmkit(merge_args(dir, "-"));
    INFO(m.err);
    REQUIRE(m.exit_code == 0);
    CHECK(m.out == test::read_file(shards().dir + "/single.csv"));
    CHECK_THAT(m.err, Catch::Contains("warning: --output -: the merged rejects are not written"));
    CHECK_FALSE(fs::exists("-.rejects.tsv"));
    CHECK_FALSE(fs::exists("-.summary.json"));

    auto args = merge_args(dir, "-");
    args.insert(args.end(), {"--rejects", dir + "/r.tsv", "--summary", dir + "/s.json"});
    auto k = run_plmkit(args);
    REQUIRE(k.exit_code == 0);
    CHECK(test::read_file(dir + "/r.tsv") == test::read_file(shards().dir + "/single.rejects.tsv"));
    CHECK(fs::exists(dir + "/s.json"));
}

namespace {

std::string embed_shard(const std::string& dir, int i) {
    return dir + "/e.shard-" + std::to_string(i) + "-of-3.h5";
}

/// Three embed shards of the esm2_tiny sequences and three rejects (one in
/// shard 1), made once for the SECTIONs below: their folder.
std::string embed_shards() {
    return test::built_once("merge_shards_embed", [] {
        const auto dir = test::fresh_dir("ms_embed");
        test::write_file(dir + "/s.fasta",
                         test::read_file(test::shared_path("fixtures/esm2_tiny/sequences.fasta")) +
                             ">bad1\n\n>bad2\nMK12\n>bad3\n\n");
        for (int i = 0; i < 3; ++i) {
            auto r = run_plmkit({"-q", "embed", "--model", test::esm2_tiny_model(), "--input",
                                 dir + "/s.fasta", "--output", embed_shard(dir, i), "--shard",
                                 std::to_string(i) + "/3"});
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
        }
        return dir;
    });
}

}  // namespace

TEST_CASE("cli merge shards: embed rejects must have the rows num_rejected counts",
          "[cli][merge][shards][embed]") {
    const auto dir = embed_shards();
    std::vector<std::string> inputs;
    for (int i = 0; i < 3; ++i)
        inputs.push_back(embed_shard(dir, i));
    auto merge = [&](const std::string& out) {
        std::vector<std::string> a = {"merge", "--kind", "embed", "-o", out};
        a.insert(a.end(), inputs.begin(), inputs.end());
        return run_plmkit(a);
    };
    SECTION("the shards as written merge") {
        const auto ok = test::fresh_path("ms_embed_ok.h5");
        REQUIRE(merge(ok).exit_code == 0);
    }
    SECTION("a deleted rejects row") {
        const auto rejects = inputs[1] + ".rejects.tsv";
        auto text = test::read_file(rejects);
        REQUIRE(std::count(text.begin(), text.end(), '\n') == 2);
        test::ScopedFile deleted(rejects, text.substr(0, text.find('\n') + 1));
        const auto out = test::fresh_path("ms_embed_m.h5");
        auto m = merge(out);
        CHECK(m.exit_code == 3);
        CHECK_THAT(m.err, Catch::Contains("shard 1/3: rejects '" + rejects +
                                          "' has 0 rows, its num_rejected attribute (" + inputs[1] +
                                          ") says 1"));
        CHECK_FALSE(fs::exists(out));
    }
    SECTION("the output by another path of an input") {
        auto m = merge(dir + "/./e.shard-0-of-3.h5");
        CHECK(m.exit_code == 2);
        CHECK_THAT(m.err, Catch::Contains("is also an input"));
    }
}

TEST_CASE("cli merge shards: the summary stores the id column found automatically",
          "[cli][merge][shards]") {
    const auto& s = shards();
    auto doc =
        nlohmann::json::parse(test::read_file(s.dir + "/" + shard_name(0) + ".summary.json"));
    CHECK(doc["reader"]["id_col"] == "id");
    // A shard run with --id-col (another spelling of the same column) is not foreign.
    auto dir = copy_of_shards("ms_idcol");
    auto r = run_plmkit(screen_args(s.lib, dir + "/" + shard_name(1) + ".csv",
                                    {"--shard", "1/3", "--id-col", "ID"}));
    REQUIRE(r.exit_code == 0);
    auto m = run_plmkit(merge_args(dir, dir + "/m.csv"));
    INFO(m.err);
    CHECK(m.exit_code == 0);
    CHECK(test::read_file(dir + "/m.csv") == test::read_file(s.dir + "/single.csv"));
}

TEST_CASE("cli merge shards: with --summary NAME, each shard is found by its own file name",
          "[cli][merge][shards]") {
    // A shell glob sorts shard 10 before shard 2; the k-th file given used to
    // be paired with NAME.shard-k-of-<files>.json.
    auto dir = test::temp_path("ms_named_summary");
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::vector<std::string> hits;
    for (int i = 0; i < 3; ++i) {
        const std::string tag = std::to_string(i) + "-of-3";
        hits.push_back(dir + "/" + shard_name(i) + ".csv");
        auto run = run_plmkit(screen_args(shards().lib, hits.back(),
                                          {"--shard", std::to_string(i) + "/3", "--summary",
                                           dir + "/sum.shard-" + tag + ".json"}));
        INFO(run.err);
        REQUIRE(run.exit_code == 0);
    }
    auto in_order = run_plmkit(
        {"merge", "-o", dir + "/a.csv", "--summary", dir + "/sum.json", hits[0], hits[1], hits[2]});
    INFO(in_order.err);
    REQUIRE(in_order.exit_code == 0);
    auto reversed = run_plmkit(
        {"merge", "-o", dir + "/b.csv", "--summary", dir + "/sum.json", hits[2], hits[1], hits[0]});
    INFO(reversed.err);
    REQUIRE(reversed.exit_code == 0);
    CHECK(test::read_file(dir + "/b.csv") == test::read_file(dir + "/a.csv"));
    CHECK(test::read_file(dir + "/b.csv") == test::read_file(shards().dir + "/single.csv"));
}
