// Reading a table of inputs and targets: what counts as a number, what as
// a missing value, and header columns named twice.
#include <cmath>

#include "tests/catch.hpp"

#include "pipelines/property_table.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {
PropertyTable read(const std::string& csv, const std::string& task = "regression") {
    const std::string path = test::temp_path("table.csv");
    test::write_file(path, csv);
    TableOptions o;
    o.target_cols = {"y"};
    o.task = task;
    return read_property_table(path, o);
}
}  // namespace

TEST_CASE("property table: targets are decimal numbers only", "[property_table]") {
    auto t = read(
        "smiles,y\nC,0x10\nCC,inf\nCCC,-Infinity\nCCCC,1e-3\nCCCCC,+2.5\nCCCCCC,0X1p3\nCO,1.5.2\n");
    REQUIRE(t.size() == 2);
    CHECK(t.targets == std::vector<double>{1e-3, 2.5});
    REQUIRE(t.rejects.size() == 5);
    CHECK_THAT(t.rejects[0], Catch::EndsWith("target 'y' is not a number: '0x10'"));
    CHECK_THAT(t.rejects[1], Catch::EndsWith("'inf'"));
    CHECK_THAT(t.rejects[2], Catch::EndsWith("'-Infinity'"));
    CHECK_THAT(t.rejects[3], Catch::EndsWith("'0X1p3'"));
    CHECK_THAT(t.rejects[4], Catch::EndsWith("'1.5.2'"));
}

TEST_CASE("property table: censored regression values are rejected as bounds", "[property_table]") {
    // A bound is     // A bound is '<', '>', '<=', '>=', U+2264 or U+2265 before a decimal
    // number; anything else is "not a number" as before.
    auto t = read(
        "smiles,y\nC,<5\nCC, > 1e2 \nCCC,>=-0.5\nCCCC,\u22643\nCO,<\nCN,<abc\n"
        "CCO,5<\nCCN,<<5\nCCCO,~5\nCCCN,2.5\n");
    REQUIRE(t.size() == 1);
    REQUIRE(t.rejects.size() == 9);
    const char* censored[] = {"'<5'", "'> 1e2'", "'>=-0.5'", "'\u22643'"};
    for (int i = 0; i < 4; ++i) {
        INFO(t.rejects[i]);
        CHECK_THAT(t.rejects[i],
                   Catch::Contains(std::string("target 'y' ") + kCensoredReason + " " +
                                   censored[i] + " (a bound, not a measured value)"));
    }
    for (int i = 4; i < 9; ++i)
        CHECK_THAT(t.rejects[i], Catch::Contains("target 'y' is not a number: '"));
    // In a classification target a bound is no class: "not a number", with
    // the hint about binary targets.
    auto c = read("smiles,y\nC,<5\nCC,1\nCCC,0\n", "classification");
    REQUIRE(c.rejects.size() == 1);
    CHECK_THAT(c.rejects[0], Catch::Contains("is not a number: '<5'; classification is binary"));
}

TEST_CASE("property table: pandas' missing-value spellings are missing", "[property_table]") {
    TableOptions o;
    const std::string path = test::temp_path("table_missing.csv");
    test::write_file(path,
                     "smiles,y,z\nC,NA,1\nCC,n/a,1\nCCC,NaN,1\nCCCC,null,1\nCO,None,1\n"
                     "CCO,#N/A,1\nCCCO, ,1\nCN,nan,\n");
    o.target_cols = {"y", "z"};
    auto t = read_property_table(path, o);
    REQUIRE(t.size() == 7);
    for (std::size_t i = 0; i < 7; ++i) {
        CHECK(std::isnan(t.targets[i * 2]));
        CHECK(t.targets[i * 2 + 1] == 1.0);
    }
    REQUIRE(t.rejects.size() == 1);  // both missing
    CHECK_THAT(t.rejects[0], Catch::Contains("no target value"));
}

TEST_CASE("property table: a column read twice in the header is refused", "[property_table]") {
    CHECK_THROWS_AS(read("smiles,y,y\nC,1,2\n"), InputError);
    CHECK_THROWS_WITH(read("smiles,y,y\nC,1,2\n"),
                      Catch::Contains("names column 'y' more than once"));
    CHECK_THROWS_WITH(read("smiles,y,smiles\nC,1,CC\n"),
                      Catch::Contains("names column 'smiles' more than once"));
    // A duplicated column the table does not read is left alone.
    CHECK(read("smiles,y,note,note\nC,1,a,b\n").size() == 1);
}
