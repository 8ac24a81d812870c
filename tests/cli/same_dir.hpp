#pragma once
// One check shared by the tests of interrupted and resumed runs: the folder a
// resumed run wrote is byte for byte the folder of an uninterrupted run.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/catch.hpp"
#include "tests/test_support.hpp"

namespace plmkit::test {

/// Every file of `want` is in `got` with the same bytes, and `got` has no
/// other (no checkpoints folder left either).
inline void require_same_dir(const std::string& want, const std::string& got) {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(want))
        names.push_back(e.path().filename().string());
    REQUIRE(names.size() >= 4);  // config.json, model.safetensors, vocab.txt, rejects.tsv
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(got)) {
        (void)e;
        ++n;
    }
    CHECK(n == names.size());
    CHECK_FALSE(file_exists(got + "/checkpoints"));
    for (const auto& name : names) {
        INFO(name);
        REQUIRE(file_exists(got + "/" + name));
        CHECK(read_file(got + "/" + name) == read_file(want + "/" + name));
    }
}

}  // namespace plmkit::test
