// src/run_lock: one run at a time per output; a stale lock is taken over.
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/catch.hpp"

#include "src/error.hpp"
#include "src/run_lock.hpp"
#include "src/runtime.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;
using plmkit::RunLock;

namespace {

std::string my_host() {
    char buf[256] = {};
    ::gethostname(buf, sizeof buf - 1);
    return buf;
}

/// A pid that no longer runs: a child that has exited and been reaped.
long dead_pid() {
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return static_cast<long>(pid);
}

std::string lock_text(long pid, const std::string& host, const std::string& slurm_job = "",
                      long restart = 0, const std::string& proc_start = "") {
    return nlohmann::json{{"pid", pid},
                          {"host", host},
                          {"started", "2026-01-01T00:00:00Z"},
                          {"proc_start", proc_start},
                          {"command", "plmkit embed -o x.h5"},
                          {"slurm_job", slurm_job},
                          {"slurm_restart", restart}}
        .dump();
}

long pid_in(const std::string& path) {
    return nlohmann::json::parse(test::read_file(path)).at("pid").get<long>();
}

}  // namespace

TEST_CASE("run lock: a held lock refuses a second holder, naming it", "[core][run_lock]") {
    test::ScopedEnv env({{"SLURM_JOB_ID", std::nullopt}, {"SLURM_RESTART_COUNT", std::nullopt}});
    const std::string path = test::temp_path("run_lock_held");
    std::remove(path.c_str());
    {
        RunLock first(path, "plmkit embed writing 'x.h5'");
        REQUIRE(test::file_exists(path));
        CHECK(pid_in(path) == static_cast<long>(::getpid()));
        try {
            RunLock second(path, "plmkit embed writing 'x.h5'");
            FAIL("the second lock was taken");
        } catch (const plmkit::UsageError& e) {
            const std::string msg = e.what();
            CHECK_THAT(
                msg, Catch::Contains("another run of plmkit embed writing 'x.h5' is "
                                     "under way: pid " +
                                     std::to_string(::getpid()) + " on host '" + my_host() + "'") &&
                         Catch::Contains("holds the lock file '" + path + "'") &&
                         Catch::Contains("delete '" + path + "' and run again"));
        }
        // The refused run left the holder's file as it was.
        CHECK(pid_in(path) == static_cast<long>(::getpid()));
    }
    CHECK_FALSE(test::file_exists(path));
    RunLock again(path, "x");
    CHECK(test::file_exists(path));
}

TEST_CASE("run lock: a stale lock is taken over, a live one elsewhere is not", "[core][run_lock]") {
    test::ScopedEnv env({{"SLURM_JOB_ID", std::nullopt}, {"SLURM_RESTART_COUNT", std::nullopt}});
    const std::string path = test::temp_path("run_lock_stale");
    const long me = static_cast<long>(::getpid());
    SECTION("a dead process on this host") {
        test::write_file(path, lock_text(dead_pid(), my_host()));
        RunLock lock(path, "x");
        CHECK(pid_in(path) == me);
    }
    SECTION("a pid of this host now running another process") {
        test::write_file(path, lock_text(me, my_host(), "", 0, "1"));
        RunLock lock(path, "x");
        CHECK(pid_in(path) == me);
    }
    SECTION("a process on another host: refused, saying where to look") {
        test::write_file(path, lock_text(dead_pid(), "node-elsewhere-17"));
        CHECK_THROWS_WITH(RunLock(path, "x"), Catch::Contains("check on host 'node-elsewhere-17'"));
        CHECK(nlohmann::json::parse(test::read_file(path)).at("host") == "node-elsewhere-17");
    }
    SECTION("an unreadable lock: refused while new, taken over when old") {
        test::write_file(path, "");
        CHECK_THROWS_AS(RunLock(path, "x"), plmkit::UsageError);
        struct utimbuf old = {std::time(nullptr) - 3600, std::time(nullptr) - 3600};
        REQUIRE(::utime(path.c_str(), &old) == 0);
        RunLock lock(path, "x");
        CHECK(pid_in(path) == me);
    }
    std::remove(path.c_str());
}

TEST_CASE("run lock: Slurm's requeued job takes over its own lock, a doubled task does not",
          "[core][run_lock]") {
    const std::string path = test::temp_path("run_lock_slurm");
    test::ScopedEnv env(
        {{"SLURM_JOB_ID", std::string("4242")}, {"SLURM_RESTART_COUNT", std::string("1")}});
    SECTION("the same job before its requeue, on another node") {
        test::write_file(path, lock_text(12345, "node-a", "4242", 0));
        RunLock lock(path, "x");
        CHECK(pid_in(path) == static_cast<long>(::getpid()));
    }
    SECTION("another job (a doubled array task) on another node") {
        test::write_file(path, lock_text(12345, "node-a", "4243", 0));
        CHECK_THROWS_WITH(RunLock(path, "x"),
                          Catch::Contains("(Slurm job 4243)") && Catch::Contains("squeue -j 4243"));
    }
    SECTION("the same job at the same restart") {
        test::write_file(path, lock_text(12345, "node-a", "4242", 1));
        CHECK_THROWS_AS(RunLock(path, "x"), plmkit::UsageError);
    }
    std::remove(path.c_str());
}

TEST_CASE("run lock: a second interrupt, which ends the process at once, removes the lock",
          "[core][run_lock]") {
    const std::string path = test::temp_path("run_lock_sigint");
    std::remove(path.c_str());
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // As plmkit's main: the handlers are installed, then a run takes its
        // lock and gets Ctrl-C twice (the first only asks long loops to stop).
        plmkit::install_signal_handlers();
        RunLock lock(path, "x");
        std::raise(SIGINT);
        std::raise(SIGINT);
        ::_exit(0);  // not reached: the second SIGINT kills the process
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGINT);
    CHECK_FALSE(test::file_exists(path));
}
