// `plmkit embed --resume`: a run killed after some checkpoint parts (the
// PLMKIT_TEST_KILL_AFTER_PARTS hook sends the process SIGKILL, as a Slurm time
// limit would) and resumed gives the datasets and rejects of one uninterrupted
// run; a resume with other options or another input is refused, and so is a
// plain rerun over the checkpoints.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/cli/hdf5_compare.hpp"
#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
namespace test = plmkit::test;
namespace fs = std::filesystem;

namespace {
const std::string kModel = test::esm2_tiny_model();

/// 13 records: 9 good (two longer than --truncate 30), 4 rejected, spread
/// over the checkpoint parts of --checkpoint-every 2.
std::string fasta_text() {
    return ">a1\nMKTAYIAKQRQISFVKSHFSRQ\n"
           ">bad1\nMKT1AY\n"
           ">a2\nGSHMLEDPVDAFQ\n"
           ">a3\nMKVLAAGIVGLLLAACSSEKKEEAPAAAQPTAEAPAAPAAEPAKA\n"
           ">a4\nPEPTIDE\n"
           ">empty\n\n"
           ">a5\nACDEFGHIKLMNPQRSTVWY\n"
           ">bad2\nMK<cls>AY\n"
           ">a6\nMSTNPKPQRKTKRNTNRRPQDVKFPGG\n"
           ">a7\nMKWVTFISLLFLFSSAYSRGVFRRDAHKSEVAHRFKDLGE\n"
           ">bad3\nAC9\n"
           ">a8\nMALWMRLLPLLALLALWGPDPAAA\n"
           ">a9\nQQQ\n";
}

/// The run's command line; an option in `more` replaces its default here.
std::vector<std::string> embed_args(const std::string& input, const std::string& out,
                                    std::vector<std::string> more = {},
                                    const std::string& model = kModel) {
    std::vector<std::pair<std::string, std::string>> opts = {
        {"--model", model},   {"--input", input},
        {"--output", out},    {"--include", "mean,per_tok,contacts"},
        {"--layers", "0,-1"}, {"--truncate", "30"},
        {"--threads", "1"},   {"--checkpoint-every", "2"}};
    std::vector<std::string> a = {"-q", "embed"};
    for (const auto& [name, value] : opts)
        if (std::find(more.begin(), more.end(), name) == more.end()) {
            a.push_back(name);
            a.push_back(value);
        }
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

/// Runs embed_args, killed after `parts` checkpoint parts.
test::RunResult run_killed(const std::vector<std::string>& args, int parts) {
    test::ScopedEnv env({{"PLMKIT_TEST_KILL_AFTER_PARTS", std::to_string(parts)}});
    return run_plmkit(args);
}

void require_same_output(const std::string& want, const std::string& got) {
    plmkit::Hdf5Reader a(want), b(got);
    test::require_same_datasets(a, b);
    // The joined parts keep the last layer (3) stored once: /layers/3/...
    // are hard links to the top-level datasets, as in a part.
    std::vector<std::string> links;
    for (const auto& d : b.datasets())
        if (!d.link_of.empty()) links.push_back(d.name + " -> " + d.link_of);
    CHECK(links ==
          std::vector<std::string>{"layers/3/mean -> mean", "layers/3/per_tok -> per_tok"});
    test::require_same_attributes(a, b, {"created", "command_line"});
    CHECK(read_file(want + ".rejects.tsv") == read_file(got + ".rejects.tsv"));
}

/// Writes in.fasta into `dir` and the uninterrupted run of it (with `more`)
/// as one.h5; returns `dir`.
std::string uninterrupted_run(const std::string& dir, const std::vector<std::string>& more) {
    test::write_file(dir + "/in.fasta", fasta_text());
    const std::string one = dir + "/one.h5";
    auto r = run_plmkit(embed_args(dir + "/in.fasta", one, more));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_FALSE(file_exists(one + ".partial"));
    return dir;
}

/// A fresh folder `dir` for a test's runs; in.fasta and the uninterrupted
/// run's one.h5 (options `more`) beside them. Without `more`, the input and
/// one.h5 of one run made once for all the test cases and SECTIONs here
/// (only read).
struct Setup {
    std::string dir, input, one;
    explicit Setup(const std::string& name, const std::vector<std::string>& more = {}) {
        dir = test::fresh_dir(name);
        const std::string ref =
            more.empty() ? test::built_once(
                               "embed_resume_one",
                               [] { return uninterrupted_run(test::fresh_dir("resume_one"), {}); })
                         : uninterrupted_run(dir, more);
        input = ref + "/in.fasta";
        one = ref + "/one.h5";
    }
};
}  // namespace

TEST_CASE("cli embed --resume: a killed run resumed gives the uninterrupted run's file",
          "[cli][embed][resume]") {
    Setup s("resume_same");
    const std::string two = s.dir + "/two.h5";
    const auto args = embed_args(s.input, two);
    auto resume_args = args;
    resume_args.push_back("--resume");
    // The reference holds what the test expects: 9 sequences, 4 rejects.
    REQUIRE(plmkit::Hdf5Reader(s.one).info("ids").rows == 9);
    REQUIRE(read_file(s.one + ".rejects.tsv").find("bad3") != std::string::npos);

    SECTION("killed after 1 part, then after 2 more, then resumed to the end") {
        auto k = run_killed(args, 1);
        CHECK(k.exit_code == 128 + 9);
        CHECK(file_exists(two + ".partial/state.json"));
        CHECK_FALSE(file_exists(two));
        CHECK_FALSE(file_exists(two + ".rejects.tsv"));
        auto k2 = run_killed(resume_args, 2);
        CHECK(k2.exit_code == 128 + 9);
        auto r = run_plmkit(resume_args);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    SECTION("killed after the last part, before the output was written") {
        // 13 records, 9 accepted in windows of 2: 5 parts.
        auto k = run_killed(args, 5);
        CHECK(k.exit_code == 128 + 9);
        CHECK_FALSE(file_exists(two));
        auto loud = resume_args;
        loud.erase(loud.begin());  // no -q: the summary counts the checkpoints' sequences
        auto r = run_plmkit(loud);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("--resume: 5 parts in " + two +
                                          ".partial hold 13 "
                                          "records; continuing with input record 14") &&
                              Catch::Contains("embedded 9 sequences (2 truncated), 4 rejected") &&
                              Catch::Contains("9 of the sequences came from the checkpoints"));
    }
    SECTION("--resume without checkpoints starts at the first record") {
        auto r = run_plmkit(resume_args);
        REQUIRE(r.exit_code == 0);
    }
    require_same_output(s.one, two);
    CHECK_FALSE(file_exists(two + ".partial"));
    // Every reject once, as in the single run: header + 4 rows.
    const std::string rejects = read_file(two + ".rejects.tsv");
    CHECK(std::count(rejects.begin(), rejects.end(), '\n') == 5);
}

TEST_CASE("cli embed --resume: a run stopped by Ctrl-C says where its parts are and resumes",
          "[cli][embed][resume]") {
    // The message used to be only "plmkit: error: interrupted", leaving the
    // user to find the .partial folder and --resume in the docs.
    Setup s("resume_ctrl_c");
    const std::string two = s.dir + "/two.h5";
    auto args = embed_args(s.input, two);
    test::RunResult r;
    {
        test::ScopedEnv env({{"PLMKIT_TEST_KILL_AFTER_PARTS", std::string("2:INT")}});
        r = run_plmkit(args);
    }
    INFO(r.err);
    CHECK(r.exit_code == 130);
    // Parts 1 and 2 hold a1 bad1 a2 | a3 a4: 5 records, the next is record 6.
    CHECK_THAT(r.err, Catch::Contains(two + ".partial keeps 2 finished checkpoint parts of "
                                            "this run (5 records done): run the same command "
                                            "with --resume to continue with input record 6") &&
                          Catch::Contains("plmkit: error: interrupted"));
    args.push_back("--resume");
    auto resumed = run_plmkit(args);
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    require_same_output(s.one, two);
}

TEST_CASE("cli embed --resume: a run that fails after some parts says how to go on",
          "[cli][embed][resume]") {
    // --long error stops at a3 (45 residues > --truncate 30), after part 1.
    Setup s("resume_long_error");
    const std::string two = s.dir + "/two.h5";
    auto r = run_plmkit(embed_args(s.input, two, {"--long", "error"}));
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err,
               Catch::Contains("record 'a3' has 45 residues") &&
                   Catch::Contains(two + ".partial keeps 1 finished checkpoint part of this run") &&
                   Catch::Contains("delete " + two + ".partial instead"));
}

TEST_CASE("cli embed --resume: a shard resumes into its own file", "[cli][embed][resume]") {
    Setup s("resume_shard", {"--shard", "1/2"});
    const std::string one = s.dir + "/one.shard-1-of-2.h5";
    const std::string two = s.dir + "/two.h5";
    auto args = embed_args(s.input, two, {"--shard", "1/2"});
    CHECK(run_killed(args, 1).exit_code == 128 + 9);
    CHECK(file_exists(s.dir + "/two.shard-1-of-2.h5.partial/state.json"));
    args.push_back("--resume");
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    require_same_output(one, s.dir + "/two.shard-1-of-2.h5");
}

namespace {

/// The run the refusals below are tried on: killed after 2 parts, made once
/// for all their SECTIONs (a refusal leaves it as it was, checked).
struct KilledRun {
    std::string input, two, model, state;
};

const KilledRun& killed_run() {
    static const KilledRun k = [] {
        const std::string dir = test::fresh_dir("resume_refused");
        KilledRun run;
        run.input = dir + "/in.fasta";
        run.two = dir + "/two.h5";
        test::write_file(run.input, fasta_text());
        // A model of its own, so that its weights can change under the same name.
        run.model = test::copy_fixture_model("resume_refused_model");
        REQUIRE(run_killed(embed_args(run.input, run.two, {}, run.model), 2).exit_code == 128 + 9);
        run.state = read_file(run.two + ".partial/state.json");
        return run;
    }();
    return k;
}

}  // namespace

TEST_CASE("cli embed --resume: other options, another input or no --resume are refused",
          "[cli][embed][resume]") {
    const KilledRun& k = killed_run();
    const std::string &input = k.input, &two = k.two, &model = k.model;
    auto refused = [&](std::vector<std::string> more, const std::string& what) {
        more.push_back("--resume");
        auto r = run_plmkit(embed_args(input, two, more, model));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--resume: this run differs from the interrupted one") &&
                              Catch::Contains("'" + what + "'") &&
                              Catch::Contains(two + ".partial"));
    };
    SECTION("--include") {
        refused({"--include", "mean"}, "include");
    }
    SECTION("--layers") {
        refused({"--layers", "1,-1"}, "layers");
    }
    SECTION("--truncate") {
        refused({"--truncate", "40"}, "truncate");
    }
    SECTION("--long") {
        refused({"--long", "skip"}, "long_policy");
    }
    SECTION("--dtype") {
        refused({"--dtype", "bf16"}, "dtype");
    }
    SECTION("--max-tokens") {
        refused({"--max-tokens", "100"}, "max_tokens");
    }
    SECTION("--checkpoint-every") {
        refused({"--checkpoint-every", "3"}, "checkpoint_every");
    }
    SECTION("the model's weights changed (same folder, same shapes)") {
        const std::string path = model + "/model.safetensors";
        auto bytes = read_file(path);
        bytes[bytes.size() - 1] ^= 0x01;  // the last byte of the last tensor
        test::ScopedFile changed(path, bytes);
        refused({}, "model_hash");
    }
    SECTION("the input changed in place (same name)") {
        test::ScopedFile changed(input, fasta_text() + ">a10\nMKV\n");
        refused({}, "input_bytes");
    }
    SECTION("the input changed, same size") {
        auto text = fasta_text();
        text[text.find("QQQ")] = 'K';
        test::ScopedFile changed(input, text);
        refused({}, "input_xxh64");
    }
    SECTION("a plain rerun is refused, naming the folder and --resume") {
        auto r = run_plmkit(embed_args(input, two, {}, model));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(two + ".partial holds 2 finished parts") &&
                              Catch::Contains("--resume"));
    }
    // Refusals leave the checkpoints as they were, and no output.
    CHECK(read_file(two + ".partial/state.json") == k.state);
    CHECK_FALSE(file_exists(two));
}

TEST_CASE("cli embed --resume: standard input or a pipe cannot be resumed, and is read once",
          "[cli][embed][resume]") {
    const std::string out = temp_path("resume_stdin.h5");
    auto r = run_plmkit({"embed", "--model", kModel, "--input", "-", "--output", out, "--resume"},
                        fasta_text());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--resume needs --input to be a regular file: standard "
                                      "input cannot be read again"));
    auto fifo = test::make_fifo("resume_fifo");
    r = run_plmkit({"embed", "--model", kModel, "--input", fifo, "--output", out, "--resume"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("'" + fifo + "' (a pipe or device) cannot be read again"));
    // Without --resume a pipe is embedded whole: fingerprinting the input
    // must not read it before the run does (`--input <(zcat ...)`).
    const std::string input = temp_path("resume_pipe.fasta");
    test::write_file(input, fasta_text());
    const std::string cmd = "bash -c \"'" + test::plmkit_bin() + "' -q embed --model '" + kModel +
                            "' --input <(cat '" + input + "') --output '" + out + "' --threads 1\"";
    REQUIRE(std::system(cmd.c_str()) == 0);
    CHECK(plmkit::Hdf5Reader(out).info("ids").rows == 9);
    CHECK_FALSE(file_exists(out + ".partial"));
}

// The join of the parts reads every float once more and writes the output
// compressed; parts compressed too cost a second gzip pass over the run
// (about a third of the CPU time of a --include per_tok,logits run of the
// fixture). Parts are now written uncompressed: a part is at least its raw
// per_tok bytes, the joined output (gzip) less than the run's.
TEST_CASE("cli embed: checkpoint parts are uncompressed, the joined output compressed",
          "[cli][embed][resume]") {
    const std::string dir = temp_path("resume_uncompressed");
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string out = dir + "/emb.h5";
    const std::string fa = shared_path("fixtures/esm2_tiny/sequences.fasta");
    const std::vector<std::string> args = {"-q",
                                           "embed",
                                           "--model",
                                           kModel,
                                           "--input",
                                           fa,
                                           "--output",
                                           out,
                                           "--include",
                                           "per_tok",
                                           "--threads",
                                           "1",
                                           "--checkpoint-every",
                                           "4"};
    auto killed = run_killed(args, 1);
    REQUIRE(killed.exit_code != 0);
    const std::string part = out + ".partial/part-000000.h5";
    REQUIRE(file_exists(part));
    {
        plmkit::Hdf5Reader p(part);
        const auto raw = p.info("per_tok").rows * p.info("per_tok").cols * 4;
        CHECK(fs::file_size(part) >= raw);
    }
    auto resume_args = args;
    resume_args.push_back("--resume");
    auto r = run_plmkit(resume_args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    plmkit::Hdf5Reader f(out);
    const auto raw = f.info("per_tok").rows * f.info("per_tok").cols * 4;
    CHECK(f.info("per_tok").rows == 1022 + 458 + 99 + 20 + 80 + 71 + 99);
    CHECK(fs::file_size(out) < raw);
}

// After the progress line reaches 100% the join reads and compresses the
// whole output once more (minutes for per_tok of a large model), without a
// word until the summary.
TEST_CASE("cli embed: the join of several checkpoint parts is announced", "[cli][embed][resume]") {
    const std::string dir = temp_path("join_announced");
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string out = dir + "/emb.h5";
    const std::string fa = shared_path("fixtures/esm2_tiny/sequences.fasta");
    auto r = run_plmkit({"embed", "--model", kModel, "--input", fa, "--output", out, "--threads",
                         "1", "--checkpoint-every", "2"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err,
               Catch::Contains("plmkit: joining the 4 checkpoint parts in " + out + ".partial (") &&
                   Catch::Contains(" MB) into " + out + "\n"));
    // One part (the default window holds all 7): nothing to announce.
    auto one =
        run_plmkit({"embed", "--model", kModel, "--input", fa, "--output", out, "--threads", "1"});
    REQUIRE(one.exit_code == 0);
    CHECK_THAT(one.err, !Catch::Contains("joining"));
}
