#include <nlohmann/json.hpp>
#include <string>

#include "tests/catch.hpp"
#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
using plmkit::test::ScopedEnv;

TEST_CASE("cli: --help lists the commands, --version prints the version", "[cli]") {
    auto help = run_plmkit({"--help"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("doctor"));
    CHECK_THAT(help.out, Catch::Contains("Examples:"));
    auto ver = run_plmkit({"--version"});
    CHECK(ver.exit_code == 0);
    CHECK_THAT(ver.out, Catch::StartsWith("plmkit 0."));
}

TEST_CASE("cli: usage errors exit 2 with one 'plmkit: error:' line", "[cli]") {
    auto r = run_plmkit({"no-such-command"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: "));
    CHECK_THAT(r.err, Catch::EndsWith("\nRun 'plmkit --help' for the commands.\n"));
    // The second line names the --help of the command that refused, however deep.
    auto vocab = run_plmkit({"vocab", "build", "--kind", "smiles", "in.smi", "-o", "-"});
    CHECK(vocab.exit_code == 2);
    CHECK_THAT(vocab.err, Catch::EndsWith("\nRun 'plmkit vocab build --help' for its options.\n"));
    auto layers =
        run_plmkit({"embed", "--model", "m", "-i", "in.fa", "-o", "x.h5", "--layers", "0", "1"});
    CHECK(layers.exit_code == 2);
    CHECK_THAT(layers.err, Catch::EndsWith("\nRun 'plmkit embed --help' for its options.\n"));
    auto none = run_plmkit({});
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.err, Catch::Contains("subcommand"));
}

TEST_CASE("cli: an option the command does not have is named along with a missing one", "[cli]") {
    // CLI11 checks required options first: `embed --out x.h5` (a guess at
    // --output) was told only "--output is required".
    SECTION("embed --out") {
        auto r = run_plmkit({"embed", "--model", "m", "--input", "in.fa", "--out", "x.h5"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: 'plmkit embed' has no option "
                                            "'--out'; also --output is required\n"));
    }
    // With nothing missing, CLI11 said "The following arguments were not
    // expected: y.h5 --outt", the value first and the option last.
    SECTION("embed --outt, --output given") {
        auto r = run_plmkit(
            {"embed", "--model", "m", "--input", "in.fa", "-o", "x.h5", "--outt", "y.h5"});
        CHECK(r.exit_code == 2);
        // A close name of the command's own gets a did-you-mean.
        CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: 'plmkit embed' has no option "
                                            "'--outt' (did you mean --output?)\nRun 'plmkit "
                                            "embed --help' for its options.\n"));
    }
    SECTION("passed on by slurm embed") {
        auto r = run_plmkit({"slurm", "embed", "--array", "2", "--model", "m", "--input", "in.fa",
                             "-o", "x.h5", "--outt", "y.h5"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("would refuse the arguments passed on: 'plmkit embed' "
                                          "has no option '--outt' (did you mean --output?)\n"));
    }
    SECTION("a negative number or '-' is a value, not an unknown option") {
        auto r = run_plmkit({"embed", "--model", "m", "--layers", "-1", "--input", "-"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: --output is required\n"));
    }
}

TEST_CASE("cli: doctor reports libtorch, BLAS, threads, RDKit and HDF5", "[cli][doctor]") {
    auto r = run_plmkit({"doctor", "--json", "--threads", "2"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out,
               Catch::Contains("\"libtorch\": \"1.") || Catch::Contains("\"libtorch\": \"2."));
    CHECK_THAT(r.out, Catch::Contains("\"threads\": 2"));
    CHECK_THAT(r.out, Catch::Contains("\"rdkit\": \"20"));
    CHECK_THAT(r.out, Catch::Contains("\"hdf5\": \"1."));
    // scripts/setup.sh installs OpenBLAS; the reference BLAS would be a warning.
    CHECK_THAT(r.out, Catch::Contains("\"blas\": \"OpenBLAS\""));
    CHECK(r.err.find("reference BLAS") == std::string::npos);
#ifdef PLMKIT_EXPECT_TCMALLOC
    // Configured with tcmalloc: it must have replaced malloc in the process.
    CHECK_THAT(r.out, Catch::Contains("\"malloc\": \"tcmalloc\""));
#else
    CHECK_THAT(r.out, Catch::Contains("\"malloc\": \"glibc\""));
#endif
}

TEST_CASE("cli: OpenBLAS runs kernels for the CPU's instruction set, or the user's choice",
          "[cli][doctor]") {
    // This test process was itself re-executed with these set: start clean.
    ScopedEnv replaced({{"PLMKIT_OPENBLAS_REPLACED_CORE", std::nullopt}});
    SECTION("plmkit's choice") {
        ScopedEnv core({{"OPENBLAS_CORETYPE", std::nullopt}});
        auto r = run_plmkit({"doctor", "--json"});
        REQUIRE(r.exit_code == 0);
        const auto j = nlohmann::json::parse(r.out);
        if (j["blas"] != "OpenBLAS") return;  // nothing to choose (checked above)
        const std::string k = j["blas_kernels"];
#if defined(__x86_64__)
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
            // Debian 12's OpenBLAS falls back to Prescott (SSE3) on CPUs newer
            // than it: plmkit must have replaced those kernels.
            const bool fast = k == "Haswell" || k == "Zen" || k == "SkylakeX" ||
                              k == "Cooperlake" || k == "SapphireRapids";
            INFO("kernels " << k << ", OpenBLAS's pick " << j["blas_kernels_replaced"]);
            CHECK(fast);
        }
#endif
        CHECK_FALSE(k.empty());
    }
    SECTION("OPENBLAS_CORETYPE set by the user is kept") {
        ScopedEnv core({{"OPENBLAS_CORETYPE", std::string("PRESCOTT")}});
        auto r = run_plmkit({"doctor", "--json"});
        REQUIRE(r.exit_code == 0);
        const auto j = nlohmann::json::parse(r.out);
        if (j["blas"] != "OpenBLAS") return;
        CHECK(j["blas_kernels"] == "Prescott");
        CHECK(j["blas_kernels_replaced"] == "");
    }
}

TEST_CASE("cli: each command's --help speaks of that command only", "[cli][help]") {
    // --device and --dtype are shared by train, predict and evaluate; their
    // help once told predict and evaluate users what train refuses.
    for (const char* cmd : {"predict", "evaluate"}) {
        auto r = run_plmkit({cmd, "--help"});
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, !Catch::Contains("train refuses") && !Catch::Contains("(train:"));
        CHECK_THAT(r.out, Catch::Contains("(default: the model's, from its config.json)"));
    }
    auto train = run_plmkit({"train", "--help"});
    CHECK_THAT(train.out, Catch::Contains("cuda without --featurizer esm is refused"));
    CHECK_THAT(train.out, Catch::Contains("fp32 (default), bf16 or fp16"));
    // "TEXT:FILE" is how CLI11 marks a file that must exist: not vocab.txt.
    auto vocab = run_plmkit({"vocab", "build", "--help"});
    CHECK_THAT(vocab.out, Catch::Contains("-o,--output TEXT REQUIRED"));
    CHECK_THAT(vocab.out, !Catch::Contains("TEXT:FILE"));
    // Two examples are "Examples:", as in every other command's help.
    auto doctor = run_plmkit({"doctor", "--help"});
    CHECK_THAT(doctor.out, Catch::Contains("Examples:\n  plmkit doctor\n  plmkit doctor --json"));
    // One blank line between the options and the footer: screen's hidden
    // --model (group "") once added a second one before "Examples:".
    auto screen = run_plmkit({"screen", "--help"});
    CHECK_THAT(screen.out, Catch::Contains("Never draw the progress line\n\nExamples:\n"));
    CHECK_THAT(screen.out, !Catch::Contains("-model"));
    for (const char* cmd : {"embed", "screen", "train", "predict", "evaluate", "pretrain", "merge",
                            "slurm", "doctor", "tokenize", "vocab"}) {
        INFO(cmd);
        auto r = run_plmkit({cmd, "--help"});
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, !Catch::Contains("\n\n\n"));
    }
}
