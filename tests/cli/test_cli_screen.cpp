#include <nlohmann/json.hpp>

#include <filesystem>
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

namespace {
/// `hits.csv` -> `hits<suffix>`: the default rejects / summary paths of screen.
std::string beside(const std::string& csv, const std::string& suffix) {
    return csv.substr(0, csv.size() - 4) + suffix;
}
/// A fresh folder holding lib.smi: six records, two unparsable (records 1
/// and 5, both in shard 1 of 2).
std::string dir_with_library(const std::string& name) {
    auto dir = test::temp_path(name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    test::write_file(dir + "/lib.smi", "CCO a\nC1CC bad\nCCN b\nCCC c\nc1ccccc1O d\nXx bad2\n");
    return dir;
}
}  // namespace

TEST_CASE("cli screen: default pipeline on a small library", "[cli][screen]") {
    auto lib = test::temp_path("cli_lib.smi");
    test::write_file(lib,
                     "smiles id\nCC(=O)Nc1ccc(O)cc1 paracetamol\nCC(=O)Nc1ccc(O)cc1.Cl "
                     "paracetamol_hcl\nC1CC broken\nCC(C)Cc1ccc(cc1)C(C)C(=O)O ibuprofen\n");
    auto out = test::temp_path("cli_hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--threads", "2"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("screened 4 molecules") && Catch::Contains("2 hits"));
    // Nothing from RDKit on stderr: one line, the summary.
    CHECK(r.err.find("SMILES Parse Error") == std::string::npos);
    auto hits = test::read_file(out);
    CHECK_THAT(hits, Catch::StartsWith("id,input_smiles,smiles,mw,clogp,"));
    // The default score is the built-in model's predicted solubility:
    // paracetamol (ESOL measured log S -1.03) ranks before ibuprofen (about
    // -4.0: 21 mg/L, MW 206).
    CHECK_THAT(hits, Catch::Contains(",pred_logs,pred_logs_std,score,"));
    CHECK(hits.find("paracetamol") < hits.find("ibuprofen"));
    auto rejects = test::read_file(beside(out, ".rejects.tsv"));
    CHECK_THAT(rejects, Catch::Contains("paracetamol_hcl\tCC(=O)Nc1ccc(O)cc1.Cl\tdedupe\tduplicate "
                                        "of paracetamol (record 0)"));
    CHECK_THAT(rejects, Catch::Contains("broken\tC1CC\tparse\tSMILES Parse Error: unclosed ring"));
    auto summary = nlohmann::json::parse(test::read_file(beside(out, ".summary.json")));
    CHECK(summary["accounting"]["holds"] == true);
    CHECK(summary["counts"]["records_read"] == 4);
}

TEST_CASE("cli screen: usage errors exit 2 with the reason", "[cli][screen]") {
    auto cfg = test::temp_path("bad_screen.yaml");
    test::write_file(cfg, "filters:\n  lipinsky: true\n");
    auto lib = test::temp_path("cli_lib2.smi");
    test::write_file(lib, "CCO ethanol\n");
    auto r = run_plmkit({"screen", "-i", lib, "-c", cfg, "-o", test::temp_path("x.csv")});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: ") &&
                          Catch::Contains("'filters.lipinsky': unknown key"));
    auto s = run_plmkit({"screen", "-i", lib, "--shard", "3/2", "-o", test::temp_path("y.csv")});
    CHECK(s.exit_code == 2);
    auto missing =
        run_plmkit({"screen", "-i", test::temp_path("nope.smi"), "-o", test::temp_path("z.csv")});
    CHECK(missing.exit_code == 4);
    auto help = run_plmkit({"screen", "--help"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("--shard") && Catch::Contains("Examples:"));
    // As in predict: a user's first guess. Models go in the config's score
    // section; the error says so (CLI11 said "The following arguments were
    // not expected: my_model --model").
    auto model =
        run_plmkit({"screen", "-i", lib, "--model", "my_model", "-o", test::temp_path("m.csv")});
    CHECK(model.exit_code == 2);
    CHECK_THAT(model.err,
               Catch::StartsWith("plmkit: error: screen has no --model: property models are "
                                 "listed in the --config YAML, under score.models (score: "
                                 "{models: [{name: tox, model: my_model}]};") &&
                   Catch::Contains("use plmkit predict --model my_model"));
    CHECK_FALSE(test::file_exists(test::temp_path("m.csv")));
    CHECK_THAT(help.out, !Catch::Contains("--model"));  // not an option to offer
}

TEST_CASE("cli screen --shard: one command line for every shard writes each shard's own files",
          "[cli][merge][shard]") {
    // The same -o/--rejects/--summary for every shard used to make the shards
    // overwrite each other's rejects and summary (shard 0's rejects lost).
    auto dir = dir_with_library("cli_shard_names");
    auto lib = dir + "/lib.smi";
    auto single = dir + "/single.csv";
    REQUIRE(run_plmkit({"screen", "-q", "-i", lib, "-o", single}).exit_code == 0);
    for (int i = 0; i < 2; ++i) {
        auto r = run_plmkit({"screen", "-i", lib, "-o", dir + "/h.csv", "--rejects", dir + "/r.tsv",
                             "--summary", dir + "/s.json", "--shard", std::to_string(i) + "/2"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        const std::string tag = ".shard-" + std::to_string(i) + "-of-2";
        CHECK_THAT(r.err, Catch::Contains("--shard " + std::to_string(i) +
                                          "/2: this shard writes " + dir + "/h" + tag + ".csv"));
        CHECK(std::filesystem::exists(dir + "/h" + tag + ".csv"));
        CHECK(std::filesystem::exists(dir + "/r" + tag + ".tsv"));
        CHECK(std::filesystem::exists(dir + "/s" + tag + ".json"));
    }
    for (const char* f : {"/h.csv", "/r.tsv", "/s.json"})
        CHECK_FALSE(std::filesystem::exists(dir + f));
    // Shard 0 has records 0, 2, 4 (all parse), shard 1 records 1, 3, 5 (two do not).
    CHECK(test::read_file(dir + "/r.shard-0-of-2.tsv").find("C1CC") == std::string::npos);
    CHECK_THAT(test::read_file(dir + "/r.shard-1-of-2.tsv"),
               Catch::Contains("C1CC") && Catch::Contains("Xx"));
    auto m = run_plmkit({"merge", "-o", dir + "/m.csv", "--summary", dir + "/s.json",
                         dir + "/h.shard-0-of-2.csv", dir + "/h.shard-1-of-2.csv"});
    INFO(m.err);
    REQUIRE(m.exit_code == 0);
    CHECK(test::read_file(dir + "/m.csv") == test::read_file(single));
    CHECK(test::read_file(dir + "/m.rejects.tsv") == test::read_file(dir + "/single.rejects.tsv"));
    // A name that states another shard is a mistake, not a name to extend.
    auto wrong =
        run_plmkit({"screen", "-i", lib, "-o", dir + "/h.shard-0-of-2.csv", "--shard", "1/2"});
    CHECK(wrong.exit_code == 2);
    CHECK_THAT(wrong.err, Catch::Contains("--output " + dir +
                                          "/h.shard-0-of-2.csv: the name says shard 0/2 but "
                                          "this is --shard 1/2"));
}

TEST_CASE("cli screen/merge: a .gz output name gets gzip-compressed content",
          "[cli][merge][gzip]") {
    // -o hits.csv.gz wrote plain text under a .gz name, and merge could not
    // tell the kind of .csv.gz shards.
    auto dir = dir_with_library("cli_gz_out");
    auto lib = dir + "/lib.smi";
    REQUIRE(run_plmkit({"screen", "-q", "-i", lib, "-o", dir + "/plain.csv"}).exit_code == 0);
    REQUIRE(run_plmkit({"screen", "-q", "-i", lib, "-o", dir + "/one.csv.gz"}).exit_code == 0);
    auto gz = test::read_file(dir + "/one.csv.gz");
    REQUIRE(gz.size() > 2);
    CHECK(static_cast<unsigned char>(gz[0]) == 0x1f);
    CHECK(static_cast<unsigned char>(gz[1]) == 0x8b);
    for (int i = 0; i < 2; ++i)
        REQUIRE(run_plmkit({"screen", "-q", "-i", lib, "-o", dir + "/h.csv.gz", "--shard",
                            std::to_string(i) + "/2"})
                    .exit_code == 0);
    auto m = run_plmkit({"merge", "-o", dir + "/m.csv", dir + "/h.shard-0-of-2.csv.gz",
                         dir + "/h.shard-1-of-2.csv.gz"});
    INFO(m.err);
    REQUIRE(m.exit_code == 0);
    CHECK(test::read_file(dir + "/m.csv") == test::read_file(dir + "/plain.csv"));
    CHECK(test::read_file(dir + "/m.rejects.tsv") == test::read_file(dir + "/plain.rejects.tsv"));
}

TEST_CASE("cli merge: shards of the CLI merge into the single run", "[cli][merge]") {
    auto lib = test::temp_path("cli_merge.smi");
    test::write_file(lib,
                     "c1ccccc1O phenol\nCCN(CC)CC.Cl tea\nCCN(CC)CC tea2\nc1ccccc1C(=O)O bza\n"
                     "OC(=O)c1ccccc1 bza2\nCCCCCCCCCCCCCCCC c16\nc1ccncc1 pyr\n");
    auto single = test::temp_path("cli_single.csv");
    REQUIRE(run_plmkit({"screen", "-q", "-i", lib, "-o", single, "--top", "3"}).exit_code == 0);
    std::vector<std::string> shards;
    for (int i = 0; i < 2; ++i) {
        auto o = test::temp_path("cli_sh.shard-" + std::to_string(i) + "-of-2.csv");
        auto r = run_plmkit(
            {"screen", "-i", lib, "-o", o, "--top", "3", "--shard", std::to_string(i) + "/2"});
        REQUIRE(r.exit_code == 0);
        shards.push_back(o);
    }
    auto merged = test::temp_path("cli_merged.csv");
    auto m = run_plmkit({"merge", "--kind", "screen", "-o", merged, shards[0], shards[1]});
    INFO(m.err);
    REQUIRE(m.exit_code == 0);
    CHECK(test::read_file(merged) == test::read_file(single));
    CHECK(test::read_file(beside(merged, ".rejects.tsv")) ==
          test::read_file(beside(single, ".rejects.tsv")));
    auto a = run_plmkit({"merge", "-o", test::temp_path("cli_auto.csv"), shards[0], shards[1]});
    CHECK(a.exit_code == 0);
    auto bad = run_plmkit({"merge", "--kind", "screen", "-o", merged, shards[0]});
    CHECK(bad.exit_code == 3);
    CHECK_THAT(bad.err, Catch::Contains("shard"));
}

TEST_CASE("cli screen: a pipe input on a terminal is read once, by the run", "[cli][screen]") {
    // The progress total is counted only for a regular file: counting a pipe
    // used to drain it, and the run then waited for a writer that had gone.
    if (!test::have_script()) {
        WARN("no /usr/bin/script: the terminal case is not checked");
        return;
    }
    auto dir = dir_with_library("cli_screen_pipe");
    auto fifo = test::make_fifo("cli_screen_pipe.fifo");
    std::string text;
    int rc = test::run_in_terminal("cat " + dir + "/lib.smi > " + fifo + " & timeout 120 " +
                                       test::plmkit_bin() + " screen --format smi -i " + fifo +
                                       " -o " + dir + "/hits.csv",
                                   text);
    INFO(text);
    CHECK(rc == 0);
    auto summary = nlohmann::json::parse(test::read_file(dir + "/hits.summary.json"));
    CHECK(summary["counts"]["records_read"] == 6);
}
