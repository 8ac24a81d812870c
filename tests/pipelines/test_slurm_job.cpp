#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "pipelines/slurm_job.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
namespace fs = std::filesystem;

namespace {

/// A fake program that prints each argument on its own line.
std::string fake_echo(const fs::path& dir) {
    auto path = (dir / "fake-plmkit").string();
    test::write_file(path, "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
    ::chmod(path.c_str(), 0755);
    return path;
}

/// Runs `script` with bash in `env` and returns its stdout.
std::string run_script(const std::string& script, const std::string& env) {
    auto out = test::temp_path("script.out");
    std::string cmd = env + " bash " + script + " > " + out + " 2>&1";
    int rc = std::system(cmd.c_str());
    std::string text = test::read_file(out);
    if (rc != 0) text = "exit " + std::to_string(rc) + ": " + text;
    return text;
}

SlurmJobOptions base_options(const fs::path& dir) {
    SlurmJobOptions o;
    o.kind = "screen";
    o.args = {"--input", "lib with space.smi", "--output", "hits.csv", "--top", "10"};
    o.array = 4;
    o.cwd = dir.string();
    o.plmkit_binary = fake_echo(dir);
    return o;
}

}  // namespace

TEST_CASE("slurm job: planning", "[pipelines][slurm]") {
    fs::path dir = test::temp_path("slurm-plan");
    fs::create_directories(dir);
    auto o = base_options(dir);
    SECTION("outputs, scripts and merge command") {
        auto plan = plan_slurm_job(o);
        CHECK(plan.output == "hits.csv");
        REQUIRE(plan.shard_outputs.size() == 4);
        CHECK(plan.shard_outputs[0] == "hits.shard-0-of-4.csv");
        CHECK(plan.shard_outputs[3] == "hits.shard-3-of-4.csv");
        CHECK(plan.array_script == (dir / "hits.csv.slurm/screen-array.sh").string());
        CHECK(plan.merge_script == (dir / "hits.csv.slurm/screen-merge.sh").string());
        std::vector<std::string> merge{o.plmkit_binary, "merge",    "--kind",
                                       "screen",        "--output", "hits.csv"};
        for (auto& s : plan.shard_outputs)
            merge.push_back(s);
        CHECK(plan.merge_command == merge);
    }
    SECTION("--output=FILE and a custom workdir") {
        o.kind = "embed";
        o.args = {"--model", "m", "--input", "p.fasta", "--output=out/emb.h5"};
        o.workdir = "jobs";
        o.array = 2;
        auto plan = plan_slurm_job(o);
        CHECK(plan.output == "out/emb.h5");
        CHECK(plan.shard_outputs[1] == "out/emb.shard-1-of-2.h5");
        CHECK(plan.array_script == (dir / "jobs/embed-array.sh").string());
    }
    SECTION("-oFILE: the value attached to the short name") {
        o.args = {"--input", "x.smi", "-ox1.csv", "--top", "3"};
        auto plan = plan_slurm_job(o);
        CHECK(plan.output == "x1.csv");
        CHECK(plan.shard_outputs[2] == "x1.shard-2-of-4.csv");
        CHECK(plan.merge_command[5] == "x1.csv");
        CHECK(plan.array_script == (dir / "x1.csv.slurm/screen-array.sh").string());
        o.args = {"-o", "a.csv", "-ob.csv"};
        CHECK_THROWS_WITH(plan_slurm_job(o), Catch::Contains("--output given twice"));
    }
    SECTION("bad requests are usage errors") {
        auto bad = o;
        bad.kind = "train";
        CHECK_THROWS_WITH(plan_slurm_job(bad), Catch::Contains("expected screen or embed"));
        bad = o;
        bad.array = 0;
        CHECK_THROWS_WITH(plan_slurm_job(bad), Catch::Contains("--array must be at least 1"));
        bad = o;
        bad.args = {"--input", "x.smi"};
        CHECK_THROWS_WITH(plan_slurm_job(bad), Catch::Contains("--output FILE is required"));
        // '-' is standard output, which N array tasks cannot share: said so,
        // in every spelling, not "--output FILE is required".
        for (const auto& out : std::vector<std::vector<std::string>>{
                 {"--output", "-"}, {"--output=-"}, {"-o", "-"}, {"-o-"}}) {
            bad.args = {"--input", "x.smi"};
            bad.args.insert(bad.args.end(), out.begin(), out.end());
            INFO(out[0]);
            CHECK_THROWS_AS(plan_slurm_job(bad), UsageError);
            CHECK_THROWS_WITH(plan_slurm_job(bad),
                              Catch::Contains("--output - (standard output) cannot be split"));
        }
        bad.args = {"--input", "x.smi", "-o", "h.csv", "--rejects", "-"};
        CHECK_THROWS_WITH(plan_slurm_job(bad),
                          Catch::Contains("--rejects - (standard output) cannot be split"));
        bad.args = {"--input", "x.smi", "--output", "h.csv", "--shard", "1/2"};
        CHECK_THROWS_WITH(plan_slurm_job(bad), Catch::Contains("do not pass --shard"));
        bad.args = {"--input", "x.smi", "--output"};
        CHECK_THROWS_WITH(plan_slurm_job(bad), Catch::Contains("--output needs a value"));
        // A shard's name as the output: task 1 wrote t.shard-0-of-2.shard-1-of-2.csv.
        bad.args = {"--input", "x.smi", "-o", "t.shard-0-of-2.csv"};
        CHECK_THROWS_WITH(
            plan_slurm_job(bad),
            "plmkit slurm screen: --output t.shard-0-of-2.csv names shard 0/2; give the "
            "merged file's name: each task adds its own .shard-I-of-N");
        bad.args = {"--input", "x.smi", "-o", "t.csv", "--summary", "s.shard-1-of-3.json"};
        CHECK_THROWS_WITH(plan_slurm_job(bad), Catch::Contains("--summary s.shard-1-of-3.json "
                                                               "names shard 1/3"));
    }
}

TEST_CASE("slurm job: scripts run the right shard command", "[pipelines][slurm]") {
    fs::path dir = test::temp_path("slurm-scripts");
    fs::create_directories(dir);
    auto o = base_options(dir);
    o.partition = "gpu";
    o.time = "01:30:00";
    o.mem = "8G";
    o.cpus_per_task = 4;
    o.gpus = "1";
    auto plan = run_slurm_job(o);
    std::string array = test::read_file(plan.array_script);
    std::string merge = test::read_file(plan.merge_script);
    SECTION("directives") {
        CHECK_THAT(array, Catch::Contains("#SBATCH --array=0-3\n"));
        CHECK_THAT(array, Catch::Contains("#SBATCH --partition=gpu\n"));
        CHECK_THAT(array, Catch::Contains("#SBATCH --time=01:30:00\n"));
        CHECK_THAT(array, Catch::Contains("#SBATCH --mem=8G\n"));
        CHECK_THAT(array, Catch::Contains("#SBATCH --cpus-per-task=4\n"));
        CHECK_THAT(array, Catch::Contains("#SBATCH --gpus=1\n"));
        CHECK_THAT(array, Catch::Contains("# Re-run shard I:    sbatch --array=I " +
                                          plan.array_script + "   (I in 0-3; then sbatch "));
        CHECK_THAT(merge, Catch::Contains("#SBATCH --partition=gpu\n"));
        CHECK_THAT(merge, !Catch::Contains("--gpus"));
        CHECK_THAT(merge, !Catch::Contains("#SBATCH --array"));
        CHECK(fs::is_directory(dir / "hits.csv.slurm/logs"));
        CHECK((fs::status(plan.array_script).permissions() & fs::perms::owner_exec) !=
              fs::perms::none);
    }
    SECTION("array task 2 runs shard 2/4 into its own output, on all its CPUs") {
        // --cpus-per-task 4 and no --threads: --threads 0 (screen's own
        // default is one thread).
        std::string out = run_script(plan.array_script, "SLURM_ARRAY_TASK_ID=2");
        CHECK(out ==
              "screen\n--input\nlib with space.smi\n--output\nhits.shard-2-of-4.csv\n--top\n10\n"
              "--threads\n0\n--shard\n2/4\n--resume\n");
        CHECK_THAT(array, Catch::Contains("# Threads:           --threads 0, all the CPUs Slurm "
                                          "gives the task (SLURM_CPUS_PER_TASK, set by "
                                          "--cpus-per-task)\n"));
    }
    SECTION("-oFILE becomes -o<shard file>") {
        auto o2 = base_options(dir);
        o2.args = {"-i", "lib.smi", "-ohits2.csv"};
        o2.workdir = "wd-attached";
        auto plan2 = run_slurm_job(o2);
        CHECK(run_script(plan2.array_script, "SLURM_ARRAY_TASK_ID=1") ==
              "screen\n-i\nlib.smi\n-ohits2.shard-1-of-4.csv\n--shard\n1/4\n--resume\n");
    }
    SECTION("a task id past the array is refused, a missing one too") {
        CHECK_THAT(run_script(plan.array_script, "SLURM_ARRAY_TASK_ID=4"),
                   Catch::Contains("only shards 0-3 exist"));
        CHECK_THAT(run_script(plan.array_script, "env -u SLURM_ARRAY_TASK_ID"),
                   Catch::Contains("submit with sbatch --array=0-3"));
    }
    SECTION("merge script") {
        std::string out = run_script(plan.merge_script, "");
        CHECK(out ==
              "merge\n--kind\nscreen\n--output\nhits.csv\nhits.shard-0-of-4.csv\n"
              "hits.shard-1-of-4.csv\nhits.shard-2-of-4.csv\nhits.shard-3-of-4.csv\n");
    }
}

TEST_CASE("slurm job: submission through sbatch", "[pipelines][slurm]") {
    fs::path dir = test::temp_path("slurm-submit");
    fs::create_directories(dir);
    auto o = base_options(dir);
    o.submit = true;
    auto log = (dir / "sbatch.log").string();
    SECTION("job ids parsed, dependency on the array job") {
        o.sbatch = (dir / "fake-sbatch").string();
        test::write_file(
            o.sbatch, "#!/bin/sh\necho \"$@\" >> '" + log +
                          "'\necho 'sbatch: warning: noise' >&2\n"
                          "case \"$*\" in *--dependency*) echo '43;cluster';; *) echo 42;; esac\n");
        ::chmod(o.sbatch.c_str(), 0755);
        auto plan = run_slurm_job(o);
        CHECK(plan.array_job_id == "42");
        CHECK(plan.merge_job_id == "43");
        CHECK(test::read_file(log) == "--parsable " + plan.array_script +
                                          "\n--parsable --dependency=afterok:42 "
                                          "--kill-on-invalid-dep=yes " +
                                          plan.merge_script + "\n");
    }
    SECTION("a failing sbatch is an IoError with its message") {
        o.sbatch = (dir / "bad-sbatch").string();
        test::write_file(o.sbatch,
                         "#!/bin/sh\necho 'sbatch: error: invalid partition' >&2\nexit 1\n");
        ::chmod(o.sbatch.c_str(), 0755);
        CHECK_THROWS_AS(run_slurm_job(o), IoError);
        CHECK_THROWS_WITH(run_slurm_job(o), Catch::Contains("invalid partition"));
    }
    SECTION("garbage instead of a job id") {
        o.sbatch = (dir / "odd-sbatch").string();
        test::write_file(o.sbatch, "#!/bin/sh\necho 'Submitted batch job 7'\n");
        ::chmod(o.sbatch.c_str(), 0755);
        CHECK_THROWS_WITH(run_slurm_job(o), Catch::Contains("expected a job id"));
    }
}

TEST_CASE("slurm job: shell quoting", "[pipelines][slurm]") {
    CHECK(shell_quote("hits.csv") == "hits.csv");
    CHECK(shell_quote("a b") == "'a b'");
    CHECK(shell_quote("it's") == "'it'\\''s'");
    CHECK(shell_quote("") == "''");
    CHECK(shell_quote("$HOME") == "'$HOME'");
}

TEST_CASE("slurm job: the re-run hint names no shard that does not exist", "[pipelines][slurm]") {
    // It said "sbatch --array=3" whatever N was: with 3 shards (0-2) that
    // array task only exits 2, and for any N it re-ran shard 3, not the failed one.
    fs::path dir = test::temp_path("slurm-rerun-hint");
    fs::create_directories(dir);
    auto o = base_options(dir);
    o.array = 3;
    auto plan = plan_slurm_job(o);
    const std::string array = slurm_array_script(o, plan);
    CHECK_THAT(array, !Catch::Contains("--array=3"));
    CHECK_THAT(array, Catch::Contains("sbatch --array=I ") && Catch::Contains("(I in 0-2; "));
}

TEST_CASE("slurm job: #SBATCH lines survive sbatch's word splitting", "[pipelines][slurm]") {
    fs::path dir = test::temp_path("slurm-directives");
    fs::create_directories(dir);
    auto o = base_options(dir);
    SECTION("a log folder with a space, a ' and a #: in double quotes; % doubled") {
        // sbatch splits "#SBATCH" lines on whitespace, takes ' as a quote and
        // an unquoted # as a comment; Slurm expands %j, %A, %a in --output.
        o.cwd = (dir / "we're 50% #1").string();
        auto plan = plan_slurm_job(o);
        const std::string logs = dir.string() + "/we're 50%% #1/hits.csv.slurm/logs";
        CHECK_THAT(slurm_array_script(o, plan),
                   Catch::Contains("\n#SBATCH --output=\"" + logs + "/screen-%A_%a.log\"\n"));
        CHECK_THAT(slurm_merge_script(o, plan),
                   Catch::Contains("\n#SBATCH --output=\"" + logs + "/screen-merge-%j.log\"\n"));
        // The shell lines quote the folder for the shell, unchanged.
        CHECK_THAT(slurm_array_script(o, plan),
                   Catch::Contains("\ncd '" + dir.string() + "/we'\\''re 50% #1'\n"));
    }
    SECTION("a plain folder stays bare") {
        o.cwd = (dir / "plain").string();
        auto plan = plan_slurm_job(o);
        CHECK_THAT(slurm_array_script(o, plan),
                   Catch::Contains("\n#SBATCH --output=" + dir.string() +
                                   "/plain/hits.csv.slurm/logs/screen-%A_%a.log\n"));
    }
    SECTION("a folder an #SBATCH line cannot carry is refused, naming it and the character") {
        struct Bad {
            std::string workdir, shown, what;
        };
        for (const auto& b : std::vector<Bad>{{"a\"b", "a\"b", "a double quote"},
                                              {"a\nb", "a\\nb", "a newline"},
                                              {"a\\b", "a\\b", "a backslash"},
                                              {"a\rb", "a\\rb", "a carriage return"}}) {
            INFO(b.what);
            o.workdir = b.workdir;
            CHECK_THROWS_AS(plan_slurm_job(o), UsageError);
            CHECK_THROWS_WITH(plan_slurm_job(o),
                              Catch::Contains("the job folder '" + dir.string() + "/" + b.shown +
                                              "/logs' holds " + b.what) &&
                                  Catch::Contains("--workdir"));
        }
        CHECK_FALSE(fs::exists(dir / "a\"b"));
    }
    SECTION("option values with whitespace, quotes, # or control characters are refused") {
        struct Bad {
            std::string SlurmJobOptions::*field;
            std::string option, value, shown, what;
        };
        for (const auto& b : std::vector<Bad>{
                 {&SlurmJobOptions::time, "--time", "1:00 --wrap=x", "1:00 --wrap=x", "a space"},
                 {&SlurmJobOptions::partition, "--partition", "gpu#x", "gpu#x", "a #"},
                 {&SlurmJobOptions::mem, "--mem", "8G\n#SBATCH --x", "8G\\n#SBATCH --x",
                  "a newline"},
                 {&SlurmJobOptions::gpus, "--gpus", "a'1", "a'1", "a single quote"},
                 {&SlurmJobOptions::partition, "--partition", "a\"b", "a\"b", "a double quote"},
                 {&SlurmJobOptions::time, "--time", "1:00\t", "1:00\\t", "a tab"},
                 {&SlurmJobOptions::mem, "--mem", std::string("8G\x01", 3), "8G\\x01",
                  "a control character (0x01)"}}) {
            auto bad = o;
            bad.*b.field = b.value;
            INFO(b.option << " " << b.value);
            CHECK_THROWS_AS(plan_slurm_job(bad), UsageError);
            CHECK_THROWS_WITH(plan_slurm_job(bad),
                              Catch::Contains(b.option + " '" + b.shown + "' holds " + b.what));
        }
        o.time = "1-02:00:00";
        o.partition = "gpu-a100_x";
        o.mem = "8G";
        o.gpus = "a100:1";
        CHECK_NOTHROW(plan_slurm_job(o));
    }
    SECTION("a newline in an argument does not end the comment that repeats the command") {
        o.args = {"--input", "lib.smi", "--id-col", "a\nrm -rf x", "--output", "hits.csv"};
        auto plan = plan_slurm_job(o);
        const std::string script = slurm_array_script(o, plan);
        CHECK_THAT(script, Catch::Contains("#   plmkit screen --input lib.smi --id-col "
                                           "'a\\nrm -rf x' --output hits.csv\n"));
        // Every line before the first command is a comment: sbatch reads
        // #SBATCH lines only up to the first command.
        const std::string head = script.substr(0, script.find("set -euo pipefail"));
        std::size_t start = 0;
        while (start < head.size()) {
            CHECK(head[start] == '#');
            start = head.find('\n', start) + 1;
        }
        CHECK_THAT(script, Catch::Contains("#SBATCH --array=0-3\n"));
    }
}

TEST_CASE("slurm job: --threads against --cpus-per-task", "[pipelines][slurm]") {
    fs::path dir = test::temp_path("slurm-threads");
    fs::remove_all(dir);
    fs::create_directories(dir);
    auto o = base_options(dir);
    SECTION("more threads than CPUs per task is refused, naming both and the ways out") {
        o.cpus_per_task = 4;
        o.threads = 8;
        CHECK_THROWS_AS(plan_slurm_job(o), UsageError);
        CHECK_THROWS_WITH(
            run_slurm_job(o),
            "plmkit slurm screen: --threads 8 is more than --cpus-per-task 4: each array task "
            "would run 8 threads on the 4 CPUs Slurm gives it, which is slower, not faster; pass "
            "--threads 4, leave --threads out (each task then uses the CPUs it is given) or ask "
            "for --cpus-per-task 8");
        CHECK(!fs::exists(dir / "hits.csv.slurm"));
    }
    SECTION("as many threads as CPUs or fewer: passed on as given, nothing added") {
        o.cpus_per_task = 4;
        o.args = {"--input", "x.smi", "--output", "hits.csv", "--threads", "4"};
        o.threads = 4;
        auto plan = run_slurm_job(o);
        CHECK(run_script(plan.array_script, "SLURM_ARRAY_TASK_ID=1") ==
              "screen\n--input\nx.smi\n--output\nhits.shard-1-of-4.csv\n--threads\n4\n"
              "--shard\n1/4\n--resume\n");
        CHECK_THAT(test::read_file(plan.array_script), !Catch::Contains("# Threads:"));
        o.args = {"--input", "x.smi", "--output", "hits.csv", "-t2"};
        o.threads = 2;
        o.workdir = "wd-t2";
        plan = run_slurm_job(o);
        CHECK(run_script(plan.array_script, "SLURM_ARRAY_TASK_ID=1") ==
              "screen\n--input\nx.smi\n--output\nhits.shard-1-of-4.csv\n-t2\n--shard\n1/4\n"
              "--resume\n");
    }
    SECTION("no --cpus-per-task: the command's own default, nothing added") {
        auto plan = run_slurm_job(o);
        CHECK(run_script(plan.array_script, "SLURM_ARRAY_TASK_ID=0") ==
              "screen\n--input\nlib with space.smi\n--output\nhits.shard-0-of-4.csv\n--top\n10\n"
              "--shard\n0/4\n--resume\n");
        o.threads = 16;  // not refused: the cluster's default CPUs are unknown here
        o.workdir = "wd-16";
        CHECK_NOTHROW(run_slurm_job(o));
    }
    SECTION("a --resume given is passed on once, in place; --resume=... too") {
        o.args = {"--input", "x.smi", "--resume", "--output", "hits.csv"};
        auto plan = run_slurm_job(o);
        CHECK(run_script(plan.array_script, "SLURM_ARRAY_TASK_ID=1") ==
              "screen\n--input\nx.smi\n--resume\n--output\nhits.shard-1-of-4.csv\n--shard\n"
              "1/4\n");
        o.args = {"--input", "x.smi", "--output", "hits.csv", "--resume=true"};
        o.workdir = "wd-resume-value";
        plan = run_slurm_job(o);
        CHECK(run_script(plan.array_script, "SLURM_ARRAY_TASK_ID=1") ==
              "screen\n--input\nx.smi\n--output\nhits.shard-1-of-4.csv\n--resume=true\n"
              "--shard\n1/4\n");
    }
    SECTION("embed gets --threads 0 before --shard and --resume") {
        o.kind = "embed";
        o.args = {"--model", "m", "--input", "p.fasta", "--output", "emb.h5"};
        o.cpus_per_task = 2;
        auto plan = run_slurm_job(o);
        CHECK(run_script(plan.array_script, "SLURM_ARRAY_TASK_ID=3") ==
              "embed\n--model\nm\n--input\np.fasta\n--output\nemb.shard-3-of-4.h5\n"
              "--threads\n0\n--shard\n3/4\n--resume\n");
    }
}
