// `plmkit embed` takes the lock file OUTPUT.partial/lock for its run: a second
// run writing the same output (a job started twice, a doubled Slurm array
// task) is refused while the first runs, instead of mixing its checkpoint
// parts with the first's; a lock left by a killed run is taken over.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::run_plmkit;
using plmkit::test::temp_path;
namespace test = plmkit::test;
namespace fs = std::filesystem;

namespace {
const std::string kModel = test::esm2_tiny_model();
const std::string kFasta = ">a1\nMKTAYIAKQRQISFVKSHFSRQ\n>bad1\nMKT1AY\n>a2\nGSHMLEDPVDAFQ\n";

std::vector<std::string> embed_args(const std::string& input, const std::string& out) {
    return {"-q",
            "embed",
            "--model",
            kModel,
            "--input",
            input,
            "--output",
            out,
            "--threads",
            "1",
            "--checkpoint-every",
            "1"};
}

bool wait_for_file(const std::string& path) {
    for (int i = 0; i < 600 && !file_exists(path); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return file_exists(path);
}
}  // namespace

TEST_CASE("cli embed: a second run writing the same output is refused while the first runs",
          "[cli][embed][lock]") {
    const std::string dir = temp_path("embed_lock_two");
    fs::create_directories(dir);
    const std::string input = dir + "/in.fasta";
    test::write_file(input, kFasta);
    const std::string out = dir + "/emb.h5";
    const std::string lock = out + ".partial/lock";
    // The first run reads a FIFO: it holds its lock until the FIFO is closed.
    const std::string fifo = test::make_fifo("embed_lock_two.fifo");
    test::RunResult first;
    std::thread holder([&] { first = run_plmkit(embed_args(fifo, out)); });
    const int w = ::open(fifo.c_str(), O_WRONLY);  // returns once the first run reads
    REQUIRE(w >= 0);
    REQUIRE(wait_for_file(lock));
    const long holder_pid = nlohmann::json::parse(test::read_file(lock)).at("pid").get<long>();

    for (bool resume : {false, true}) {
        auto args = embed_args(input, out);
        if (resume) args.push_back("--resume");
        auto second = run_plmkit(args);
        INFO(second.err);
        CHECK(second.exit_code == 2);
        CHECK_THAT(
            second.err,
            Catch::Contains("plmkit: error: another run of plmkit embed writing '" + out +
                            "' is under way: pid " + std::to_string(holder_pid) + " on host '") &&
                Catch::Contains("holds the lock file '" + lock + "'") &&
                Catch::Contains("If that run is no longer running (check with ps), delete '" +
                                lock + "' and run again"));
        CHECK(file_exists(lock));  // still the first run's
    }

    REQUIRE(::write(w, kFasta.data(), kFasta.size()) == static_cast<ssize_t>(kFasta.size()));
    ::close(w);
    holder.join();
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK_FALSE(file_exists(out + ".partial"));
    plmkit::Hdf5Reader h5(out);
    CHECK(h5.info("ids").rows == 2);
}

TEST_CASE("cli embed: the lock of a killed run is taken over with a warning",
          "[cli][embed][lock][resume]") {
    const std::string dir = temp_path("embed_lock_stale");
    fs::create_directories(dir);
    const std::string input = dir + "/in.fasta";
    test::write_file(input, kFasta);
    const std::string out = dir + "/emb.h5";
    {
        test::ScopedEnv env({{"PLMKIT_TEST_KILL_AFTER_PARTS", std::string("1")}});
        auto k = run_plmkit(embed_args(input, out));
        REQUIRE(k.exit_code == 128 + 9);
    }
    const std::string lock = out + ".partial/lock";
    REQUIRE(file_exists(lock));  // left by the killed process
    const long dead = nlohmann::json::parse(test::read_file(lock)).at("pid").get<long>();
    auto args = embed_args(input, out);
    args.push_back("--resume");
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("plmkit: warning: " + lock +
                                      ": taking over the lock of pid " + std::to_string(dead)) &&
                          Catch::Contains("that process no longer runs"));
    CHECK_FALSE(file_exists(out + ".partial"));
    plmkit::Hdf5Reader h5(out);
    CHECK(h5.info("ids").rows == 2);
}
