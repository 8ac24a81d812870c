// threads_over_cores_message and CoreLimits (src/runtime.hpp): the warning
// for more threads than cores, naming what sets the limit (machine, CPU
// affinity, cgroup quota, SLURM_CPUS_PER_TASK), by hand-chosen counts.
#include "tests/catch.hpp"

#include "src/runtime.hpp"

using plmkit::CoreLimits;
using plmkit::CpuQuota;
using plmkit::threads_over_cores_message;

namespace {

CoreLimits limits(int machine, int affinity, int quota = 0, int slurm = 0) {
    CoreLimits l;
    l.machine = machine;
    l.affinity = affinity;
    if (quota > 0) {
        l.quota.cores = quota;
        l.quota.file = "/sys/fs/cgroup/cpu.max";
        l.quota.quota_us = quota * 100000LL;
        l.quota.period_us = 100000;
    }
    l.slurm_cpus = slurm;
    return l;
}

}  // namespace

TEST_CASE("runtime: more threads than cores gets a message, as many or fewer none",
          "[core][runtime][threads]") {
    SECTION("0 (all cores) and counts up to the cores: no message") {
        CHECK(threads_over_cores_message("--threads", 0, limits(2, 2)).empty());
        CHECK(threads_over_cores_message("--threads", 1, limits(2, 2)).empty());
        CHECK(threads_over_cores_message("--threads", 2, limits(2, 2)).empty());
        CHECK(threads_over_cores_message("--threads", 8, limits(64, 8)).empty());
        CHECK(threads_over_cores_message("--threads", 2, limits(16, 16, 2)).empty());
        CHECK(threads_over_cores_message("--threads", 4, limits(16, 16, 0, 4)).empty());
    }
    SECTION("more than the machine's cores") {
        CHECK(threads_over_cores_message("--threads", 64, limits(2, 2)) ==
              "--threads 64 is more than the 2 cores of this machine: the threads take turns on "
              "the cores, which usually makes the run slower, not faster; use --threads 2 or 0 "
              "(all available cores)");
    }
    SECTION("more than the cores the affinity allows, fewer than the machine's") {
        CHECK(threads_over_cores_message("--threads", 8, limits(16, 1)) ==
              "--threads 8 is more than the 1 core this process may run on (of 16 in the "
              "machine; its CPU affinity, set by taskset, numactl or a Slurm allocation, allows "
              "no more): the threads take turns on the cores, which usually makes the run "
              "slower, not faster; use --threads 1 or 0 (all available cores)");
    }
    SECTION("more than a cgroup CPU quota (docker --cpus 2)") {
        CHECK(threads_over_cores_message("--threads", 8, limits(16, 16, 2)) ==
              "--threads 8 is more than the 2 cores this process may use: a CPU quota of 2 "
              "(cgroup /sys/fs/cgroup/cpu.max: 200000 100000; set by docker --cpus, a Kubernetes "
              "CPU limit or systemd CPUQuota) allows no more, of the 16 its CPU affinity allows: "
              "the threads share that CPU time, which usually makes the run slower, not faster; "
              "use --threads 2 or 0 (all available cores)");
    }
    SECTION("more than SLURM_CPUS_PER_TASK, without an affinity to match") {
        CHECK(threads_over_cores_message("-t", 8, limits(16, 16, 0, 4)) ==
              "-t 8 is more than the 4 CPUs Slurm allocated to this task "
              "(SLURM_CPUS_PER_TASK=4; its CPU affinity allows 16, as Slurm sets none without "
              "its task/affinity or task/cgroup plugin): the extra threads compete for CPUs "
              "with the node's other jobs, which slows them and usually this run too; use -t 4 "
              "or 0 (all available cores)");
        CHECK_THAT(threads_over_cores_message("--threads", 2, limits(16, 16, 0, 1)),
                   Catch::StartsWith("--threads 2 is more than the 1 CPU Slurm allocated"));
    }
    SECTION("the tightest limit is named; on a tie the affinity, then the quota") {
        // Slurm's task/affinity: affinity and SLURM_CPUS_PER_TASK agree.
        CHECK_THAT(threads_over_cores_message("--threads", 8, limits(16, 4, 0, 4)),
                   Catch::Contains("the 4 cores this process may run on (of 16"));
        CHECK_THAT(threads_over_cores_message("--threads", 8, limits(16, 4, 2, 4)),
                   Catch::Contains("a CPU quota of 2 ") && Catch::Contains("use --threads 2 "));
        CHECK_THAT(
            threads_over_cores_message("--threads", 8, limits(16, 4, 3, 2)),
            Catch::Contains("SLURM_CPUS_PER_TASK=2;") && Catch::Contains("affinity allows 4,"));
        CHECK_THAT(threads_over_cores_message("--threads", 8, limits(16, 16, 3, 3)),
                   Catch::Contains("a CPU quota of 3 ") && !Catch::Contains("SLURM"));
    }
}

TEST_CASE("runtime: CoreLimits::cores is the fewest of the limits that are set",
          "[core][runtime][threads]") {
    CHECK(limits(64, 16).cores() == 16);
    CHECK(limits(64, 16, 2).cores() == 2);
    CHECK(limits(64, 16, 32).cores() == 16);
    CHECK(limits(64, 16, 0, 4).cores() == 4);
    CHECK(limits(64, 16, 3, 4).cores() == 3);
    CHECK(limits(64, 16, 0, 40).cores() == 16);
    CHECK(limits(1, 0).cores() == 1);
}

TEST_CASE("runtime: SLURM_CPUS_PER_TASK is read only as a positive count",
          "[core][runtime][threads]") {
    using plmkit::parse_slurm_cpus;
    CHECK(parse_slurm_cpus("4") == 4);
    CHECK(parse_slurm_cpus("128") == 128);
    CHECK(parse_slurm_cpus(nullptr) == 0);
    CHECK(parse_slurm_cpus("") == 0);
    CHECK(parse_slurm_cpus("0") == 0);
    CHECK(parse_slurm_cpus("-1") == 0);
    CHECK(parse_slurm_cpus(" 4") == 0);
    CHECK(parse_slurm_cpus("4(x2)") == 0);
    CHECK(parse_slurm_cpus("4.5") == 0);
    CHECK(parse_slurm_cpus("99999999999") == 0);
}

TEST_CASE("runtime: machine_cores is at least available_cores", "[core][runtime][threads]") {
    CHECK(plmkit::available_cores() >= 1);
    CHECK(plmkit::machine_cores() >= plmkit::available_cores());
    CHECK(plmkit::core_limits().cores() == plmkit::available_cores());
}
