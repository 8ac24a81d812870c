// `plmkit screen` takes the lock file .<hits>.lock beside its hits output: a
// second run writing the same files is refused while the first runs (their
// hits, rejects and summary could otherwise come from different runs).
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::run_plmkit;
using plmkit::test::temp_path;
namespace test = plmkit::test;
namespace fs = std::filesystem;

TEST_CASE("cli screen: a second run writing the same outputs is refused while the first runs",
          "[cli][screen][lock]") {
    const std::string dir = temp_path("screen_lock_two");
    fs::create_directories(dir);
    const std::string lib = "CCO ethanol\nc1ccccc1O phenol\nCC(=O)Nc1ccc(O)cc1 paracetamol\n";
    const std::string input = dir + "/lib.smi";
    test::write_file(input, lib);
    const std::string hits = dir + "/hits.csv";
    const std::string lock = dir + "/.hits.csv.lock";
    const std::string fifo = test::make_fifo("screen_lock_two.fifo");
    test::RunResult first;
    std::thread holder([&] {
        first = run_plmkit({"-q", "screen", "--format", "smi", "-i", fifo, "-o", hits});
    });
    const int w = ::open(fifo.c_str(), O_WRONLY);  // returns once the first run reads
    REQUIRE(w >= 0);
    for (int i = 0; i < 600 && !file_exists(lock); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(file_exists(lock));
    const long pid = nlohmann::json::parse(test::read_file(lock)).at("pid").get<long>();

    auto second = run_plmkit({"-q", "screen", "-i", input, "-o", hits, "--sdf", dir + "/h.sdf"});
    INFO(second.err);
    CHECK(second.exit_code == 2);
    CHECK_THAT(second.err, Catch::Contains("another run of plmkit screen writing '" + hits +
                                           "' is under way: pid " + std::to_string(pid)) &&
                               Catch::Contains("holds the lock file '" + lock + "'"));
    CHECK_FALSE(file_exists(dir + "/h.sdf"));

    REQUIRE(::write(w, lib.data(), lib.size()) == static_cast<ssize_t>(lib.size()));
    ::close(w);
    holder.join();
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK_FALSE(file_exists(lock));
    auto summary = nlohmann::json::parse(test::read_file(dir + "/hits.summary.json"));
    CHECK(summary["counts"]["records_read"] == 3);
}
