// Split files and split values that do not match the data are errors that
// name the file, line and value; nothing is left out silently.
#include <cmath>

#include "tests/catch.hpp"

#include "data/split_file.hpp"
#include "data/splits.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::data;

TEST_CASE("split names: strict parsing with explicit leave-out values", "[data][splits]") {
    int set = 99;
    CHECK(parse_split_name(" Train ", set));
    CHECK(set == kTrain);
    CHECK(parse_split_name("dev", set));
    CHECK(set == kValid);
    CHECK(parse_split_name("TEST", set));
    CHECK(set == kTest);
    for (const char* out : {"none", "invalid", "Exclude"}) {
        set = 99;
        CHECK(parse_split_name(out, set));
        CHECK(set == kNoSet);
    }
    CHECK_FALSE(parse_split_name("foo", set));
    CHECK_FALSE(parse_split_name("", set));
    CHECK_FALSE(parse_split_name("  ", set));
}

TEST_CASE("split file: unknown values name the file and line", "[data][splits]") {
    const auto p = test::temp_path("split_foo.csv");
    test::write_file(p, "row_index,split\n0,train\n1,foo\n");
    CHECK_THROWS_AS(read_split_file(p), InputError);
    CHECK_THROWS_WITH(read_split_file(p),
                      Catch::StartsWith(p + ":3: unknown split 'foo' for row index 1, expected "
                                            "train, valid"));
    test::write_file(p, "row_index,split\n0,train\n1,\n");
    CHECK_THROWS_WITH(read_split_file(p), Catch::StartsWith(p + ":3: unknown split ''"));
    test::write_file(p, "row_index,split\n0,train\n1,exclude\n2,invalid\n");
    auto f = read_split_file(p);
    CHECK(f.sets == std::vector<int>{kTrain, kNoSet, kNoSet});
    CHECK(f.lines == std::vector<std::uint64_t>{2, 3, 4});
}

TEST_CASE("split file: every data row needs an entry, and every entry a data row",
          "[data][splits]") {
    const auto p = test::temp_path("split_rows.csv");
    test::write_file(p, "row_index,split\n0,train\n1,test\n2,none\n3,valid\n");
    auto f = read_split_file(p);
    SECTION("rows are matched by their data row index") {
        CHECK(split_file_sets(f, {0, 1, 3}, 4) == std::vector<int>{kTrain, kTest, kValid});
        CHECK(split_file_sets(f, {2}, 4) == std::vector<int>{kNoSet});
    }
    SECTION("a row index past the data is an error naming the line") {
        CHECK_THROWS_AS(split_file_sets(f, {0, 1}, 3), InputError);
        CHECK_THROWS_WITH(split_file_sets(f, {0, 1}, 3),
                          p + ":5: row index 3 out of range: data has 3 rows");
    }
    SECTION("data rows the file does not list are named") {
        CHECK_THROWS_WITH(split_file_sets(f, {0, 4, 5, 6}, 7),
                          Catch::StartsWith("data rows 4..6 have no entry in split file '" + p));
        CHECK_THROWS_WITH(split_file_sets(f, {0, 4, 6}, 7),
                          Catch::StartsWith("data row 4 and 1 more have no entry"));
        CHECK_THROWS_WITH(split_file_sets(f, {5}, 7), Catch::StartsWith("data row 5 has no entry"));
    }
}

TEST_CASE("split file: the shared scaffold split files cover their data", "[data][splits]") {
    // Row counts of the data files (data rows, header excluded).
    const std::pair<const char*, std::uint64_t> sets[] = {{"esol", 1128}, {"bbbp", 2050}};
    for (const auto& [name, rows] : sets) {
        INFO(name);
        auto f =
            read_split_file(test::shared_path(std::string("data/") + name + "/scaffold_split.csv"));
        std::vector<std::uint64_t> all(rows);
        for (std::uint64_t i = 0; i < rows; ++i)
            all[i] = i;
        CHECK(split_file_sets(f, all, rows).size() == rows);
    }
}

TEST_CASE("split sizes: NaN and infinite fractions are refused", "[data][splits]") {
    const double nan = std::nan("");
    CHECK_THROWS_AS(check_split_sizes({nan, 0, 1}), UsageError);
    CHECK_THROWS_AS(check_split_sizes({0.5, nan, 0.5}), UsageError);
    CHECK_THROWS_AS(check_split_sizes({0.8, 0.1, HUGE_VAL}), UsageError);
    CHECK_NOTHROW(check_split_sizes({0.8, 0.1, 0.1}));
}
