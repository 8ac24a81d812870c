// plmkit pretrain as the user sees it: a second run into the same LM_DIR
// is refused, and the skipped records are in LM_DIR/rejects.tsv.
#include <unistd.h>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_file;

TEST_CASE("cli pretrain: an existing LM_DIR is refused; skips go to rejects.tsv",
          "[cli][pretrain_checks]") {
    const std::string data = temp_path("cli_pretrain_skips.smi");
    std::string text;
    for (int i = 0; i < 30; ++i)
        text += (i % 4 == 0 ? std::string(50, 'C') : "CC" + std::string(i % 6, 'O')) + " m" +
                std::to_string(i) + "\n";
    write_file(data, text);
    const std::string out = temp_path("cli_lm_twice");
    const std::vector<std::string> args = {
        "pretrain", "--data",    data,       "--output",  out,       "--epochs", "1",
        "--hidden", "16",        "--layers", "1",         "--heads", "2",        "--ffn",
        "32",       "--max-len", "32",       "--threads", "1"};
    auto first = run_plmkit(args);
    REQUIRE(first.exit_code == 0);
    CHECK_THAT(first.err, Catch::Contains("8 of 30 records skipped (the first 5 named above), "
                                          "each with its reason in " +
                                          out + "/rejects.tsv"));
    const std::string rejects = read_file(out + "/rejects.tsv");
    CHECK_THAT(rejects, Catch::StartsWith("index\tid\tsmiles\treason\tline\n0\tm0\t"));
    CHECK_THAT(rejects, Catch::Contains("\n28\tm28\t" + std::string(50, 'C') +
                                        "\t50 tokens, more than --max-len - 2\t29\n"));
    const std::string config = read_file(out + "/config.json");
    auto second = run_plmkit(args);
    CHECK(second.exit_code == 2);
    CHECK_THAT(second.err,
               Catch::Contains("--output '" + out + "' already exists and is not empty"));
    CHECK(read_file(out + "/config.json") == config);
}

TEST_CASE("cli pretrain: negative counts are usage errors, not huge numbers",
          "[cli][pretrain_checks]") {
    const std::string out = temp_path("cli_lm_negative");
    for (const char* flag : {"--max-tokens", "--min-freq", "--max-records", "--seed"}) {
        INFO(flag);
        auto r =
            run_plmkit({"pretrain", "--data", temp_path("none.smi"), "--output", out, flag, "-1"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(flag) && Catch::Contains("-1"));
    }
    CHECK(::access(out.c_str(), F_OK) != 0);
}

TEST_CASE("cli pretrain: a negative --log-every says what it must be", "[cli][pretrain_checks]") {
    // It said "Value -1 not in range 0.000000 to 17976931348623157..." (309 digits).
    const std::string out = temp_path("cli_lm_log_every");
    for (const char* kind : {"smiles", "protein"}) {
        INFO(kind);
        std::vector<std::string> args = {
            "pretrain", "--kind", kind,          "--data", temp_path("none.smi"),
            "--output", out,      "--log-every", "-1"};
        if (std::string(kind) == "protein")
            args.insert(args.end(), {"--esm-model", shared_path("fixtures/esm2_tiny/model")});
        auto r = run_plmkit(args);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--log-every must be >= 0 seconds (0 = after every "
                                          "step), got -1"));
        CHECK(r.err.size() < 200);
    }
    CHECK(::access(out.c_str(), F_OK) != 0);
}
