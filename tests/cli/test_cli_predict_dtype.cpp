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
