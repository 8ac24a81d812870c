// threads_over_cores_message (src/runtime.hpp): the warning for more threads
// than cores, by hand-chosen counts.
#include "tests/catch.hpp"

#include "src/runtime.hpp"

using plmkit::threads_over_cores_message;

TEST_CASE("runtime: more threads than cores gets a message, as many or fewer none",
          "[core][runtime][threads]") {
    SECTION("0 (all cores) and counts up to the cores: no message") {
        CHECK(threads_over_cores_message("--threads", 0, 2, 2).empty());
        CHECK(threads_over_cores_message("--threads", 1, 2, 2).empty());
        CHECK(threads_over_cores_message("--threads", 2, 2, 2).empty());
        CHECK(threads_over_cores_message("--threads", 8, 8, 64).empty());
    }
    SECTION("more than the machine's cores") {
        CHECK(threads_over_cores_message("--threads", 64, 2, 2) ==
              "--threads 64 is more than the 2 cores of this machine: the threads take turns on "
              "the cores, which usually makes the run slower, not faster; use --threads 2 or 0 "
              "(all available cores)");
    }
    SECTION("more than the cores the affinity allows, fewer than the machine's") {
        CHECK(threads_over_cores_message("--threads", 8, 1, 16) ==
              "--threads 8 is more than the 1 core this process may run on (of 16 in the "
              "machine; its CPU affinity, set by taskset, numactl or a Slurm allocation, allows "
              "no more): the threads take turns on the cores, which usually makes the run "
              "slower, not faster; use --threads 1 or 0 (all available cores)");
    }
}

TEST_CASE("runtime: machine_cores is at least available_cores", "[core][runtime][threads]") {
    CHECK(plmkit::available_cores() >= 1);
    CHECK(plmkit::machine_cores() >= plmkit::available_cores());
}
