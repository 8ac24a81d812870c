#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;

namespace {
const std::string kEsol = shared_path("data/esol/delaney-processed.csv");

}  // namespace

TEST_CASE("cli pretrain: help lists the options and examples", "[cli][pretrain]") {
    auto r = run_plmkit({"pretrain", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* opt : {"--kind", "--data", "--smiles-col", "--output", "--epochs", "--lr",
                            "--mask-prob", "--valid-fraction", "--seed", "--resume", "Examples:"})
        CHECK_THAT(r.out, Catch::Contains(opt));
}

TEST_CASE("cli pretrain: errors and exit codes", "[cli][pretrain]") {
    const std::string out = temp_path("cli_lm");
    SECTION("--kind protein without --esm-model says what it needs") {
        auto r = run_plmkit({"pretrain", "--kind", "protein", "--data", kEsol, "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--kind protein needs --esm-model"));
    }
    SECTION("an unknown kind") {
        auto r = run_plmkit({"pretrain", "--kind", "dna", "--data", kEsol, "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("'dna'"));
    }
    SECTION("a missing SMILES column names it") {
        auto r =
            run_plmkit({"pretrain", "--data", kEsol, "--smiles-col", "structure", "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("structure"));
    }
    SECTION("a missing input file is an I/O error") {
        auto r = run_plmkit({"pretrain", "--data", kEsol + ".missing", "--output", out});
        CHECK(r.exit_code == 4);
    }
    SECTION("--output is required") {
        auto r = run_plmkit({"pretrain", "--data", kEsol});
        CHECK(r.exit_code == 2);
    }
    CHECK_FALSE(plmkit::test::file_exists(out));
}

TEST_CASE("cli pretrain: a short run writes LM_DIR and logs each epoch", "[cli][pretrain]") {
    const std::string out = temp_path("cli_lm_run");
    auto r = run_plmkit({"pretrain", "--kind",        "smiles", "--data",   kEsol, "--output",
                         out,        "--max-records", "120",    "--epochs", "2",   "--hidden",
                         "32",       "--layers",      "1",      "--heads",  "2",   "--ffn",
                         "64",       "--threads",     "2"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("pretrain epoch 1/2: train loss"));
    CHECK_THAT(r.err, Catch::Contains("pretrain epoch 2/2"));
    CHECK_THAT(r.err, Catch::Contains("108 training + 12 validation SMILES (0 skipped)"));
    for (const char* f : {"/config.json", "/model.safetensors", "/vocab.txt"})
        CHECK(plmkit::test::file_exists(out + f));
}

TEST_CASE("cli pretrain: Ctrl-C after a saved epoch says what LM_DIR holds", "[cli][pretrain]") {
    // The message was only "plmkit: error: interrupted": whether LM_DIR held a
    // usable encoder, and which epoch, was left to guess.
    const std::string dir = temp_path("cli_lm_ctrl_c");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string lm = dir + "/lm", err = dir + "/err", rc = dir + "/rc";
    const std::string cmd =
        "bash -c '\"" + plmkit::test::plmkit_bin() + "\" pretrain --data \"" + kEsol +
        "\" --max-records 40 --epochs 100000 --batch-size 8 --hidden 16 --layers 1 --heads 2 "
        "--ffn 16 --max-len 64 --threads 1 --output \"" +
        lm + "\" 2> \"" + err + "\" & P=$!; for i in $(seq 600); do [ -f \"" + lm +
        "/model.safetensors\" ] && break; sleep 0.1; done; kill -INT $P; wait $P; echo $? > \"" +
        rc + "\"'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string text = plmkit::test::read_file(err);
    INFO(text);
    CHECK(plmkit::test::read_file(rc) == "130\n");
    CHECK_THAT(text, Catch::Contains("plmkit: warning: " + lm + " holds epoch ") &&
                         Catch::Contains(" of 100000, the best so far (valid loss ") &&
                         Catch::Contains("usable as an encoder") &&
                         Catch::Contains("pretrain: interrupted; '" + lm +
                                         "/checkpoints' keeps the work done so far (epoch ") &&
                         Catch::Contains("the same command with --resume continues from it") &&
                         Catch::Contains("plmkit: error: interrupted"));
    CHECK(plmkit::test::file_exists(lm + "/config.json"));
}
