// plmkit train / predict / evaluate as the user sees them: help, exit codes,
// one-line errors, the files written and what the logs say.
#include <unistd.h>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::split_lines;
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace {
const std::string kEsol = shared_path("data/esol/delaney-processed.csv");
const std::string kTarget = "measured log solubility in mols per litre";
}  // namespace

TEST_CASE("cli train: help lists the featurizer parts and heads", "[cli][train]") {
    auto r = run_plmkit({"train", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* s :
         {"--featurizer", "maccs", "torsion", "atompair", "--standardize", "--head", "--ensemble",
          "--resume", "--split", "D-MPNN", "--mpnn-depth", "--mpnn-no-features"})
        CHECK_THAT(r.out, Catch::Contains(s));
    // The fine-tuning example, as docs/train.md gives it: ESM-2 at its own rate.
    CHECK_THAT(r.out, Catch::Contains("--finetune last:2 --encoder-lr 2e-5 \\\n"));
    CHECK(run_plmkit({"predict", "--help"}).exit_code == 0);
    CHECK(run_plmkit({"evaluate", "--help"}).exit_code == 0);
}

TEST_CASE("cli train: errors name what is wrong, with the documented exit codes", "[cli][train]") {
    const std::string out = temp_path("cli_train_errors");
    SECTION("an unknown featurizer part is a usage error (2)") {
        auto r = run_plmkit({"train", "--data", kEsol, "--target-col", kTarget, "--featurizer",
                             "morgan+ecfp", "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: "));
        CHECK_THAT(r.err, Catch::Contains("'ecfp'"));
        CHECK_FALSE(plmkit::test::file_exists(out));
    }
    SECTION("a target column that is not there lists the columns (2)") {
        auto r = run_plmkit({"train", "--data", kEsol, "--target-col", "logS", "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("no target column 'logS'"));
        CHECK_THAT(r.err, Catch::Contains("'smiles'"));
    }
    SECTION("a missing data file is an I/O error (4)") {
        auto r = run_plmkit(
            {"train", "--data", kEsol + ".missing", "--target-col", kTarget, "--output", out});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains(".missing"));
    }
    SECTION("predict without a model directory is an I/O error (4)") {
        auto r = run_plmkit({"predict", "--model", out + "/none", "--input", kEsol, "--output",
                             temp_path("cli_train_none.csv")});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("config.json"));
    }
}

TEST_CASE("cli train: train, predict with rejects, evaluate", "[cli][train]") {
    const std::string model = temp_path("cli_train_model");
    auto t = run_plmkit({"train", "--data", kEsol, "--target-col", kTarget, "--featurizer",
                         "basic+maccs", "--head", "forest", "--trees", "30", "--threads", "1",
                         "--output", model});
    REQUIRE(t.exit_code == 0);
    // The log gives the counts and the stored (canonical) featurizer name.
    CHECK_THAT(t.err, Catch::Contains("1128 rows, 0 rejected"));
    CHECK_THAT(t.err, Catch::Contains("179 features (maccs+basic)"));
    for (const char* f : {"config.json", "model.safetensors", "metrics.json", "split.csv"})
        CHECK(plmkit::test::file_exists(model + "/" + f));
    auto cfg = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(cfg["featurizer"]["name"] == "maccs+basic");

    const std::string lib = temp_path("cli_train_lib.csv");
    write_file(lib, "smiles,id\nCCO,ethanol\nC1CC,broken\nc1ccccc1,benzene\n");
    const std::string preds = temp_path("cli_train_preds.csv");
    auto p = run_plmkit({"predict", "--model", model, "--input", lib, "--output", preds});
    REQUIRE(p.exit_code == 0);
    CHECK_THAT(p.err, Catch::Contains("3 records: 2 predicted, 1 rejected"));
    auto rows = split_lines(read_file(preds));
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == "id,smiles," + kTarget + "," + kTarget + "_std");
    CHECK_THAT(rows[1], Catch::StartsWith("ethanol,CCO,"));
    CHECK_THAT(rows[2], Catch::StartsWith("benzene,c1ccccc1,"));
    // Nothing is lost: the bad record is in the rejects file with its reason.
    auto rejects = split_lines(read_file(preds.substr(0, preds.size() - 4) + ".rejects.tsv"));
    REQUIRE(rejects.size() == 2);
    CHECK_THAT(rejects[1], Catch::StartsWith("1\tbroken\tC1CC\t"));
    CHECK_THAT(rejects[1], Catch::Contains("unclosed ring"));

    auto e = run_plmkit({"evaluate", "--model", model, "--data", kEsol, "-o", "-"});
    REQUIRE(e.exit_code == 0);
    auto m = nlohmann::json::parse(e.out);
    CHECK(m["n"] == 1128);
    CHECK(m["task"] == "regression");
    // The forest saw most of these rows in training: its RMSE on the whole
    // set is well under the targets' standard deviation (about 2.1).
    CHECK(m["metrics"]["mean"]["rmse"].get<double>() < 1.0);
}

TEST_CASE("cli train: a D-MPNN model from the command line", "[cli][train][mpnn]") {
    const std::string model = temp_path("cli_train_mpnn");
    auto t = run_plmkit({"train",     "--data",
                         kEsol,       "--target-col",
                         kTarget,     "--featurizer",
                         "basic",     "--head",
                         "mpnn",      "--mpnn-hidden",
                         "32",        "--mpnn-ffn",
                         "32",        "--mpnn-epochs",
                         "3",         "--mpnn-no-features",
                         "--threads", "1",
                         "--output",  model});
    REQUIRE(t.exit_code == 0);
    CHECK_THAT(t.err, Catch::Contains("D-MPNN epoch 3/3"));
    auto cfg = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(cfg["model"]["mpnn"]["hidden"] == 32);
    CHECK(cfg["model"]["mpnn"]["ffn_hidden"] == std::vector<int>{32});
    const std::string lib = temp_path("cli_mpnn_lib.smi");
    write_file(lib, "smiles id\nCCO ethanol\nC1CC broken\n");
    const std::string preds = temp_path("cli_mpnn_preds.csv");
    auto p = run_plmkit({"predict", "--model", model, "--input", lib, "--output", preds});
    REQUIRE(p.exit_code == 0);
    auto rows = split_lines(read_file(preds));
    REQUIRE(rows.size() == 2);
    CHECK_THAT(rows[1], Catch::StartsWith("ethanol,CCO,"));

    auto bad = run_plmkit({"train", "--data", kEsol, "--target-col", kTarget, "--head", "mlp+mpnn",
                           "--mpnn-depth", "0", "--output", temp_path("cli_mpnn_bad")});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::Contains("--mpnn-depth >= 1"));
}

TEST_CASE(
    "cli train: config.json keeps --data as typed and records the file's absolute path, "
    "size and hash; evaluate on that file says so",
    "[cli][train]") {
    namespace fs = std::filesystem;
    std::istringstream esol(read_file(kEsol));
    std::string text, line;
    for (int i = 0; i < 61 && std::getline(esol, line); ++i)
        text += line + "\n";
    const std::string data = temp_path("cli_train_prov.csv");
    write_file(data, text);
    // As a user types it: relative to the current directory.
    const std::string typed = fs::relative(data, fs::current_path()).string();
    REQUIRE(fs::path(typed).is_relative());
    const std::string model = temp_path("cli_train_prov_model");
    auto t = run_plmkit({"train", "--data", typed, "--target-col", kTarget, "--featurizer", "basic",
                         "--head", "forest", "--trees", "5", "--threads", "1", "--output", model});
    REQUIRE(t.exit_code == 0);
    auto cfg = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(cfg["training"]["data"] == typed);
    const auto& file = cfg["training"]["data_file"];
    CHECK(file["path"] == fs::absolute(data).lexically_normal().string());
    CHECK(file["size"] == fs::file_size(data));
    CHECK(file["xxh64"].get<std::string>().size() == 16);

    const std::string note = "is the file the model was trained on (" +
                             fs::absolute(data).lexically_normal().string() +
                             ", the same size and XXH64 hash)";
    auto e = run_plmkit({"evaluate", "--model", model, "--data", data, "-o", "-"});
    REQUIRE(e.exit_code == 0);
    CHECK_THAT(e.err, Catch::Contains("plmkit: warning: evaluate: " + data + " " + note));
    SECTION("a copy elsewhere is recognized by its content") {
        const std::string copy = temp_path("cli_train_prov_copy.csv");
        write_file(copy, text);
        e = run_plmkit({"evaluate", "--model", model, "--data", copy, "-o", "-"});
        REQUIRE(e.exit_code == 0);
        CHECK_THAT(e.err, Catch::Contains(copy + " " + note));
    }
    SECTION("another file of the same size is not the training file") {
        std::string other = text;
        const auto digit = other.find_first_of("0123456789", other.find('\n'));
        other[digit] = other[digit] == '1' ? '2' : '1';
        const std::string copy = temp_path("cli_train_prov_other.csv");
        write_file(copy, other);
        e = run_plmkit({"evaluate", "--model", model, "--data", copy, "-o", "-"});
        REQUIRE(e.exit_code == 0);
        CHECK_THAT(e.err, !Catch::Contains("trained on"));
    }
    SECTION("a model directory from before these fields loads and evaluates as before") {
        cfg["training"].erase("data_file");
        write_file(model + "/config.json", cfg.dump(2));
        e = run_plmkit({"evaluate", "--model", model, "--data", data, "-o", "-"});
        REQUIRE(e.exit_code == 0);
        CHECK_THAT(e.err, !Catch::Contains("trained on"));
        CHECK(nlohmann::json::parse(e.out)["n"] == 60);
    }
}
