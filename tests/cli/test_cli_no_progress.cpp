// --no-progress on train and pretrain, as predict and screen take it.
#include <filesystem>

#include "tests/catch.hpp"

#include "tests/cli/pretrain_runs.hpp"
#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;

TEST_CASE("cli pretrain --no-progress: no progress lines within an epoch, the epoch line stays",
          "[cli][pretrain][no-progress]") {
    const std::string out = temp_path("cli_lm_no_progress");
    std::filesystem::remove_all(out);
    // --log-every 0 logs a progress line after every step where stderr is
    // not a terminal (as here); --no-progress must drop them all.
    auto r =
        run_plmkit(plmkit::test::with(plmkit::test::smiles_progress_args(out), {"--no-progress"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, !Catch::Contains(" steps, ") && !Catch::Contains("1/1: 1/3"));
    CHECK_THAT(r.err, Catch::Contains("plmkit: pretrain epoch 1/1: train loss "));
    CHECK(plmkit::test::file_exists(out + "/model.safetensors"));
}

TEST_CASE("cli train --no-progress: accepted, the epoch log lines stay",
          "[cli][train][no-progress]") {
    const std::string model = temp_path("cli_train_no_progress");
    std::filesystem::remove_all(model);
    auto r = run_plmkit({"train",
                         "--data",
                         shared_path("data/esol/delaney-processed.csv"),
                         "--target-col",
                         "measured log solubility in mols per litre",
                         "--featurizer",
                         "basic",
                         "--head",
                         "mlp",
                         "--ensemble",
                         "1",
                         "--epochs",
                         "2",
                         "--hidden",
                         "8",
                         "--threads",
                         "1",
                         "--no-progress",
                         "--output",
                         model});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("model epoch 2/2: train loss ") &&
                          Catch::Contains("train: model written to " + model));
}

TEST_CASE("cli --no-progress: listed in train's and pretrain's help", "[cli][help][no-progress]") {
    for (const char* command : {"train", "pretrain", "predict"}) {
        auto r = run_plmkit({command, "--help"});
        INFO(command);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains("--no-progress"));
    }
}
