// --threads above the cores this process may run on: one warning on stderr,
// not an error, for every command that takes --threads (the hook is in
// main.cpp). The core count comes from coreutils' nproc (the CPU affinity).
#include <cstdio>
#include <string>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

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

int nproc() {
    return std::stoi(shell_output("nproc"));
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
    const int cores = nproc();
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
    const std::string err = shell_output("taskset -c 0 '" + test::plmkit_bin() +
                                         "' doctor --threads 2 2>&1 >/dev/null");
    CHECK_THAT(err, Catch::Contains("--threads 2 is more than the 1 core this process may run on "
                                    "(of " +
                                    std::to_string(nproc()) + " in the machine"));
}

TEST_CASE("cli: screen -t above the cores warns once and runs", "[cli][screen][threads]") {
    const std::string over = std::to_string(nproc() + 1);
    auto smi = test::write_temp("threads_warning.smi", "CCO ethanol\nc1ccccc1 benzene\n");
    auto out = test::temp_path("threads_warning_hits.csv");
    auto r = run_plmkit({"screen", "-i", smi, "-o", out, "-t", over, "--no-progress"});
    REQUIRE(r.exit_code == 0);
    CHECK(count(r.err, "plmkit: warning: --threads " + over + " is more than") == 1);
    CHECK(test::file_exists(out));
}
