// `plmkit pretrain` in pieces, both kinds: --stop-after-epochs N stops a run
// after N epochs of each invocation with its checkpoint (a batch job's time
// limit), and --checkpoint-every N also checkpoints within an epoch, so a run
// killed mid-epoch (the PLMKIT_TEST_KILL_AFTER_STEPS hook) loses at most N
// steps. The pieces, resumed with --resume, write the files of one
// uninterrupted run (without either option) byte for byte.
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
using test::require_same_dir;
using test::run_plmkit;
using test::with;

namespace {

std::vector<std::string> smiles_args(const std::string& out) {
    return test::smiles_pretrain_args(out);
}

/// 22 training sequences in batches of 4, 6 steps an epoch, 2 epochs.
std::vector<std::string> protein_args(const std::string& out) {
    return test::protein_pretrain_args(out, "2", "4");
}

/// Runs `args` with the step kill hook set to `after` ("5": SIGKILL after
/// the fifth training step of this process; "5:INT": SIGINT).
test::RunResult run_killed_at_step(const std::vector<std::string>& args, const std::string& after) {
    test::ScopedEnv env({{"PLMKIT_TEST_KILL_AFTER_STEPS", after}});
    return run_plmkit(args);
}

/// An uninterrupted run of `args`; its stderr.
std::string whole_run(const std::vector<std::string>& args) {
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.err;
}

}  // namespace

TEST_CASE("cli pretrain --stop-after-epochs: smiles in three pieces, byte-identical",
          "[cli][pretrain][resume][pieces]") {
    const std::string want = test::smiles_pretrain_whole_run();
    const std::string out = fresh_path("cli_lm_pieces");
    auto a = run_plmkit(with(smiles_args(out), {"--stop-after-epochs", "1"}));
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    CHECK_THAT(a.err, Catch::Contains("pretrain: stopped after 1 epoch as asked (epoch 1 of 3); '" +
                                      out + "/checkpoints' keeps the run"));
    CHECK_THAT(a.err, Catch::Contains("(so far: --resume continues the run)"));
    CHECK_THAT(a.err, !Catch::Contains("pretrain epoch 2/3"));
    REQUIRE(file_exists(out + "/checkpoints/state.pt"));
    // A plain rerun is refused as for any interrupted run.
    CHECK(run_plmkit(smiles_args(out)).exit_code == 2);

    auto b = run_plmkit(with(smiles_args(out), {"--resume", "--stop-after-epochs", "1"}));
    INFO(b.err);
    REQUIRE(b.exit_code == 0);
    CHECK_THAT(b.err, Catch::Contains("pretrain: resuming after epoch 1 of 3 (best epoch 1"));
    CHECK_THAT(b.err, Catch::Contains("pretrain: stopped after 1 epoch as asked (epoch 2 of 3)"));
    // The last piece: stopping after its one epoch is the run's end anyway.
    auto c = run_plmkit(with(smiles_args(out), {"--resume", "--stop-after-epochs", "1"}));
    INFO(c.err);
    REQUIRE(c.exit_code == 0);
    CHECK_THAT(c.err, !Catch::Contains("stopped after"));
    CHECK_THAT(c.err, !Catch::Contains("so far"));
    require_same_dir(want, out);

    SECTION("--stop-after-epochs 0 or -1, and --checkpoint-every -1, are usage errors") {
        for (const char* n : {"0", "-1"}) {
            auto r = run_plmkit(
                with(smiles_args(fresh_path("cli_lm_pieces_bad")), {"--stop-after-epochs", n}));
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, Catch::Contains("--stop-after-epochs") &&
                                  Catch::Contains("expected an integer >= 1"));
        }
        auto r = run_plmkit(
            with(smiles_args(fresh_path("cli_lm_pieces_bad")), {"--checkpoint-every", "-1"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--checkpoint-every"));
    }
}

TEST_CASE("cli pretrain --checkpoint-every: smiles killed mid-epoch, byte-identical",
          "[cli][pretrain][resume][pieces]") {
    const std::string want = test::smiles_pretrain_whole_run();
    const std::string out = fresh_path("cli_lm_steps");
    const auto args = with(smiles_args(out), {"--checkpoint-every", "3"});
    // Killed after step 5 of epoch 1: the checkpoint of step 3 is there, and
    // no encoder yet (no epoch ended).
    auto k = run_killed_at_step(args, "5");
    CHECK(k.exit_code == 128 + 9);
    REQUIRE(file_exists(out + "/checkpoints/state.pt"));
    CHECK_FALSE(file_exists(out + "/model.safetensors"));
    // Resumed at step 3 of epoch 1: steps 4-7 end epoch 1 (checkpoint at 6
    // and at the end), then steps 1-3 of epoch 2 (checkpoint at 3): killed.
    auto k2 = run_killed_at_step(with(args, {"--resume"}), "7");
    INFO(k2.err);
    CHECK(k2.exit_code == 128 + 9);
    CHECK_THAT(k2.err, Catch::Contains("pretrain: resuming after step 3 of epoch 1 of 3 (no "
                                       "epoch finished yet)"));
    CHECK_THAT(k2.err, Catch::Contains("pretrain epoch 1/3: train loss"));
    // SIGINT after step 2 of this resume (step 5 of epoch 2): the note names
    // the last checkpoint, step 3 of epoch 2.
    auto i = run_killed_at_step(with(args, {"--resume"}), "2:INT");
    INFO(i.err);
    CHECK(i.exit_code == 130);
    CHECK_THAT(i.err, Catch::Contains("pretrain: resuming after step 3 of epoch 2 of 3 (best "
                                      "epoch 1, valid loss "));
    CHECK_THAT(i.err, Catch::Contains("/checkpoints' keeps the work done so far (step 3 of "
                                      "epoch 2 of 3): the same command with --resume"));
    // The last piece without --checkpoint-every: the option may change.
    auto r = run_plmkit(with(smiles_args(out), {"--resume"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("pretrain: resuming after step 3 of epoch 2 of 3"));
    CHECK_THAT(r.err, Catch::Contains("pretrain epoch 2/3: train loss"));
    require_same_dir(want, out);
}

TEST_CASE("cli pretrain protein: killed mid-epoch, resumed in pieces, byte-identical",
          "[pretrain][protein][resume][pieces]") {
    const std::string want = fresh_path("cli_esm_steps_want");
    CHECK_THAT(whole_run(protein_args(want)), Catch::Contains(", 12 steps"));
    const std::string out = fresh_path("cli_esm_steps");
    // Steps 1-4 of epoch 1 (checkpoints at 2 and 4), killed after step 5:
    // steps 5 is lost, no more.
    auto k = run_killed_at_step(with(protein_args(out), {"--checkpoint-every", "2"}), "5");
    CHECK(k.exit_code == 128 + 9);
    REQUIRE(file_exists(out + "/checkpoints/state.pt"));
    REQUIRE(file_exists(out + "/model.safetensors"));  // epoch 0, the input model
    // Resumed at step 4 of epoch 1: ends epoch 1 and stops as asked.
    auto a = run_plmkit(with(protein_args(out), {"--resume", "--stop-after-epochs", "1"}));
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    CHECK_THAT(a.err, Catch::Contains("pretrain: resuming after step 4 of epoch 1 of 2 (best "
                                      "epoch 0, valid loss "));
    CHECK_THAT(a.err, Catch::Contains("pretrain epoch 1/2: train loss"));
    CHECK_THAT(a.err, Catch::Contains("pretrain: stopped after 1 epoch as asked (epoch 1 of 2)"));
    CHECK_THAT(a.err, Catch::Contains("(so far: --resume continues the run)"));
    auto r = run_plmkit(with(protein_args(out), {"--resume"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("pretrain: resuming after epoch 1 of 2"));
    require_same_dir(want, out);
}
