// --threads above the cores this process may run on: one warning on stderr,
// not an error, for every command that takes --threads (the hook is in
// main.cpp). The core count comes from coreutils' nproc (the CPU affinity);
// SLURM_CPUS_PER_TASK is removed where it would change it (a test run inside
// a Slurm job), and set where it is the limit tested. A CPU quota is tested
// in a real cgroup v1 made for the test (root only; skipped otherwise).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;
namespace fs = std::filesystem;

namespace {

/// stdout of a shell command.
std::string shell_output(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    ::pclose(p);
    return out;
}

/// coreutils' nproc: the cores the CPU affinity allows.
int nproc() {
    return std::stoi(shell_output("nproc"));
}

/// The cores plmkit should use by default: nproc, lowered by a CPU quota on the
/// cgroup this test runs in where the usual files show one (a container's
/// cgroup v2 cpu.max, or v1's cfs quota), read here by the shell rather than by
/// plmkit's code, so that the tests also pass in a CI container with a quota.
int usable_cores() {
    int n = nproc();
    const std::string q = shell_output(
        "read -r a b 2>/dev/null </sys/fs/cgroup/cpu.max && echo \"$a $b\" && exit;"
        "for d in /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct; do"
        " [ -r $d/cpu.cfs_quota_us ] && echo \"$(cat $d/cpu.cfs_quota_us) "
        "$(cat $d/cpu.cfs_period_us)\" && exit; done; true");
    long long quota = 0, period = 0;
    if (std::sscanf(q.c_str(), "%lld %lld", &quota, &period) == 2 && quota > 0 && period > 0)
        n = std::min(n, static_cast<int>((quota + period - 1) / period));
    return n;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("cli: doctor --threads above the cores warns, at or below it does not",
          "[cli][doctor][threads]") {
    test::ScopedEnv no_slurm({{"SLURM_CPUS_PER_TASK", std::nullopt}});
    const int cores = usable_cores();
    const std::string over = std::to_string(cores + 1);
    auto r = run_plmkit({"doctor", "--threads", over});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("threads    " + over + " of " + std::to_string(cores)));
    CHECK_THAT(r.err, Catch::StartsWith("plmkit: warning: --threads " + over +
                                        " is more than the " + std::to_string(cores) + " core"));
    CHECK_THAT(r.err, Catch::Contains("use --threads " + std::to_string(cores) + " or 0"));
    CHECK(count(r.err, "is more than") == 1);

    auto ok = run_plmkit({"doctor", "--threads", std::to_string(cores)});
    REQUIRE(ok.exit_code == 0);
    CHECK(ok.err.find("is more than") == std::string::npos);
    auto all = run_plmkit({"doctor"});
    CHECK(all.err.find("is more than") == std::string::npos);
}

TEST_CASE("cli: under a CPU affinity of one core, --threads 2 warns naming the machine's cores",
          "[cli][doctor][threads]") {
    if (shell_output("command -v taskset").empty() || nproc() < 2) {
        WARN("skipped: needs taskset and 2 cores");
        return;
    }
    test::ScopedEnv no_slurm({{"SLURM_CPUS_PER_TASK", std::nullopt}});
    const std::string err = shell_output("taskset -c 0 '" + test::plmkit_bin() +
                                         "' doctor --threads 2 2>&1 >/dev/null");
    CHECK_THAT(err, Catch::Contains("--threads 2 is more than the 1 core this process may run on "
                                    "(of " +
                                    std::to_string(nproc()) + " in the machine"));
}

TEST_CASE("cli: screen -t above the cores warns once and runs", "[cli][screen][threads]") {
    test::ScopedEnv no_slurm({{"SLURM_CPUS_PER_TASK", std::nullopt}});
    const std::string over = std::to_string(usable_cores() + 1);
    auto smi = test::write_temp("threads_warning.smi", "CCO ethanol\nc1ccccc1 benzene\n");
    auto out = test::temp_path("threads_warning_hits.csv");
    auto r = run_plmkit({"screen", "-i", smi, "-o", out, "-t", over, "--no-progress"});
    REQUIRE(r.exit_code == 0);
    CHECK(count(r.err, "plmkit: warning: --threads " + over + " is more than") == 1);
    CHECK(test::file_exists(out));
}

TEST_CASE("cli: in a Slurm job, SLURM_CPUS_PER_TASK is the limit and the default",
          "[cli][doctor][threads][slurm]") {
    // Slurm without its task/affinity or task/cgroup plugin sets no affinity:
    // the process may run on every core, but the job was given one CPU.
    if (nproc() < 2) {
        WARN("skipped: needs 2 cores (with one, the affinity is the limit already)");
        return;
    }
    const std::string cores = std::to_string(nproc());
    test::ScopedEnv slurm({{"SLURM_CPUS_PER_TASK", std::string("1")}});
    auto r = run_plmkit({"doctor", "--threads", "2"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::StartsWith(
                          "plmkit: warning: --threads 2 is more than the 1 CPU Slurm allocated to "
                          "this task (SLURM_CPUS_PER_TASK=1; its CPU affinity allows " +
                          cores + ","));
    CHECK_THAT(r.err, Catch::Contains("; use --threads 1 or 0 (all available cores)"));
    if (usable_cores() == nproc())  // else doctor also names the quota
        CHECK_THAT(r.out,
                   Catch::Contains("cores      1 of " + cores + " in the machine: CPU affinity " +
                                   cores + ", SLURM_CPUS_PER_TASK 1\n"));
    // The default (0, all available cores) is the job's one CPU.
    auto d = run_plmkit({"doctor"});
    REQUIRE(d.exit_code == 0);
    CHECK_THAT(d.out, Catch::Contains("threads    1 of 1 cores\n"));
    CHECK(d.err.find("is more than") == std::string::npos);
    auto ok = run_plmkit({"doctor", "--threads", "1"});
    CHECK(ok.err.find("is more than") == std::string::npos);
}

TEST_CASE("cli: SLURM_CPUS_PER_TASK that is not a count is ignored", "[cli][doctor][threads]") {
    const std::string cores = std::to_string(usable_cores());
    for (const char* bad : {"", "0", "two", "2(x3)", "-4"}) {
        INFO("SLURM_CPUS_PER_TASK='" << bad << "'");
        test::ScopedEnv slurm({{"SLURM_CPUS_PER_TASK", std::string(bad)}});
        auto r = run_plmkit({"doctor"});
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains("threads    " + cores + " of " + cores + " cores\n"));
        CHECK_THAT(r.out, !Catch::Contains("SLURM"));
    }
}

TEST_CASE("cli: under a cgroup v1 CPU quota of 1 core, --threads 2 warns naming the quota",
          "[cli][doctor][threads]") {
    // A real cgroup: a child of the cpu controller's root with a quota of
    // 50000 us per 100000 us (half a core, counted as 1), which plmkit is
    // started in. Needs root and a writable v1 cpu hierarchy.
    const std::string cpu_root = "/sys/fs/cgroup/cpu";
    if (::geteuid() != 0 || !fs::exists(cpu_root + "/cpu.cfs_quota_us") || nproc() < 2) {
        WARN("skipped: needs root, a cgroup v1 cpu hierarchy at " + cpu_root + " and 2 cores");
        return;
    }
    const std::string cg = cpu_root + "/plmkit-test-" + std::to_string(::getpid());
    std::error_code ec;
    fs::create_directory(cg, ec);
    if (ec) {
        WARN("skipped: cannot make the cgroup " + cg + ": " + ec.message());
        return;
    }
    test::ScopedEnv no_slurm({{"SLURM_CPUS_PER_TASK", std::nullopt}});
    const std::string in_cgroup = "echo 50000 > " + cg + "/cpu.cfs_quota_us && sh -c 'echo $$ > " +
                                  cg + "/cgroup.procs && exec \"$0\" \"$@\"' '" +
                                  test::plmkit_bin() + "' ";
    const std::string err = shell_output(in_cgroup + "doctor --threads 2 2>&1 >/dev/null");
    const std::string out = shell_output(in_cgroup + "doctor 2>/dev/null");
    fs::remove(cg, ec);  // empty again: the processes have exited
    CHECK_THAT(err, Catch::StartsWith(
                        "plmkit: warning: --threads 2 is more than the 1 core this process may "
                        "use: a CPU quota of 1 (cgroup " +
                        cg +
                        "/cpu.cfs_quota_us: 50000 (cpu.cfs_period_us 100000); set by docker "
                        "--cpus, a Kubernetes CPU limit or systemd CPUQuota) allows no more, of "
                        "the " +
                        std::to_string(nproc()) + " its CPU affinity allows"));
    // The default thread count follows the quota.
    CHECK_THAT(out, Catch::Contains("threads    1 of 1 cores\n"));
    CHECK(!ec);
}
