// plmkit predict / evaluate on inputs that do not fit the model, as the
// user sees them: exit codes, the messages, and where every record ends up.
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::split_lines;
using plmkit::test::temp_path;
using plmkit::test::train_model;
using plmkit::test::write_file;

namespace {

const std::string kEsol = shared_path("data/esol/delaney-processed.csv");
const std::string kTarget = "measured log solubility in mols per litre";

/// A molecule model (basic features, a small forest on ESOL), trained once.
const std::string& molecule_model() {
    static const std::string dir = train_model(
        "cli_predict_mol_model", {"--data", kEsol, "--target-col", kTarget, "--featurizer", "basic",
                                  "--head", "forest", "--trees", "10", "--threads", "1"});
    return dir;
}

/// A protein model (the tiny ESM-2 fixture, a small forest on 20 GB1 rows).
const std::string& protein_model() {
    static const std::string dir = [] {
        std::ifstream in(shared_path("data/flip_gb1/sampled.csv"));
        std::string text, line;
        for (int i = 0; i < 21 && std::getline(in, line); ++i)
            text += line + "\n";
        const std::string data = temp_path("cli_predict_gb1.csv");
        write_file(data, text);
        return train_model("cli_predict_esm_model",
                           {"--data", data, "--target-col", "target", "--featurizer", "esm",
                            "--esm-model", plmkit::test::esm2_tiny_model(), "--head", "forest",
                            "--trees", "10", "--threads", "1"});
    }();
    return dir;
}

}  // namespace

TEST_CASE("cli predict: a protein model refuses molecule files", "[cli][predict]") {
    const std::string out = temp_path("cli_predict_esm_out.csv");
    SECTION("SDF") {
        auto r = run_plmkit({"predict", "--model", protein_model(), "--input",
                             shared_path("data/sdf/rdkit_cdk2.sdf"), "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("the model reads protein sequences, but"));
        CHECK_THAT(r.err, Catch::Contains("rdkit_cdk2.sdf is an SDF file of molecules"));
    }
    SECTION(".smi, with or without a header line") {
        for (const char* text : {"CCO ethanol\n", "smiles name\nCCO ethanol\n"}) {
            const std::string smi = temp_path("cli_predict_mols.smi");
            write_file(smi, text);
            auto r = run_plmkit(
                {"predict", "--model", protein_model(), "--input", smi, "--output", out});
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, Catch::Contains("is a SMILES file of molecules"));
        }
    }
    SECTION("--format sdf, and evaluate too") {
        const std::string csv = temp_path("cli_predict_seq.csv");
        write_file(csv, "sequence,target\nMKV,1\n");
        auto r = run_plmkit({"predict", "--model", protein_model(), "--input", csv, "--format",
                             "sdf", "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--format sdf reads an SDF file of molecules"));
        auto e = run_plmkit({"evaluate", "--model", protein_model(), "--data",
                             shared_path("data/sdf/rdkit_cdk2.sdf")});
        CHECK(e.exit_code == 2);
        CHECK_THAT(e.err, Catch::Contains("is an SDF file of molecules"));
    }
    CHECK_FALSE(plmkit::test::file_exists(out));
}

TEST_CASE("cli evaluate: rejected rows go to a rejects file with the reason", "[cli][evaluate]") {
    const std::string data = temp_path("cli_eval_data.csv");
    write_file(data,
               "id,smiles,y\na,CCO,-0.5\nb,CCCCCC,-3.5\nbad_y,CCN,abc\nblank,CCC,\n"
               "c,c1ccccc1,-2\nring,C1CC,1\n");
    const std::string json = temp_path("cli_eval_out.json");
    auto r = run_plmkit({"evaluate", "--model", molecule_model(), "--data", data, "--target-col",
                         "y", "--output", json});
    REQUIRE(r.exit_code == 0);
    auto m = nlohmann::json::parse(read_file(json));
    CHECK(m["n"] == 3);
    CHECK(m["rejected"] == 3);
    // The default: next to the output, named after it.
    const std::string rejects = json.substr(0, json.size() - 5) + ".rejects.tsv";
    CHECK(m["rejects"] == rejects);
    CHECK_THAT(r.err, Catch::Contains("3 rejected (" + rejects + ")"));
    auto rows = split_lines(read_file(rejects));
    REQUIRE(rows.size() == 4);
    CHECK(rows[0] == "index\tid\tsmiles\treason");
    CHECK(rows[1] == "2\tbad_y\tCCN\ttarget 'y' is not a number: 'abc'");
    CHECK(rows[2] == "3\tblank\tCCC\tno target value (all target columns blank or NA)");
    CHECK_THAT(rows[3], Catch::StartsWith("5\tring\tC1CC\tunparsable molecule: "));

    SECTION("--rejects names the file") {
        const std::string mine = temp_path("cli_eval_mine.tsv");
        auto e = run_plmkit({"evaluate", "--model", molecule_model(), "--data", data,
                             "--target-col", "y", "--rejects", mine});
        REQUIRE(e.exit_code == 0);
        CHECK(nlohmann::json::parse(e.out)["rejects"] == mine);
        CHECK(split_lines(read_file(mine)).size() == 4);
    }
    SECTION("with the JSON on stdout and no rejects, no rejects file is written") {
        const std::string good = temp_path("cli_eval_good.csv");
        write_file(good, "id,smiles,y\na,CCO,-0.5\nb,CCCCCC,-3.5\n");
        auto e = run_plmkit(
            {"evaluate", "--model", molecule_model(), "--data", good, "--target-col", "y"});
        REQUIRE(e.exit_code == 0);
        CHECK(nlohmann::json::parse(e.out)["rejects"].is_null());
        CHECK_FALSE(plmkit::test::file_exists(
            good.substr(good.rfind('/') + 1, good.size() - 4 - good.rfind('/') - 1) +
            ".rejects.tsv"));
    }
    SECTION("no row to score is an input error (3)") {
        const std::string hdr = temp_path("cli_eval_hdr.csv");
        write_file(hdr, "id,smiles,y\n");
        auto e = run_plmkit({"evaluate", "--model", molecule_model(), "--data", hdr, "--target-col",
                             "y", "--output", json});
        CHECK(e.exit_code == 3);
        CHECK_THAT(e.err, Catch::Contains("no data rows"));
        const std::string bad = temp_path("cli_eval_bad.csv");
        write_file(bad, "id,smiles,y\nring,C1CC,1\nbad_y,CCO,x\n");
        const std::string mine = temp_path("cli_eval_bad.tsv");
        e = run_plmkit({"evaluate", "--model", molecule_model(), "--data", bad, "--target-col", "y",
                        "--rejects", mine});
        CHECK(e.exit_code == 3);
        CHECK(e.out.empty());
        CHECK_THAT(e.err, Catch::Contains("all 2 records were rejected (reasons in " + mine));
        CHECK_THAT(e.err, Catch::Contains("record 1 (id 'ring'): unparsable molecule"));
        CHECK(split_lines(read_file(mine)).size() == 3);
    }
}

TEST_CASE("cli predict: a .txt input needs --format, and no prediction at all fails",
          "[cli][predict]") {
    const std::string txt = temp_path("cli_predict_lib.txt");
    write_file(txt, "smiles,id\nCCO,ethanol\nc1ccccc1,benzene\n");
    const std::string out = temp_path("cli_predict_txt.csv");
    const std::string rejects = out.substr(0, out.size() - 4) + ".rejects.tsv";
    SECTION("a .txt file is refused without --format (2)") {
        auto r =
            run_plmkit({"predict", "--model", molecule_model(), "--input", txt, "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("cannot tell the format of '" + txt + "'"));
        CHECK_THAT(r.err, Catch::Contains("use --format csv|tsv|smi|sdf"));
        CHECK_FALSE(plmkit::test::file_exists(out));
        auto e = run_plmkit({"evaluate", "--model", molecule_model(), "--data", txt});
        CHECK(e.exit_code == 2);
        CHECK_THAT(e.err, Catch::Contains("cannot tell the format"));
    }
    SECTION("with --format csv it is read as a table") {
        auto r = run_plmkit({"predict", "--model", molecule_model(), "--input", txt, "--format",
                             "csv", "--output", out});
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("2 records: 2 predicted, 0 rejected"));
    }
    SECTION("every record rejected: both files written, exit 3 with the first reason") {
        auto r = run_plmkit({"predict", "--model", molecule_model(), "--input", txt, "--format",
                             "smi", "--output", out});
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("all 3 were rejected (reasons in " + rejects + ")"));
        CHECK_THAT(r.err, Catch::Contains("the first, record 1 (id '"));
        CHECK_THAT(r.err, Catch::Contains("smiles,id"));
        CHECK_FALSE(plmkit::test::file_exists(out));  // a header alone would look finished
        CHECK(split_lines(read_file(rejects)).size() == 4);
    }
    SECTION("a header without rows: exit 3 and no output, as train and evaluate") {
        for (const char* text : {"smiles,id\n", "smiles,id"}) {
            const std::string empty = temp_path("cli_predict_empty.csv");
            write_file(empty, text);
            auto r = run_plmkit(
                {"predict", "--model", molecule_model(), "--input", empty, "--output", out});
            CHECK(r.exit_code == 3);  // was 0, leaving a header-only output
            CHECK_THAT(r.err, Catch::Contains(empty + ": no data rows to predict"));
            CHECK_FALSE(plmkit::test::file_exists(out));
        }
    }
}

TEST_CASE("cli predict: an output that is the input or the rejects is refused", "[cli][predict]") {
    const std::string lib = temp_path("cli_predict_same.csv");
    const std::string text = "smiles,id\nCCO,ethanol\n";
    write_file(lib, text);
    const std::string out = temp_path("cli_predict_same_out.csv");
    SECTION("--rejects equal to --output, however spelled") {
        const std::string dotted =
            out.substr(0, out.rfind('/')) + "/./" + out.substr(out.rfind('/') + 1);
        auto r = run_plmkit({"predict", "--model", molecule_model(), "--input", lib, "--output",
                             out, "--rejects", dotted});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--output and --rejects are the same file"));
        CHECK_FALSE(plmkit::test::file_exists(out));
    }
    SECTION("--output equal to --input") {
        auto r =
            run_plmkit({"predict", "--model", molecule_model(), "--input", lib, "--output", lib});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--input and --output are the same file"));
    }
    SECTION("evaluate: --output or --rejects equal to --data") {
        for (const char* opt : {"--output", "--rejects"}) {
            auto r = run_plmkit({"evaluate", "--model", molecule_model(), "--data", lib,
                                 "--target-col", "id", opt, lib});
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err,
                       Catch::Contains("--data and " + std::string(opt) + " are the same file"));
        }
    }
    CHECK(read_file(lib) == text);
}

TEST_CASE("cli predict: an output in a missing folder is named as given", "[cli][predict]") {
    const std::string lib = temp_path("cli_predict_nodir.csv");
    write_file(lib, "smiles,id\nCCO,ethanol\n");
    const std::string out = temp_path("cli_predict_nodir") + "/x.csv";
    auto r = run_plmkit({"predict", "--model", molecule_model(), "--input", lib, "--output", out});
    CHECK(r.exit_code == 4);
    // It named the temporary file '.../.x.csv.tmp-PID'.
    CHECK_THAT(r.err, Catch::Contains("cannot write '" + out + "'"));
    CHECK_THAT(r.err, !Catch::Contains(".tmp-"));
}

TEST_CASE("cli evaluate: an output or rejects folder that is missing stops it before scoring",
          "[cli][evaluate]") {
    // The training file: evaluate warns that it holds the training rows just
    // before it scores them, so stderr with the error alone shows that the
    // run stopped before any work (it used to score the whole table first).
    const std::string dir = temp_path("cli_evaluate_nodir");
    std::filesystem::remove_all(dir);
    SECTION("--output") {
        const std::string out = dir + "/m.json";
        auto r = run_plmkit({"evaluate", "--model", molecule_model(), "--data", kEsol, "--output",
                             out, "--rejects", temp_path("cli_evaluate_nodir.rejects.tsv")});
        CHECK(r.exit_code == 4);
        CHECK(r.err == "plmkit: error: cannot write '" + out + "': its folder '" + dir +
                           "/' does not exist\n");
    }
    SECTION("--rejects, the JSON on stdout") {
        const std::string rejects = dir + "/r.tsv";
        auto r = run_plmkit({"evaluate", "--model", molecule_model(), "--data", kEsol, "--output",
                             "-", "--rejects", rejects});
        CHECK(r.exit_code == 4);
        CHECK(r.out.empty());
        CHECK(r.err == "plmkit: error: cannot write '" + rejects + "': its folder '" + dir +
                           "/' does not exist\n");
    }
}

TEST_CASE("cli predict: a missing input column names the command's own option", "[cli][predict]") {
    const std::string data = temp_path("cli_predict_molcol.csv");
    write_file(data, "id,mol,y\na,CCO,1\n");
    const std::string out = temp_path("cli_predict_molcol_out.csv");
    for (auto args : std::vector<std::vector<std::string>>{
             {"predict", "--model", molecule_model(), "--input", data, "--output", out},
             {"evaluate", "--model", molecule_model(), "--data", data, "--target-col", "y"},
             {"train", "--data", data, "--target-col", "y", "--output", temp_path("cli_molcol")}}) {
        auto r = run_plmkit(args);
        INFO(args[0]);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("no SMILES column 'smiles'"));
        CHECK_THAT(r.err, Catch::Contains("choose one with --input-col"));
        CHECK_THAT(r.err, !Catch::Contains("--smiles-col"));
    }
    // A protein model says "sequence column".
    auto r = run_plmkit({"predict", "--model", protein_model(), "--input", data, "--output", out});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("no sequence column 'sequence'"));
    // screen keeps its --smiles-col.
    auto s =
        run_plmkit({"screen", "-i", data, "-o", temp_path("cli_molcol_hits.csv"), "--no-progress"});
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.err, Catch::Contains("choose one with --smiles-col"));
}

TEST_CASE("cli predict: a model config that does not fit names the file (5)", "[cli][predict]") {
    namespace fs = std::filesystem;
    const std::string lib = temp_path("cli_predict_cfg_lib.csv");
    write_file(lib, "smiles,id\nCCO,ethanol\n");
    const std::string out = temp_path("cli_predict_cfg_out.csv");
    const std::string dir = temp_path("cli_predict_cfg_model");
    fs::copy(molecule_model(), dir, fs::copy_options::recursive);
    const std::string config = dir + "/config.json";
    auto cfg = nlohmann::json::parse(read_file(config));
    auto predict = [&](const nlohmann::json& c) {
        write_file(config, c.dump(2));
        return run_plmkit({"predict", "--model", dir, "--input", lib, "--output", out});
    };
    SECTION("a format_version this build does not read") {
        auto c = cfg;
        c["format_version"] = 99;
        auto r = predict(c);
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains(config + ": format_version 99, this build reads 1"));
    }
    SECTION("featurizer descriptions that do not fit") {
        auto c = cfg;
        c["featurizer"]["rdkit2d"].erase("mean");
        auto r = predict(c);
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains(config + ": invalid featurizer description"));
        c = cfg;
        c["featurizer"]["rdkit2d"]["mean"] = {1, 2, 3, 4, 5};
        r = predict(c);
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains(config + ": featurizer normalization"));
        c = cfg;
        c["featurizer"]["dim"] = 13;
        r = predict(c);
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains(config + ": the basic featurizer gives 12 features"));
    }
    SECTION("no config.json: not a model, or an unfinished train run") {
        fs::remove(config);
        auto r = run_plmkit({"predict", "--model", dir, "--input", lib, "--output", out});
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err,
                   Catch::Contains(dir + " is not a model directory: it has no config.json"));
        fs::create_directory(dir + "/checkpoints");
        r = run_plmkit({"evaluate", "--model", dir, "--data", lib});
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains("unfinished plmkit train run"));
        CHECK_THAT(r.err, Catch::Contains("--resume"));
    }
    CHECK_FALSE(plmkit::test::file_exists(out));
}

TEST_CASE("cli predict: SDF records show their SMILES; TSV cells stay on one line",
          "[cli][predict]") {
    // The first record of an SDF file, and a copy with a broken counts line.
    const std::string full = read_file(shared_path("data/sdf/rdkit_solubility.test.sdf"));
    std::vector<std::string> ls = split_lines(full.substr(0, full.find("$$$$") + 4));
    std::string first, broken;
    for (std::size_t i = 0; i < ls.size(); ++i) {
        if (!ls[i].empty() && ls[i].back() == '\r') ls[i].pop_back();
        first += ls[i] + "\n";
        broken += (i == 3 ? std::string("  x") : ls[i]) + "\n";
    }
    const std::string sdf = temp_path("cli_predict_two.sdf");
    write_file(sdf, first + broken);
    const std::string out = temp_path("cli_predict_sdf.csv");
    auto r = run_plmkit({"predict", "--model", molecule_model(), "--input", sdf, "--output", out});
    REQUIRE(r.exit_code == 0);
    auto rows = split_lines(read_file(out));
    REQUIRE(rows.size() == 2);
    CHECK_THAT(rows[1], Catch::StartsWith("3-methylpentane,CCC(C)CC,"));
    auto rejects = split_lines(read_file(out.substr(0, out.size() - 4) + ".rejects.tsv"));
    REQUIRE(rejects.size() == 2);
    CHECK_THAT(rejects[1],
               Catch::StartsWith("1\t3-methylpentane\t(mol block at line " +
                                 std::to_string(ls.size() + 1) + ")\tunparsable molecule: "));

    // A CSV record whose quote is never closed is rejected alone; the line
    // the quote swallowed is predicted as a row of its own.
    const std::string csv = temp_path("cli_predict_quote.csv");
    write_file(csv, "id,smiles\na,CCO\nb,\"CC\nc,CCC\n");
    const std::string out2 = temp_path("cli_predict_quote_out.csv");
    r = run_plmkit({"predict", "--model", molecule_model(), "--input", csv, "--output", out2});
    REQUIRE(r.exit_code == 0);
    rows = split_lines(read_file(out2));
    REQUIRE(rows.size() == 3);
    CHECK_THAT(rows[1], Catch::StartsWith("a,CCO,"));
    CHECK_THAT(rows[2], Catch::StartsWith("c,CCC,"));
    rejects = split_lines(read_file(out2.substr(0, out2.size() - 4) + ".rejects.tsv"));
    REQUIRE(rejects.size() == 2);
    CHECK_THAT(rejects[1], Catch::StartsWith("1\tb\tCC\t"));
    CHECK_THAT(rejects[1], Catch::Contains("quoted field opened on this line is not closed"));
}

TEST_CASE("cli predict: an empty protein sequence is rejected as such", "[cli][predict]") {
    const std::string csv = temp_path("cli_predict_gb1_bad.csv");
    write_file(csv, "id,sequence\nb3,\nb4,MKV\n");
    const std::string out = temp_path("cli_predict_gb1_bad_out.csv");
    auto r = run_plmkit({"predict", "--model", protein_model(), "--input", csv, "--output", out});
    REQUIRE(r.exit_code == 0);
    auto rejects = split_lines(read_file(out.substr(0, out.size() - 4) + ".rejects.tsv"));
    REQUIRE(rejects.size() == 2);
    CHECK(rejects[0] == "index\tid\tsequence\treason");
    CHECK(rejects[1] == "0\tb3\t\tempty sequence");
}

TEST_CASE("cli predict: the default rejects name of an output with several dots",
          "[cli][predict]") {
    // The rule of docs/data-formats.md, as screen names its rejects:
    // a.tsv.csv -> a.tsv.rejects.tsv, p.csv.gz -> p.rejects.tsv.
    const std::string dir = temp_path("cli_predict_dots");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string lib = dir + "/lib.csv";
    write_file(lib, "smiles,id\nCCO,ethanol\nC1CC,broken\n");
    for (const auto& [out, rejects] : std::vector<std::pair<std::string, std::string>>{
             {"a.tsv.csv", "a.tsv.rejects.tsv"}, {"p.csv.gz", "p.rejects.tsv"}}) {
        auto r = run_plmkit(
            {"predict", "--model", molecule_model(), "--input", lib, "--output", dir + "/" + out});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("1 rejected (" + dir + "/" + rejects + ")"));
        REQUIRE(plmkit::test::file_exists(dir + "/" + rejects));
        CHECK(split_lines(read_file(dir + "/" + rejects)).size() == 2);
    }
    // evaluate: its metrics JSON names the rejects the same way (m.v1.json.gz -> m.v1).
    const std::string data = dir + "/d.csv";
    write_file(data, "id,smiles,y\na,CCO,-0.5\nb,CCCCCC,-3.5\nring,C1CC,1\n");
    auto e = run_plmkit({"evaluate", "--model", molecule_model(), "--data", data, "--target-col",
                         "y", "--output", dir + "/m.v1.json.gz"});
    INFO(e.err);
    REQUIRE(e.exit_code == 0);
    CHECK_THAT(e.err, Catch::Contains("1 rejected (" + dir + "/m.v1.rejects.tsv)"));
    CHECK(split_lines(read_file(dir + "/m.v1.rejects.tsv")).size() == 2);
}

TEST_CASE("cli predict: with --output -, the rejects go next to the input's name, here",
          "[cli][predict]") {
    const std::string name = "cli_predict_stdout_" + std::to_string(::getpid());
    const std::string lib = temp_path(name + ".csv");
    write_file(lib, "smiles,id\nCCO,ethanol\nC1CC,broken\n");
    // The default rejects file: <input stem>.rejects.tsv in the current directory.
    const std::string here = lib.substr(lib.rfind('/') + 1);
    const std::string rejects = here.substr(0, here.size() - 4) + ".rejects.tsv";
    auto r = run_plmkit({"predict", "--model", molecule_model(), "--input", lib, "--output", "-"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::StartsWith("id,smiles,"));
    CHECK_THAT(r.err, Catch::Contains("1 rejected (" + rejects + ")"));
    REQUIRE(plmkit::test::file_exists(rejects));
    CHECK(split_lines(read_file(rejects)).size() == 2);
    CHECK_FALSE(plmkit::test::file_exists("predict.rejects.tsv"));
    std::remove(rejects.c_str());
}

TEST_CASE("cli predict: an ESM-2 model is scored in the dtype of its training features",
          "[cli][predict][esm]") {
    std::ifstream in(shared_path("data/flip_gb1/sampled.csv"));
    std::string text, line;
    for (int i = 0; i < 31 && std::getline(in, line); ++i)
        text += line + "\n";
    const std::string data = temp_path("cli_dtype_gb1.csv");
    write_file(data, text);
    auto train = [&](const std::string& out, const std::vector<std::string>& extra) {
        std::vector<std::string> args = {"train",
                                         "--data",
                                         data,
                                         "--target-col",
                                         "target",
                                         "--featurizer",
                                         "esm",
                                         "--esm-model",
                                         shared_path("fixtures/esm2_tiny/model"),
                                         "--hidden",
                                         "16",
                                         "--epochs",
                                         "2",
                                         "--threads",
                                         "1",
                                         "--output",
                                         out};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_plmkit(args);
    };
    auto predict = [&](const std::string& model, const std::string& name,
                       const std::vector<std::string>& extra) {
        const std::string out = temp_path(name);
        std::vector<std::string> args = {"predict", "--model",  model, "--input",
                                         data,      "--output", out};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = run_plmkit(args);
        REQUIRE(r.exit_code == 0);
        return std::make_pair(read_file(out), r.err);
    };
    const std::string bf16 = temp_path("cli_dtype_bf16");
    REQUIRE(train(bf16, {"--dtype", "bf16"}).exit_code == 0);
    auto cfg = nlohmann::json::parse(read_file(bf16 + "/config.json"));
    CHECK(cfg["featurizer"]["dtype"] == "bf16");
    CHECK(cfg["training"]["featurizer"]["dtype"] == "bf16");
    // No --dtype: the model's bf16; --dtype bf16 gives the same, --dtype
    // fp32 overrides it (other features, other predictions) with a note.
    const auto plain = predict(bf16, "cli_dtype_plain.csv", {});
    CHECK(plain.first == predict(bf16, "cli_dtype_asked.csv", {"--dtype", "bf16"}).first);
    CHECK_THAT(plain.second, !Catch::Contains("overrides"));
    const auto fp32 = predict(bf16, "cli_dtype_fp32.csv", {"--dtype", "fp32"});
    CHECK(fp32.first != plain.first);
    CHECK_THAT(fp32.second, Catch::Contains("note: --dtype fp32 overrides the dtype the model's "
                                            "ESM-2 features were computed in (bf16"));
    // evaluate too: the same metrics as predict's default.
    auto e = run_plmkit({"evaluate", "--model", bf16, "--data", data});
    auto e32 = run_plmkit({"evaluate", "--model", bf16, "--data", data, "--dtype", "fp32"});
    REQUIRE(e.exit_code == 0);
    REQUIRE(e32.exit_code == 0);
    CHECK(nlohmann::json::parse(e.out)["metrics"] != nlohmann::json::parse(e32.out)["metrics"]);

    // A config.json without the key (made before it was recorded) loads as fp32.
    const std::string fp32_model = temp_path("cli_dtype_fp32_model");
    REQUIRE(train(fp32_model, {}).exit_code == 0);
    auto old = nlohmann::json::parse(read_file(fp32_model + "/config.json"));
    CHECK(old["featurizer"]["dtype"] == "fp32");
    const auto before = predict(fp32_model, "cli_dtype_before.csv", {});
    old["featurizer"].erase("dtype");
    write_file(fp32_model + "/config.json", old.dump(2));
    CHECK(predict(fp32_model, "cli_dtype_old.csv", {}).first == before.first);
    CHECK(predict(fp32_model, "cli_dtype_old_bf16.csv", {"--dtype", "bf16"}).first != before.first);
}

TEST_CASE("cli predict: ids that repeat an earlier record's get one warning; all rows written",
          "[cli][predict]") {
    const std::string in = temp_path("cli_predict_dup_ids.csv");
    const std::string out = temp_path("cli_predict_dup_ids_out.csv");
    write_file(in, "smiles,id\nCCO,a\nCCC,b\nCCO,a\nCCN,b\nc1ccccc1,c\nCCCl,b\n");
    auto r = run_plmkit({"predict", "--model", molecule_model(), "--input", in, "--output", out});
    REQUIRE(r.exit_code == 0);
    const std::string warning = "predict: " + in +
                                ": 3 records repeat the id of an earlier record: 'a' (line 4), "
                                "'b' (line 5), 'b' (line 7); all are kept, in input order";
    CHECK_THAT(r.err, Catch::Contains(warning));
    CHECK(r.err.find(warning) == r.err.rfind(warning));  // once
    const auto rows = split_lines(read_file(out));
    REQUIRE(rows.size() == 7);  // the header and every record, in input order
    CHECK(rows[1].rfind("a,CCO,", 0) == 0);
    CHECK(rows[3].rfind("a,CCO,", 0) == 0);
    CHECK(rows[6].rfind("b,CCCl,", 0) == 0);
    CHECK(rows[1].substr(rows[1].rfind(',')) == rows[3].substr(rows[3].rfind(',')));
}
