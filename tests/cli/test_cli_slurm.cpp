// `plmkit slurm screen|embed` without --submit, as a user runs it: the
// command's own options reach the generated array script unchanged, and the
// scripts, run by hand the way Slurm runs them (bash with
// SLURM_ARRAY_TASK_ID set), give the single run's outputs.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/cli/hdf5_compare.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using test::fresh_dir;
using test::run_plmkit;
using test::with;
namespace fs = std::filesystem;

namespace {
const std::string kModel = test::esm2_tiny_model();
const std::string kFasta = test::shared_path("fixtures/esm2_tiny/sequences.fasta");

/// Runs `script` with bash as array task `task` (or as a plain job when
/// task < 0), `env` ("NAME=value ...") added; returns the exit status and
/// fills `log` with its output.
int run_task(const std::string& script, int task, std::string& log, std::string env = "") {
    auto out = test::temp_path("task.log");
    if (task >= 0) env += " SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " ";
    int rc = std::system((env + "bash '" + script + "' >'" + out + "' 2>&1").c_str());
    log = test::read_file(out);
    return rc;
}

/// coreutils' nproc: the cores the CPU affinity allows.
std::string nproc_text() {
    std::string out;
    FILE* p = ::popen("nproc", "r");
    char buf[64];
    std::size_t n;
    while (p && (n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    if (p) ::pclose(p);
    return out.empty() ? "1" : out;
}

}  // namespace

TEST_CASE("cli slurm embed: options pass through, scripts merge to the single run",
          "[cli][slurm][embed]") {
    auto dir = fresh_dir("cli_slurm_embed");
    const std::vector<std::string> own = {"--model",       kModel,         "--input",
                                          kFasta,          "--include",    "mean,per_tok,logits",
                                          "--layers=-1,1", "--max-tokens", "1"};
    auto single = dir + "/single.h5";
    auto r = run_plmkit(with(with({"-q", "embed"}, own), {"--output", single}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    auto out = dir + "/emb.h5";
    auto g = run_plmkit(with(with({"slurm", "embed"}, own), {"--output", out, "--array", "3",
                                                             "--gpus", "1", "--time", "0:30:00"}));
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    const std::string array = out + ".slurm/embed-array.sh", merge = out + ".slurm/embed-merge.sh";
    CHECK_THAT(g.out, Catch::Contains("wrote " + array) && Catch::Contains("wrote " + merge) &&
                          Catch::Contains("sbatch --dependency=afterok:$jid"));
    auto text = test::read_file(array);
    CHECK_THAT(text, Catch::Contains("#SBATCH --array=0-2\n") &&
                         Catch::Contains("#SBATCH --gpus=1\n") &&
                         Catch::Contains("#SBATCH --time=0:30:00\n"));
    // The command's own options, in order and unchanged; the output per shard.
    CHECK_THAT(text,
               Catch::Contains(" embed --model " + kModel + " --input " + kFasta +
                               " --include mean,per_tok,logits --layers=-1,1 "
                               "--max-tokens 1 --output " +
                               dir + "/emb.shard-\"${I}\"-of-3.h5 --shard \"${I}/3\" --resume\n"));
    auto mtext = test::read_file(merge);
    CHECK_THAT(mtext, Catch::Contains(" merge --kind embed --output " + out + " " + dir +
                                      "/emb.shard-0-of-3.h5 " + dir + "/emb.shard-1-of-3.h5 " +
                                      dir + "/emb.shard-2-of-3.h5\n"));
    CHECK_THAT(mtext, !Catch::Contains("--gpus"));

    std::string log;
    {
        // Task 1 killed after its first window (a time limit): its re-run
        // goes on from the checkpoint (--resume in the script).
        test::ScopedEnv kill({{"PLMKIT_TEST_KILL_AFTER_PARTS", std::string("1")}});
        REQUIRE(run_task(array, 1, log) != 0);
        REQUIRE(test::file_exists(dir + "/emb.shard-1-of-3.h5.partial/state.json"));
    }
    for (int i = 0; i < 3; ++i) {
        INFO("array task " << i);
        REQUIRE(run_task(array, i, log) == 0);
    }
    CHECK_FALSE(test::file_exists(dir + "/emb.shard-1-of-3.h5.partial"));
    CHECK(run_task(array, 3, log) != 0);
    CHECK_THAT(log, Catch::Contains("only shards 0-2 exist"));
    INFO(log);
    REQUIRE(run_task(merge, -1, log) == 0);
    Hdf5Reader a(single), b(out);
    test::require_same_datasets(a, b);
    test::require_same_attributes(a, b, {"created", "command_line", "merged_shards"});
}

TEST_CASE("cli slurm screen: -i and the screen options reach the array script",
          "[cli][slurm][screen]") {
    auto dir = fresh_dir("cli_slurm_screen");
    auto lib = dir + "/lib.smi";
    test::write_file(lib,
                     "c1ccccc1O phenol\nCCN(CC)CC.Cl tea\nCCN(CC)CC tea2\nc1ccccc1C(=O)O bza\n"
                     "OC(=O)c1ccccc1 bza2\nCCCCCCCCCCCCCCCC c16\nc1ccncc1 pyr\nC1CC bad\n");
    auto single = dir + "/single.csv";
    REQUIRE(run_plmkit({"-q", "screen", "-i", lib, "-o", single, "--top", "3"}).exit_code == 0);
    auto out = dir + "/hits.csv";
    auto g =
        run_plmkit({"slurm", "screen", "-i", lib, "-o", out, "--top", "3", "--no-progress",
                    "--array", "2", "--partition", "short", "--mem", "2G", "--cpus-per-task", "4"});
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    auto text = test::read_file(out + ".slurm/screen-array.sh");
    CHECK_THAT(text, Catch::Contains("#SBATCH --partition=short\n") &&
                         Catch::Contains("#SBATCH --mem=2G\n") &&
                         Catch::Contains("#SBATCH --cpus-per-task=4\n"));
    // No --threads given: the tasks use all the CPUs Slurm gives them.
    CHECK_THAT(text, Catch::Contains(" screen -i " + lib + " -o " + dir +
                                     "/hits.shard-\"${I}\"-of-2.csv --top 3 --no-progress "
                                     "--threads 0 --shard \"${I}/2\" --resume\n"));
    std::string log;
    // As Slurm runs them with --cpus-per-task 1 (no affinity set: the
    // task/none plugin), and with 2: the shard's summary tells the threads.
    REQUIRE(run_task(out + ".slurm/screen-array.sh", 0, log, "SLURM_CPUS_PER_TASK=1") == 0);
    REQUIRE(run_task(out + ".slurm/screen-array.sh", 1, log, "SLURM_CPUS_PER_TASK=2") == 0);
    INFO(log);
    CHECK_THAT(test::read_file(dir + "/hits.shard-0-of-2.summary.json"),
               Catch::Contains("\"threads\": 1,"));
    if (std::stoi(nproc_text()) >= 2)
        CHECK_THAT(test::read_file(dir + "/hits.shard-1-of-2.summary.json"),
                   Catch::Contains("\"threads\": 2,"));
    REQUIRE(run_task(out + ".slurm/screen-merge.sh", -1, log) == 0);
    CHECK(test::read_file(out) == test::read_file(single));
    CHECK(test::read_file(dir + "/hits.rejects.tsv") ==
          test::read_file(dir + "/single.rejects.tsv"));
}

TEST_CASE("cli slurm screen: a killed task run again (a requeue) goes on from its checkpoint",
          "[cli][slurm][screen][resume]") {
    auto dir = fresh_dir("cli_slurm_screen_requeue");
    for (const auto& e : fs::directory_iterator(dir))
        fs::remove_all(e.path());
    // 40 ChEMBL molecules: shard 1 of 2 holds records 1, 3, ..., 39.
    std::ifstream in(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"));
    std::string line, text;
    for (int i = 0; i <= 40 && std::getline(in, line); ++i)
        text += line + "\n";
    auto lib = dir + "/lib.csv";
    test::write_file(lib, text);
    auto single = dir + "/single.csv";
    REQUIRE(run_plmkit({"-q", "screen", "-i", lib, "-o", single, "--top", "6"}).exit_code == 0);
    auto out = dir + "/hits.csv";
    auto g = run_plmkit({"slurm", "screen", "-i", lib, "-o", out, "--top", "6", "--chunk", "5",
                         "--no-progress", "--array", "2"});
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    const std::string array = out + ".slurm/screen-array.sh";
    // The script's command passes --resume: the same line serves the first
    // run, a re-run and a requeue.
    CHECK_THAT(test::read_file(array),
               Catch::Contains(" --top 6 --chunk 5 --no-progress --shard \"${I}/2\" --resume\n"));
    const std::string partial = dir + "/hits.shard-1-of-2.csv.partial";
    std::string log;
    {
        // Killed (SIGKILL, as at a time limit) after its second chunk.
        test::ScopedEnv kill({{"PLMKIT_TEST_KILL_AFTER_CHUNKS", std::string("2")}});
        REQUIRE(run_task(array, 1, log) != 0);
    }
    REQUIRE(test::file_exists(partial + "/state.json"));
    CHECK_FALSE(test::file_exists(dir + "/hits.shard-1-of-2.csv"));
    // Task 0 has no checkpoint: its first run starts at the first record.
    REQUIRE(run_task(array, 0, log) == 0);
    CHECK_THAT(log, Catch::Contains("plmkit: --resume: no checkpoint in " + dir +
                                    "/hits.shard-0-of-2.csv.partial: starting at the first "
                                    "record\n"));
    REQUIRE(run_task(array, 1, log) == 0);
    INFO(log);
    // Two chunks of 5 of the shard's records (1, 3, ..., 19) were done.
    CHECK_THAT(log, Catch::Contains("plmkit: --resume: the checkpoint in " + partial +
                                    " holds 10 records; continuing with input record 21\n"));
    CHECK_FALSE(test::file_exists(partial));
    REQUIRE(run_task(out + ".slurm/screen-merge.sh", -1, log) == 0);
    CHECK(test::read_file(out) == test::read_file(single));
    CHECK(test::read_file(dir + "/hits.rejects.tsv") ==
          test::read_file(dir + "/single.rejects.tsv"));
}

TEST_CASE("cli slurm: usage errors exit 2 naming the problem", "[cli][slurm]") {
    auto dir = fresh_dir("cli_slurm_usage");
    auto shard = run_plmkit({"slurm", "screen", "-i", "lib.smi", "-o", dir + "/h.csv", "--shard",
                             "0/2", "--array", "2"});
    CHECK(shard.exit_code == 2);
    CHECK_THAT(shard.err, Catch::Contains("do not pass --shard"));
    auto no_out =
        run_plmkit({"slurm", "embed", "--model", kModel, "--input", kFasta, "--array", "2"});
    CHECK(no_out.exit_code == 2);
    CHECK_THAT(no_out.err, Catch::Contains("--output FILE is required"));
    // A shard's output cannot be standard output: said so, not "required".
    auto dash = run_plmkit({"slurm", "screen", "-i", "lib.smi", "-o", "-", "--array", "2"});
    CHECK(dash.exit_code == 2);
    CHECK_THAT(dash.err, Catch::Contains("--output - (standard output) cannot be split over "
                                         "array tasks"));
    auto no_array = run_plmkit({"slurm", "screen", "-i", "lib.smi", "-o", dir + "/h.csv"});
    CHECK(no_array.exit_code == 2);
    CHECK_THAT(no_array.err, Catch::Contains("--array"));
}

TEST_CASE("cli slurm screen: -oFILE, as plmkit screen takes it", "[cli][slurm][screen]") {
    auto dir = fresh_dir("cli_slurm_attached");
    auto lib = dir + "/lib.smi";
    test::write_file(lib, "CCO a\nCCN b\n");
    auto g = run_plmkit({"slurm", "screen", "-i", lib, "-o" + dir + "/x1.csv", "--array", "2"});
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    CHECK_THAT(
        test::read_file(dir + "/x1.csv.slurm/screen-array.sh"),
        Catch::Contains(" -o" + dir + "/x1.shard-\"${I}\"-of-2.csv --shard \"${I}/2\" --resume\n"));
    CHECK_THAT(test::read_file(dir + "/x1.csv.slurm/screen-merge.sh"),
               Catch::Contains(" --output " + dir + "/x1.csv " + dir + "/x1.shard-0-of-2.csv " +
                               dir + "/x1.shard-1-of-2.csv\n"));
}

TEST_CASE("cli slurm --help: the shard file names the tasks write", "[cli][slurm]") {
    auto screen = run_plmkit({"slurm", "screen", "--help"});
    CHECK(screen.exit_code == 0);
    CHECK_THAT(screen.out, Catch::Contains("writes --output FILE as <stem>.shard-I-of-N.<ext> "
                                           "(hits.csv -> hits.shard-3-of-16.csv)"));
    auto embed = run_plmkit({"slurm", "embed", "--help"});
    CHECK(embed.exit_code == 0);
    CHECK_THAT(embed.out, Catch::Contains("(emb.h5 -> emb.shard-3-of-16.h5)"));
}

TEST_CASE("cli slurm: paths and values on #SBATCH lines", "[cli][slurm]") {
    auto dir = fresh_dir("cli_slurm_sbatch_lines");
    fs::create_directories(dir + "/in put");
    auto lib = dir + "/in put/my lib.smi";
    test::write_file(lib, "CCO a\nCCN b\n");
    SECTION("an output in a folder with a space and a ': the log path in double quotes") {
        auto out = dir + "/out put's.csv";
        auto g = run_plmkit({"slurm", "screen", "-i", lib, "-o", out, "--array", "5"});
        INFO(g.err);
        REQUIRE(g.exit_code == 0);
        CHECK_THAT(test::read_file(out + ".slurm/screen-array.sh"),
                   Catch::Contains("\n#SBATCH --output=\"" + dir +
                                   "/out put's.csv.slurm/logs/screen-%A_%a.log\"\n"));
        CHECK_THAT(test::read_file(out + ".slurm/screen-merge.sh"),
                   Catch::Contains("\n#SBATCH --output=\"" + dir +
                                   "/out put's.csv.slurm/logs/screen-merge-%j.log\"\n"));
    }
    SECTION("a job folder with a double quote: exit 2 naming it, nothing written") {
        auto wd = dir + "/say \"hi\"";
        auto g = run_plmkit(
            {"slurm", "screen", "-i", lib, "-o", dir + "/h.csv", "--array", "2", "--workdir", wd});
        CHECK(g.exit_code == 2);
        CHECK_THAT(g.err, Catch::Contains("the job folder '" + wd + "/logs' holds a double quote"));
        CHECK_FALSE(fs::exists(wd));
    }
    SECTION("an option value with a space: exit 2 naming the option") {
        auto g = run_plmkit({"slurm", "screen", "-i", lib, "-o", dir + "/h.csv", "--array", "2",
                             "--time", "1:00 --wrap=x"});
        CHECK(g.exit_code == 2);
        CHECK_THAT(g.err, Catch::Contains("--time '1:00 --wrap=x' holds a space"));
        CHECK_FALSE(fs::exists(dir + "/h.csv.slurm"));
    }
}

TEST_CASE("cli --shard auto: a one-task re-run array is refused, auto/N works",
          "[cli][slurm][shard]") {
    auto dir = fresh_dir("cli_shard_auto");
    auto lib = dir + "/lib.smi";
    test::write_file(lib, "CCO a\nCCN b\nCCC c\nc1ccccc1 d\n");
    // What `sbatch --array=2 screen-array.sh` sets: an array of one task.
    test::ScopedEnv env({{"SLURM_ARRAY_TASK_ID", "2"},
                         {"SLURM_ARRAY_TASK_COUNT", "1"},
                         {"SLURM_ARRAY_TASK_MIN", "2"},
                         {"SLURM_ARRAY_TASK_MAX", "2"},
                         {"SLURM_ARRAY_TASK_STEP", "1"}});
    auto bad = run_plmkit({"screen", "-i", lib, "-o", dir + "/a.csv", "--shard", "auto"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.err, Catch::StartsWith("plmkit: error: --shard auto") &&
                            Catch::Contains("--shard auto/N"));
    CHECK_FALSE(fs::exists(dir + "/a.csv"));
    auto embed = run_plmkit({"embed", "--model", kModel, "--input", kFasta, "--output",
                             dir + "/e.h5", "--shard", "auto"});
    CHECK(embed.exit_code == 2);
    CHECK_THAT(embed.err, Catch::Contains("--shard auto/N"));
    auto ok = run_plmkit({"-q", "screen", "-i", lib, "-o", dir + "/b.csv", "--shard", "auto/3"});
    INFO(ok.err);
    REQUIRE(ok.exit_code == 0);
    // The shard's files carry its tag (-o b.csv: b.shard-2-of-3.csv).
    CHECK_FALSE(fs::exists(dir + "/b.csv"));
    CHECK(fs::exists(dir + "/b.shard-2-of-3.csv"));
    auto summary = test::read_file(dir + "/b.shard-2-of-3.summary.json");
    CHECK_THAT(summary, Catch::Contains("\"shard\": \"2/3\""));
    CHECK_THAT(summary, Catch::Contains("\"records_read\": 1"));
}

TEST_CASE("cli slurm: option values that look like options pass through", "[cli][slurm]") {
    auto dir = fresh_dir("cli_slurm_negative");
    for (const std::vector<std::string>& layers :
         {std::vector<std::string>{"--layers", "-1,1"}, std::vector<std::string>{"--layers=-1,1"},
          std::vector<std::string>{"--layers", "-1"}}) {
        auto out = dir + "/e" + std::to_string(layers.size()) + layers.back() + ".h5";
        auto g =
            run_plmkit(with(with({"slurm", "embed", "--model", kModel, "--input", kFasta}, layers),
                            {"--output", out, "--array", "2"}));
        INFO(g.err);
        REQUIRE(g.exit_code == 0);
        std::string joined;
        for (const auto& l : layers)
            joined += " " + l;
        CHECK_THAT(test::read_file(out + ".slurm/embed-array.sh"),
                   Catch::Contains(" --input " + kFasta + joined + " --output "));
    }
}

TEST_CASE("cli slurm: --threads passed on against --cpus-per-task", "[cli][slurm][threads]") {
    auto dir = fresh_dir("cli_slurm_threads");
    auto lib = dir + "/lib.smi";
    test::write_file(lib, "CCO a\nCCN b\n");
    SECTION("more threads than CPUs per task: refused, in every spelling, nothing written") {
        for (const auto& threads : std::vector<std::vector<std::string>>{
                 {"--threads", "8"}, {"--threads=8"}, {"-t", "8"}, {"-t8"}}) {
            INFO(threads[0]);
            auto r =
                run_plmkit(with(with({"slurm", "screen", "-i", lib, "-o", dir + "/h.csv"}, threads),
                                {"--cpus-per-task", "4", "--array", "2"}));
            CHECK(r.exit_code == 2);
            CHECK(r.err ==
                  "plmkit: error: plmkit slurm screen: --threads 8 is more than --cpus-per-task "
                  "4: each array task would run 8 threads on the 4 CPUs Slurm gives it, which is "
                  "slower, not faster; pass --threads 4, leave --threads out (each task then "
                  "uses the CPUs it is given) or ask for --cpus-per-task 8\n");
            CHECK(!fs::exists(dir + "/h.csv.slurm"));
        }
        auto e =
            run_plmkit({"slurm", "embed", "--model", kModel, "--input", kFasta, "--output",
                        dir + "/e.h5", "--threads", "3", "--cpus-per-task", "2", "--array", "2"});
        CHECK(e.exit_code == 2);
        CHECK_THAT(e.err, Catch::Contains("plmkit slurm embed: --threads 3 is more than "
                                          "--cpus-per-task 2"));
    }
    SECTION("threads without --cpus-per-task: written, with a warning to ask for the CPUs") {
        auto r = run_plmkit(
            {"slurm", "screen", "-i", lib, "-o", dir + "/w.csv", "--threads", "4", "--array", "2"});
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err,
                   Catch::Contains("plmkit: warning: plmkit slurm screen: --threads 4 without "
                                   "--cpus-per-task: each array task gets the cluster's default "
                                   "number of CPUs (often 1), and 4 threads would take turns on "
                                   "them; add --cpus-per-task 4\n"));
        CHECK_THAT(test::read_file(dir + "/w.csv.slurm/screen-array.sh"),
                   Catch::Contains(" --threads 4 --shard \"${I}/2\" --resume\n"));
    }
    SECTION("threads for a bigger node than this one: no warning about this machine's cores") {
        // The tasks run on compute nodes: the login node's cores do not count.
        auto r = run_plmkit({"slurm", "screen", "-i", lib, "-o", dir + "/big.csv", "--threads",
                             "512", "--cpus-per-task", "512", "--array", "2"});
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find("warning") == std::string::npos);
        const auto text = test::read_file(dir + "/big.csv.slurm/screen-array.sh");
        CHECK_THAT(text, Catch::Contains("#SBATCH --cpus-per-task=512\n"));
        CHECK_THAT(text, Catch::Contains(" --threads 512 --shard \"${I}/2\" --resume\n"));
        CHECK_THAT(text, !Catch::Contains("--threads 0"));
    }
    SECTION("threads 0 or as many as the CPUs: kept as given") {
        auto r = run_plmkit({"slurm", "screen", "-i", lib, "-o", dir + "/z.csv", "-t0",
                             "--cpus-per-task", "4", "--array", "2"});
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find("warning") == std::string::npos);
        CHECK_THAT(test::read_file(dir + "/z.csv.slurm/screen-array.sh"),
                   Catch::Contains(" -t0 --shard \"${I}/2\" --resume\n"));
    }
    SECTION("embed without --threads: --threads 0 too") {
        auto r = run_plmkit({"slurm", "embed", "--model", kModel, "--input", kFasta, "--output",
                             dir + "/e.h5", "--cpus-per-task", "2", "--array", "2"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(test::read_file(dir + "/e.h5.slurm/embed-array.sh"),
                   Catch::Contains(" --threads 0 --shard \"${I}/2\" --resume\n"));
    }
}
