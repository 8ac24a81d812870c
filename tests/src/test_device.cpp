#include "tests/catch.hpp"

#include "src/atomic_file.hpp"
#include "src/device.hpp"
#include "src/error.hpp"
#include "src/progress.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

TEST_CASE("device and dtype strings", "[core][device]") {
    CHECK(parse_device("cpu").kind == DeviceKind::cpu);
    CHECK(parse_device("auto").kind == DeviceKind::automatic);
    auto d = parse_device("cuda:3");
    CHECK(d.kind == DeviceKind::cuda);
    CHECK(d.index == 3);
    CHECK(to_string(d) == "cuda:3");
    CHECK_THROWS_AS(parse_device("tpu"), UsageError);
    CHECK_THROWS_AS(parse_device("cuda:x"), UsageError);
    // No "gpu" alias: the message lists what every command takes.
    CHECK_THROWS_WITH(parse_device("gpu"),
                      "--device 'gpu': expected auto, cpu, cuda or cuda:N (a GPU is 'cuda' or "
                      "'cuda:N')");
    CHECK_THROWS_WITH(parse_device(""), "--device '': expected auto, cpu, cuda or cuda:N");
    CHECK(parse_compute_dtype("bf16") == ComputeDType::bf16);
    CHECK(parse_compute_dtype("float32") == ComputeDType::f32);
    CHECK_THROWS_WITH(parse_compute_dtype("int8"), Catch::Contains("expected fp32, bf16 or fp16"));
}

TEST_CASE("atomic file: renamed on commit, removed otherwise", "[core][io]") {
    auto final_path = test::temp_path("out.txt");
    std::string tmp;
    {
        AtomicFile f(final_path);
        tmp = f.temp_path();
        test::write_file(tmp, "half");
    }
    CHECK_THROWS(test::read_file(tmp));
    CHECK_THROWS(test::read_file(final_path));
    {
        AtomicFile f(final_path);
        test::write_file(f.temp_path(), "whole");
        f.commit();
    }
    CHECK(test::read_file(final_path) == "whole");
}

TEST_CASE("human-readable counts and durations", "[core][progress]") {
    CHECK(human_count(950) == "950");
    CHECK(human_count(12345) == "12.3k");
    CHECK(human_count(2.5e6) == "2.5M");
    CHECK(human_duration(5) == "5s");
    CHECK(human_duration(125) == "2m05s");
    CHECK(human_duration(3720) == "1h02m");
}
