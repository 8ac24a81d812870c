// `plmkit pretrain --resume`, both kinds: a run killed after an epoch (the
// PLMKIT_TEST_KILL_AFTER_EPOCHS hook raises SIGKILL, as a preempted Slurm job
// gets, or SIGINT, as Ctrl-C) and resumed writes the files of one
// uninterrupted run with the same seed, byte for byte; a resume with other
// options or data is refused naming them, and so is a plain rerun over an
// interrupted run.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/cli/pretrain_runs.hpp"
#include "tests/cli/same_dir.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;
using test::file_exists;
using test::fresh_path;
using test::read_file;
using test::require_same_dir;
using test::run_plmkit;
using test::temp_path;
using test::with;

namespace {

std::vector<std::string> smiles_args(const std::string& out,
                                     const std::string& data = test::esol_csv()) {
    return test::smiles_pretrain_args(out, data);
}

/// 22 training sequences in batches of 8, 3 steps an epoch, 3 epochs.
std::vector<std::string> protein_args(const std::string& out) {
    return test::protein_pretrain_args(out, "3", "8");
}

/// `args` with the value after `flag` replaced by `value`.
std::vector<std::string> with_value(std::vector<std::string> args, const std::string& flag,
                                    const std::string& value) {
    const auto it = std::find(args.begin(), args.end(), flag);
    REQUIRE(it + 1 < args.end());
    *(it + 1) = value;
    return args;
}

/// Runs `args` with the kill hook set to `after` ("1": SIGKILL after the
/// first epoch of this process; "1:INT": SIGINT).
test::RunResult run_killed(const std::vector<std::string>& args, const std::string& after) {
    test::ScopedEnv env({{"PLMKIT_TEST_KILL_AFTER_EPOCHS", after}});
    return run_plmkit(args);
}

}  // namespace

TEST_CASE("cli pretrain --resume: smiles, killed and resumed, ends byte-identical",
          "[cli][pretrain][resume]") {
    // One uninterrupted run for the three SECTIONs (and the pieces tests).
    const std::string want = test::smiles_pretrain_whole_run();

    SECTION("SIGKILL after epoch 1, then again after epoch 2") {
        const std::string out = fresh_path("cli_lm_resume_kill");
        auto k = run_killed(smiles_args(out), "1");
        CHECK(k.exit_code == 128 + 9);
        CHECK(file_exists(out + "/checkpoints/state.pt"));
        CHECK(file_exists(out + "/checkpoints/options.json"));
        CHECK(file_exists(out + "/model.safetensors"));  // epoch 1, the best so far
        auto k2 = run_killed(with(smiles_args(out), {"--resume"}), "1");
        INFO(k2.err);
        CHECK(k2.exit_code == 128 + 9);
        CHECK_THAT(k2.err, Catch::Contains("pretrain: resuming after epoch 1 of 3 (best epoch 1"));
        auto r = run_plmkit(with(smiles_args(out), {"--resume"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("pretrain: resuming after epoch 2 of 3"));
        CHECK_THAT(r.err, Catch::Contains("pretrain epoch 3/3: train loss"));
        CHECK_THAT(r.err, !Catch::Contains("pretrain epoch 2/3: train loss"));
        require_same_dir(want, out);
    }
    SECTION("SIGKILL after the last epoch's checkpoint, before the run was complete") {
        const std::string out = fresh_path("cli_lm_resume_last");
        auto k = run_killed(smiles_args(out), "3");
        CHECK(k.exit_code == 128 + 9);
        REQUIRE(file_exists(out + "/checkpoints/state.pt"));
        auto r = run_plmkit(with(smiles_args(out), {"--resume"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("pretrain: resuming after epoch 3 of 3"));
        CHECK_THAT(r.err, Catch::Contains("best epoch 3, valid loss "));
        require_same_dir(want, out);
    }
    SECTION("Ctrl-C after epoch 2 says how to continue") {
        const std::string out = fresh_path("cli_lm_resume_int");
        auto k = run_killed(smiles_args(out), "2:INT");
        INFO(k.err);
        CHECK(k.exit_code == 130);
        CHECK_THAT(k.err, Catch::Contains("pretrain: interrupted; '" + out +
                                          "/checkpoints' keeps the work done so far (epoch 2 "
                                          "of 3): the same command with --resume continues "
                                          "from it"));
        CHECK_THAT(k.err, Catch::Contains(out + " holds epoch ") &&
                              Catch::Contains("usable as an encoder"));
        CHECK_THAT(k.err, Catch::EndsWith("plmkit: error: interrupted\n"));
        // A plain rerun would start over: refused, naming --resume.
        auto again = run_plmkit(smiles_args(out));
        CHECK(again.exit_code == 2);
        CHECK_THAT(again.err, Catch::Contains("holds an interrupted pretrain run") &&
                                  Catch::Contains("--resume"));
        auto r = run_plmkit(with(smiles_args(out), {"--resume"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        require_same_dir(want, out);
        // Complete: nothing is left to resume.
        auto more = run_plmkit(with(smiles_args(out), {"--resume"}));
        CHECK(more.exit_code == 2);
        CHECK_THAT(more.err, Catch::Contains("its run completed, nothing to resume"));
    }
}

TEST_CASE("cli pretrain --resume: a changed option or data set is refused by name",
          "[cli][pretrain][resume]") {
    const std::string data = temp_path("cli_lm_resume_data.csv");
    std::filesystem::copy_file(test::esol_csv(), data,
                               std::filesystem::copy_options::overwrite_existing);
    const std::string out = fresh_path("cli_lm_resume_refused");
    auto k = run_killed(smiles_args(out, data), "1");
    REQUIRE(k.exit_code == 128 + 9);
    const std::string state = read_file(out + "/checkpoints/state.pt");

    auto r = run_plmkit(with(with_value(smiles_args(out, data), "--lr", "2e-3"), {"--resume"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--resume: option 'lr' was 0.001 in the interrupted run, "
                                      "now 0.002"));
    r = run_plmkit(with(with_value(smiles_args(out, data), "--hidden", "24"), {"--resume"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("option 'hidden' was 16"));

    test::write_file(data, read_file(test::esol_csv()) + "extra,-1.0,1,1.0,1,1,1.0,1.0,CCO\n");
    r = run_plmkit(with(smiles_args(out, data), {"--resume"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--data '" + data + "' changed since the interrupted run"));
    CHECK(read_file(out + "/checkpoints/state.pt") == state);  // refused before writing

    const std::string none = fresh_path("cli_lm_resume_none");
    r = run_plmkit(with(smiles_args(none), {"--resume"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("holds no interrupted pretrain run"));
}

TEST_CASE("cli pretrain --resume: protein, interrupted and resumed, ends byte-identical",
          "[pretrain][protein][resume]") {
    const std::string want = fresh_path("cli_esm_resume_want");
    auto whole = run_plmkit(protein_args(want));
    INFO(whole.err);
    REQUIRE(whole.exit_code == 0);
    CHECK_FALSE(file_exists(want + "/checkpoints"));

    const std::string out = fresh_path("cli_esm_resume");
    auto k = run_killed(protein_args(out), "1:INT");
    INFO(k.err);
    CHECK(k.exit_code == 130);
    CHECK_THAT(k.err, Catch::Contains("pretrain: interrupted; '" + out +
                                      "/checkpoints' keeps the work done so far (epoch 1 of 3)"));
    CHECK_THAT(k.err, Catch::Contains("a usable ESM-2 checkpoint"));
    auto k2 = run_killed(with(protein_args(out), {"--resume"}), "1");
    CHECK(k2.exit_code == 128 + 9);
    auto r = run_plmkit(with(protein_args(out), {"--resume"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("pretrain: resuming after epoch 2 of 3"));
    CHECK_THAT(r.err, !Catch::Contains("pretrain epoch 0 (the input model)"));
    require_same_dir(want, out);

    SECTION("another --esm-model file or --crop is refused") {
        const std::string out2 = fresh_path("cli_esm_resume_refused");
        REQUIRE(run_killed(protein_args(out2), "1").exit_code == 128 + 9);
        auto c = run_plmkit(with(with_value(protein_args(out2), "--crop", "100"), {"--resume"}));
        CHECK(c.exit_code == 2);
        CHECK_THAT(c.err, Catch::Contains("option 'crop' was 120 in the interrupted run, now 100"));
        const std::string model = test::copy_fixture_model("cli_esm_resume_model");
        test::write_file(model + "/config.json",
                         read_file(model + "/config.json") + "\n");  // same JSON, other bytes
        auto m =
            run_plmkit(with(with_value(protein_args(out2), "--esm-model", model), {"--resume"}));
        CHECK(m.exit_code == 2);
        CHECK_THAT(m.err, Catch::Contains("--esm-model '" + model +
                                          "' changed since the interrupted run: 'config.json' "
                                          "differs"));
    }
}
