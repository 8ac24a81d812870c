// A model whose config.json records "dtype": "fp16" for its ESM-2 features
// cannot run on the CPU; the message names that file (the user passed no
// --dtype) and says that --dtype fp32 overrides it.
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_file;
using plmkit::test::write_temp;

TEST_CASE("cli predict: fp16 recorded in the model's config.json names the file on the CPU",
          "[cli][predict][dtype]") {
    const std::string model = plmkit::test::train_tiny_esm_forest("fp16_pred_esm_model");
    auto config = nlohmann::json::parse(read_file(model + "/config.json"));
    REQUIRE(config["featurizer"]["dtype"] == "fp32");
    config["featurizer"]["dtype"] = "fp16";
    write_file(model + "/config.json", config.dump(2));

    auto fa = write_temp("fp16_pred.fa", ">a\nMKTAY\n");
    const std::string out = temp_path("fp16_pred.csv");
    auto r = run_plmkit(
        {"predict", "--model", model, "--input", fa, "--output", out, "--device", "cpu"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("(\"dtype\": \"fp16\" in " + model + "/config.json)") &&
                          Catch::Contains("pass --dtype fp32 (or bf16) to override"));
    CHECK_FALSE(file_exists(out));

    auto ok = run_plmkit({"predict", "--model", model, "--input", fa, "--output", out, "--device",
                          "cpu", "--dtype", "fp32"});
    CHECK(ok.exit_code == 0);
    CHECK(file_exists(out));
}

TEST_CASE("cli predict: --dtype and --device of a model without ESM-2 are noted, not ignored",
          "[cli][predict][dtype]") {
    // A 'basic' model on ESOL; --dtype bf16 and --device cuda were
    // accepted without a word (also without CUDA) while nothing used them.
    const std::string model = temp_path("dtype_note_basic_model");
    auto t = run_plmkit({"train", "--data", shared_path("data/esol/delaney-processed.csv"),
                         "--target-col", "measured log solubility in mols per litre",
                         "--featurizer", "basic", "--hidden", "8", "--epochs", "1", "--threads",
                         "1", "--output", model});
    REQUIRE(t.exit_code == 0);
    auto smi = write_temp("dtype_note.smi", "CCO ethanol\n");
    const std::string out = temp_path("dtype_note.csv");
    auto r = run_plmkit({"predict", "--model", model, "--input", smi, "--output", out, "--dtype",
                         "bf16", "--device", "cuda"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("note: --dtype bf16 applies to ESM-2 features; this "
                                      "model's featurizer (basic) computes in fp32"));
    CHECK_THAT(r.err, Catch::Contains("note: --device cuda:0 applies to ESM-2; this model's "
                                      "featurizer (basic) and the model's heads run on the CPU"));
    auto quiet = run_plmkit({"predict", "--model", model, "--input", smi, "--output", out});
    CHECK(quiet.exit_code == 0);
    CHECK_THAT(quiet.err, !Catch::Contains("note:"));
}
