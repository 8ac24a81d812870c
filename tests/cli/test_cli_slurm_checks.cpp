// `plmkit slurm` checks the arguments it passes on with the real command's
// parser before it writes any script: a mistake fails once, here, instead of
// in every array task.

#include <filesystem>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

TEST_CASE("cli slurm: passed-on arguments are checked before scripts are written", "[cli][slurm]") {
    auto lib = test::temp_path("slurm_check.csv");
    test::write_file(lib, "smiles,id\nCCO,a\nc1ccccc1O,b\n");
    auto out = test::temp_path("slurm_check_hits.csv");
    auto workdir = test::temp_path("slurm_check_wd");
    auto slurm = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"slurm",   "screen", "-o",        out,
                                      "--array", "2",      "--workdir", workdir};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_plmkit(args);
    };

    SECTION("a missing input: exit 4") {
        auto r = slurm({"-i", test::temp_path("nonexistent.csv")});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("cannot open the input"));
    }
    SECTION("an unknown option or a bad value: exit 2") {
        auto r = slurm({"-i", lib, "--bogus", "3"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("'plmkit screen' would refuse the arguments passed on") &&
                              Catch::Contains("--bogus"));
        CHECK(slurm({"-i", lib, "--top", "x"}).exit_code == 2);
    }
    SECTION("a --keep-cols or output.keep_cols column the input lacks: exit 2, no scripts") {
        std::filesystem::remove_all(workdir);
        auto r = slurm({"-i", lib, "--keep-cols", "id2"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(lib + ": --keep-cols: no column 'id2'"));
        auto cfg = test::temp_path("slurm_keep.yaml");
        test::write_file(cfg, "output:\n  keep_cols: [vendor]\n");
        r = slurm({"-i", lib, "-c", cfg});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(lib + ": output.keep_cols: no column 'vendor'"));
        CHECK_FALSE(std::filesystem::exists(workdir));
        // A column the input has passes the check.
        test::write_file(lib + ".v.csv", "smiles,id,vendor\nCCO,a,V1\n");
        CHECK(slurm({"-i", lib + ".v.csv", "--keep-cols", "vendor"}).exit_code == 0);
    }
    SECTION("an invalid config: exit 2 naming the config's line") {
        auto cfg = test::temp_path("slurm_bad.yaml");
        test::write_file(cfg, "filters:\n  lipinsky: true\n");
        auto r = slurm({"-i", lib, "-c", cfg});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(cfg + ":2: 'filters.lipinsky': unknown key"));
    }
    SECTION(
        "outputs over the input, stdin, '-' outputs: exit 2 (the merge job would write over "
        "the library)") {
        const std::string before = test::read_file(lib);
        std::vector<std::string> over{"slurm", "screen",  "-i", lib,         "-o",
                                      lib,     "--array", "2",  "--workdir", workdir};
        auto r = run_plmkit(over);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("would overwrite the input"));
        auto rej = slurm({"-i", lib, "--rejects", out});
        CHECK(rej.exit_code == 2);
        CHECK_THAT(rej.err, Catch::Contains("the same file"));
        auto in = slurm({"-i", "-", "--format", "smi"});
        CHECK(in.exit_code == 2);
        CHECK_THAT(in.err, Catch::Contains("standard input"));
        CHECK(slurm({"-i", lib, "--rejects", "-"}).exit_code == 2);
        CHECK(test::read_file(lib) == before);
        CHECK_FALSE(test::file_exists(workdir));
    }
    SECTION("an input that is a pipe: exit 2, nothing written") {
        // Each task, and a requeued task's --resume, reads the input again.
        const std::string fifo = test::make_fifo("slurm_check.fifo");
        auto r = slurm({"-i", fifo, "--format", "smi"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("plmkit slurm screen: --input '" + fifo +
                                          "' is a pipe or device") &&
                              Catch::Contains("give a regular file"));
        CHECK_FALSE(test::file_exists(workdir));
        std::filesystem::remove(fifo);
    }
    SECTION("the reader's header checks: the screen's own message, once") {
        // What every array task would fail on when it opens the input.
        auto col = slurm({"-i", lib, "--smiles-col", "nope"});
        CHECK(col.exit_code == 2);
        CHECK(col.err == "plmkit: error: " + lib +
                             ": no SMILES column 'nope' (columns: 'smiles', 'id'); choose one "
                             "with --smiles-col\n");
        auto id = slurm({"-i", lib, "--id-col", "nope"});
        CHECK(id.exit_code == 2);
        CHECK(id.err ==
              "plmkit: error: " + lib + ": no id column 'nope' (columns: 'smiles', 'id')\n");
        auto fmt = slurm({"-i", lib, "--format", "mol2"});
        CHECK(fmt.exit_code == 2);
        CHECK_THAT(fmt.err, Catch::Contains("unknown molecule format 'mol2'"));
        auto sdf = slurm({"-i", lib, "--format", "sdf"});
        CHECK(sdf.exit_code == 3);
        CHECK_THAT(sdf.err, Catch::Contains(lib + ": not an SD file"));
    }
    SECTION("a config whose model directory is missing: exit 4 naming it") {
        auto cfg = test::temp_path("slurm_nomodel.yaml");
        test::write_file(cfg, "score:\n  models:\n    - {name: m, model: nope_model}\n");
        auto r = slurm({"-i", lib, "-c", cfg});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains(cfg + ":3: 'score.models.model': cannot open '") &&
                              Catch::Contains("nope_model"));
        // A folder without config.json: slurm's own check names it.
        const std::string empty_model = test::temp_path("slurm_empty_model");
        std::filesystem::create_directories(empty_model);
        test::write_file(cfg, "score:\n  models:\n    - {name: m, model: " + empty_model + "}\n");
        auto e = slurm({"-i", lib, "-c", cfg});
        CHECK(e.exit_code == 4);
        CHECK_THAT(e.err, Catch::Contains("score.models 'm': no model at"));
    }
    SECTION("valid arguments: scripts written, the command itself not run") {
        auto r = slurm({"-i", lib, "--top", "1", "-t", "1", "--no-progress"});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(test::file_exists(workdir + "/screen-array.sh"));
        CHECK_FALSE(test::file_exists(out));
    }
    if (!test::file_exists(workdir + "/screen-array.sh")) CHECK_FALSE(test::file_exists(workdir));
}

TEST_CASE("cli slurm embed: options of embed are checked too", "[cli][slurm]") {
    auto model = test::shared_path("fixtures/esm2_tiny/model");
    auto fasta = test::shared_path("fixtures/esm2_tiny/sequences.fasta");
    auto workdir = test::temp_path("slurm_check_embed_wd");
    std::vector<std::string> base{"slurm",   "embed", "--model",   model,
                                  "--input", fasta,   "--output",  test::temp_path("e.h5"),
                                  "--array", "2",     "--workdir", workdir};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return run_plmkit(args);
    };
    CHECK(with({"--layers", "-1,2", "--include", "mean"}).exit_code == 0);
    CHECK(with({"--long", "nope"}).exit_code == 2);
    CHECK(with({"--bogus"}).exit_code == 2);
    // Whether this machine has a GPU says nothing about the compute nodes.
    CHECK(with({"--device", "cuda"}).exit_code == 0);
}

TEST_CASE("cli slurm embed: what every task checks before the model loads fails once",
          "[cli][slurm]") {
    const auto model = test::shared_path("fixtures/esm2_tiny/model");  // 3 layers
    const auto fasta = test::shared_path("fixtures/esm2_tiny/sequences.fasta");
    const auto workdir = test::temp_path("slurm_check_embed2_wd");
    auto embed = [&](const std::string& m, const std::string& in,
                     std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"slurm",   "embed", "--model",   m,
                                      "--input", in,      "--output",  test::temp_path("e2.h5"),
                                      "--array", "2",     "--workdir", workdir};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_plmkit(args);
    };
    SECTION("a missing model folder: exit 5, embed's message") {
        auto missing = test::temp_path("no_such_model");
        auto r = embed(missing, fasta);
        CHECK(r.exit_code == 5);
        CHECK(r.err == "plmkit: error: model directory '" + missing + "' does not exist\n");
    }
    SECTION("a model that is a file: exit 5") {
        auto r = embed(fasta, fasta);
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains("model directory '" + fasta + "' is not a directory"));
    }
    SECTION("a model folder without vocab.txt: exit 5") {
        auto dir = test::temp_path("slurm_model_novocab");
        std::filesystem::create_directories(dir);
        test::write_file(dir + "/config.json", test::read_file(model + "/config.json"));
        auto r = embed(dir, fasta);
        CHECK(r.exit_code == 5);
        CHECK(r.err == "plmkit: error: model directory '" + dir + "' has no vocab.txt\n");
    }
    SECTION("an input that is not FASTA: exit 3, at its first line") {
        auto bad = test::write_temp("slurm_not.fasta", "garbage\nMKV\n");
        auto r = embed(model, bad);
        CHECK(r.exit_code == 3);
        CHECK(r.err == "plmkit: error: " + bad +
                           ":1: expected '>' at the start of a FASTA record, found 'garbage'\n");
    }
    SECTION("--include, --layers against the model, --dtype, --device: exit 2") {
        auto inc = embed(model, fasta, {"--include", "mean,bogus"});
        CHECK(inc.exit_code == 2);
        CHECK_THAT(inc.err, Catch::Contains("unknown --include item 'bogus'"));
        auto layers = embed(model, fasta, {"--layers", "4"});
        CHECK(layers.exit_code == 2);
        CHECK_THAT(layers.err,
                   Catch::Contains("--layers 4 is out of range for a model with 3 layers: "
                                   "valid -4..3"));
        CHECK(embed(model, fasta, {"--layers=-5"}).exit_code == 2);
        auto dtype = embed(model, fasta, {"--dtype", "fp8"});
        CHECK(dtype.exit_code == 2);
        CHECK_THAT(dtype.err, Catch::Contains("--dtype 'fp8'"));
        auto device = embed(model, fasta, {"--device", "gpu"});
        CHECK(device.exit_code == 2);
        CHECK_THAT(device.err, Catch::Contains("--device 'gpu'"));
    }
    CHECK_FALSE(test::file_exists(workdir));
}
