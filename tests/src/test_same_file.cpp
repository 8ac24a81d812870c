#include <unistd.h>

#include "tests/catch.hpp"

#include "src/same_file.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;
using plmkit::same_file;

TEST_CASE("same_file: spellings and links of one file", "[core][same_file]") {
    auto a = test::temp_path("same_a.csv");
    auto b = test::temp_path("same_b.csv");
    test::write_file(a, "x\n");
    test::write_file(b, "x\n");
    auto dir = a.substr(0, a.rfind('/'));
    auto name = a.substr(a.rfind('/') + 1);
    CHECK(same_file(a, a));
    CHECK(same_file(a, dir + "/./" + name));
    CHECK(same_file(a, dir + "/../" + dir.substr(dir.rfind('/') + 1) + "/" + name));
    CHECK_FALSE(same_file(a, b));
    auto link = test::temp_path("same_link.csv");
    ::unlink(link.c_str());
    REQUIRE(::symlink(a.c_str(), link.c_str()) == 0);
    CHECK(same_file(a, link));
    SECTION("a file not written yet compares by its normalized path") {
        auto fresh = test::temp_path("same_fresh.txt");
        CHECK(same_file(fresh, dir + "/./" + fresh.substr(fresh.rfind('/') + 1)));
        CHECK_FALSE(same_file(fresh, a));
    }
    SECTION("stdin/stdout and empty paths are never the same file") {
        CHECK_FALSE(same_file("-", "-"));
        CHECK_FALSE(same_file("", ""));
    }
}
