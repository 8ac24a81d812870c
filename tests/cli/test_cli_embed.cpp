#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;

namespace {
const std::string kModel = shared_path("fixtures/esm2_tiny/model");
const std::string kFasta = shared_path("fixtures/esm2_tiny/sequences.fasta");

}  // namespace

TEST_CASE("cli embed: help lists the options and examples", "[cli][embed]") {
    auto r = run_plmkit({"embed", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* opt :
         {"--model", "--input", "--output", "--include", "--layers", "--max-tokens", "--truncate",
          "--long", "--device", "--dtype", "--threads", "--shard", "--resume", "--checkpoint-every",
          "--repr_layers", "--toks_per_batch", "--truncation_seq_length", "--nogpu", "Examples:"})
        CHECK_THAT(r.out, Catch::Contains(opt));
}

TEST_CASE("cli embed: writes the HDF5 file and a one-line summary", "[cli][embed]") {
    auto out = temp_path("cli.v1.h5");  // several dots: the rejects append to the whole name
    auto r =
        run_plmkit({"embed", "--model", kModel, "--input", kFasta, "--output", out, "--include",
                    "mean,bos", "--layers", "-1,0", "--threads", "2", "--max-tokens", "2048"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("embedded 7 sequences (1 truncated), 0 rejected -> " + out));
    CHECK_THAT(r.err, Catch::Contains("residues/s)"));
    CHECK(plmkit::test::file_exists(out));
    CHECK(plmkit::test::file_exists(out + ".rejects.tsv"));
    CHECK_FALSE(plmkit::test::file_exists(out.substr(0, out.size() - 3) + ".rejects.tsv"));
    // Quiet mode prints nothing on success.
    auto q = run_plmkit({"-q", "embed", "--model", kModel, "--input", kFasta, "--output", out});
    CHECK(q.exit_code == 0);
    CHECK(q.err.empty());
}

TEST_CASE("cli embed: errors exit with the documented codes and name the culprit", "[cli][embed]") {
    auto out = temp_path("cli_err.h5");
    SECTION("missing model directory: exit 5") {
        auto r =
            run_plmkit({"embed", "--model", "/no/such/model", "--input", kFasta, "--output", out});
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err,
                   Catch::StartsWith("plmkit: error: ") && Catch::Contains("/no/such/model"));
    }
    SECTION("missing input: exit 4") {
        auto r = run_plmkit(
            {"embed", "--model", kModel, "--input", "/no/such/in.fasta", "--output", out});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("/no/such/in.fasta"));
    }
    SECTION("bad --include: exit 2 naming the item and the valid ones") {
        auto r = run_plmkit({"embed", "--model", kModel, "--input", kFasta, "--output", out,
                             "--include", "mean,attn"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err,
                   Catch::Contains("unknown --include item 'attn'") && Catch::Contains("per_tok"));
    }
    SECTION("layer out of range: exit 2 with the valid range") {
        auto r = run_plmkit(
            {"embed", "--model", kModel, "--input", kFasta, "--output", out, "--layers", "7"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("valid -4..3"));
    }
    SECTION("bad --long, missing --output: exit 2") {
        CHECK(run_plmkit({"embed", "--model", kModel, "--input", kFasta, "--output", out, "--long",
                          "wrap"})
                  .exit_code == 2);
        CHECK(run_plmkit({"embed", "--model", kModel, "--input", kFasta}).exit_code == 2);
    }
    SECTION("--long error on a long record: exit 3 with file:line") {
        auto r = run_plmkit(
            {"embed", "--model", kModel, "--input", kFasta, "--output", out, "--long", "error"});
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("'Q12176'") && Catch::Contains("1025 residues"));
        CHECK_FALSE(plmkit::test::file_exists(out));
    }
    CHECK_FALSE(plmkit::test::file_exists(out));
}

TEST_CASE("cli embed: --device takes the spellings its help lists, not 'gpu'",
          "[cli][embed][device]") {
    auto out = temp_path("cli_device.h5");
    auto r = run_plmkit(
        {"embed", "--model", kModel, "--input", kFasta, "--output", out, "--device", "gpu"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--device 'gpu': expected auto, cpu, cuda or cuda:N"));
    CHECK_FALSE(plmkit::test::file_exists(out));
    auto help = run_plmkit({"embed", "--help"});
    CHECK_THAT(help.out, Catch::Contains("auto, cpu, cuda or cuda:N"));
}

TEST_CASE("cli embed: /original_lengths tells which sequences --long truncate cut",
          "[cli][embed][truncate]") {
    // Residues per record of the fixture FASTA, counted by hand (awk): only
    // Q12176 (1,025) is longer than the default --truncate 1022.
    const std::vector<std::int64_t> input_lengths{99, 458, 1025, 20, 80, 71, 99};
    auto out = temp_path("cli_orig_len.h5");
    auto r = run_plmkit({"embed", "--model", kModel, "--input", kFasta, "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("embedded 7 sequences (1 truncated)") &&
                          Catch::Contains("the truncated ones have /original_lengths > /lengths"));
    CHECK_THAT(r.err, !Catch::Contains("ESM-2 was trained on"));
    plmkit::Hdf5Reader f(out);
    REQUIRE(f.has_dataset("original_lengths"));
    CHECK(f.read_i64("original_lengths", 0, 7) == input_lengths);
    CHECK(f.read_i64("lengths", 0, 7) == std::vector<std::int64_t>{99, 458, 1022, 20, 80, 71, 99});
    CHECK(f.read_strings("ids", 2, 1) == std::vector<std::string>{"Q12176"});
    SECTION("nothing truncated: the summary has no hint and the lengths agree") {
        auto r0 = run_plmkit(
            {"embed", "--model", kModel, "--input", kFasta, "--output", out, "--truncate", "0"});
        REQUIRE(r0.exit_code == 0);
        CHECK_THAT(r0.err, Catch::Contains("(0 truncated)"));
        CHECK_THAT(r0.err, !Catch::Contains("original_lengths"));
        // Q12176 (line 13 of the FASTA) is past ESM-2's training length: one warning.
        CHECK_THAT(r0.err, Catch::Contains(
                               "sequences.fasta:13: record 'Q12176' has 1025 residues, more than "
                               "the 1022 ESM-2 was trained on (1024 positions with <cls> and "
                               "<eos>); with --truncate 0 it is embedded whole"));
        CHECK_THAT(r0.err, !Catch::Contains("sequences.fasta:4:"));
        plmkit::Hdf5Reader g(out);
        CHECK(g.read_i64("original_lengths", 0, 7) == input_lengths);
        CHECK(g.read_i64("lengths", 0, 7) == input_lengths);
    }
}

TEST_CASE("cli embed: on a terminal the progress line shows the total records",
          "[cli][embed][progress]") {
    // The line is drawn only when stderr is a terminal: util-linux script(1)
    // gives the run one. Rejected records count as done, so it ends at 4/4.
    if (::access("/usr/bin/script", X_OK) != 0) {
        WARN("no /usr/bin/script: the progress line is not checked");
        return;
    }
    auto fa = plmkit::test::write_temp("cli_progress.fa", ">a\nMKTAY\n>b\nMK1\n>c\nGGGG\n>d\nMK\n");
    auto out = temp_path("cli_progress.h5");
    const std::string cmd = "/usr/bin/script -qec \"" + plmkit::test::plmkit_bin() +
                            " embed --model " + kModel + " --input " + fa + " --output " + out +
                            "\" /dev/null 2>&1";
    std::string text;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;)
        text.append(buf, n);
    CHECK(::pclose(p) == 0);
    INFO(text);
    CHECK_THAT(text, Catch::Contains("embedding: 4/4 (100%) sequences"));
    CHECK_THAT(text, Catch::Contains("embedded 3 sequences (0 truncated), 1 rejected"));
    SECTION("a shard counts its own records: 2 of the 4") {
        const std::string shard_cmd = "/usr/bin/script -qec \"" + plmkit::test::plmkit_bin() +
                                      " embed --model " + kModel + " --input " + fa + " --output " +
                                      out + " --shard 1/2\" /dev/null 2>&1";
        std::string shard_text;
        FILE* q = ::popen(shard_cmd.c_str(), "r");
        REQUIRE(q);
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, q)) > 0;)
            shard_text.append(buf, n);
        CHECK(::pclose(q) == 0);
        INFO(shard_text);
        CHECK_THAT(shard_text, Catch::Contains("embedding: 2/2 (100%) sequences"));
    }
}

TEST_CASE("cli embed: a pipe input on a terminal is read once, by the run",
          "[cli][embed][progress]") {
    // On a terminal the progress total comes from counting the records first;
    // a pipe cannot be read twice, so it is not counted (the count used to
    // drain it and the run then waited for a writer that had gone).
    if (!plmkit::test::have_script()) {
        WARN("no /usr/bin/script: the terminal case is not checked");
        return;
    }
    auto fa = plmkit::test::write_temp("cli_pipe_in.fa", ">a\nMKTAY\n>b\nMK1\n>c\nGGGG\n>d\nMK\n");
    auto fifo = plmkit::test::make_fifo("cli_pipe_in.fifo");
    auto out = temp_path("cli_pipe_out.h5");
    std::string text;
    int rc = plmkit::test::run_in_terminal("cat " + fa + " > " + fifo + " & timeout 120 " +
                                               plmkit::test::plmkit_bin() + " embed --model " +
                                               kModel + " --input " + fifo + " --output " + out,
                                           text);
    INFO(text);
    CHECK(rc == 0);
    CHECK_THAT(text, Catch::Contains("embedded 3 sequences (0 truncated), 1 rejected"));
}

TEST_CASE("cli embed: a batch job's log (stderr not a terminal) gets progress lines",
          "[cli][embed][progress]") {
    // A Slurm job's stderr is a file: no line is drawn there, so the log said
    // nothing between the model loading and the summary, for hours. After the
    // first finished window (and then at most once a minute) a plain line
    // says how far the run is. 6 records, --checkpoint-every 2 (accepted
    // sequences): the first part ends after record 3 (one is rejected).
    auto fa = plmkit::test::write_temp("cli_batch_progress.fa",
                                       ">a\nMKTAY\n>b\nMK1\n>c\nGGGG\n>d\nMK\n>e\nMKV\n>f\nAAAA\n");
    auto out = temp_path("cli_batch_progress.h5");
    std::vector<std::string> args = {
        "embed", "--model", kModel, "--input", fa, "--output", out, "--checkpoint-every", "2"};
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("plmkit: embedding: 3/6 (50%) sequences, ") &&
                          Catch::Contains(", ETA ") &&
                          Catch::Contains("(1 checkpoint part in " + out + ".partial)"));
    CHECK_THAT(r.err, !Catch::Contains("\r"));
    SECTION("-q leaves them out") {
        args.insert(args.begin(), "-q");
        auto q = run_plmkit(args);
        CHECK(q.exit_code == 0);
        CHECK_THAT(q.err, !Catch::Contains("embedding:"));
    }
}

TEST_CASE("cli embed: when every record is rejected, a warning says the output is empty",
          "[cli][embed]") {
    // 'MK1', 'AC2': digits are not residues, so both records are rejected.
    auto fa = plmkit::test::write_temp("cli_all_rejected.fa", ">a\nMK1\n>b\nAC2\n");
    auto out = temp_path("cli_all_rejected.h5");
    auto r = run_plmkit({"embed", "--model", kModel, "-i", fa, "-o", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("plmkit: warning: every one of the 2 input records was "
                                      "rejected: the output holds no embeddings; the reasons "
                                      "are in " +
                                      out + ".rejects.tsv"));
    // One good record among them: no such warning.
    auto mixed = plmkit::test::write_temp("cli_some_rejected.fa", ">a\nMK1\n>b\nMKTAY\n");
    auto r2 = run_plmkit({"embed", "--model", kModel, "-i", mixed, "-o", out});
    REQUIRE(r2.exit_code == 0);
    CHECK_THAT(r2.err, !Catch::Contains("every one of"));
}
