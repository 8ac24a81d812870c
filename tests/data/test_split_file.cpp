#include <algorithm>
#include <array>

#include "tests/catch.hpp"

#include "data/split_file.hpp"
#include "data/splits.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::data;

TEST_CASE("split file: the shared scaffold split files", "[data][splits]") {
    // Counts from pandas: value_counts() of scaffold_split.
    auto esol = read_split_file(test::shared_path("data/esol/scaffold_split.csv"));
    REQUIRE(esol.sets.size() == 1128);
    std::array<int, 3> c{0, 0, 0};
    for (int s : esol.sets)
        ++c.at(static_cast<std::size_t>(s));
    CHECK(c == std::array<int, 3>{902, 113, 113});
    CHECK(esol.sets[0] == kTest);
    CHECK(esol.groups[0] == "c1ccc(COC2CCCC(COC3CCCCO3)O2)cc1");
    auto bbbp = read_split_file(test::shared_path("data/bbbp/scaffold_split.csv"));
    REQUIRE(bbbp.sets.size() == 2050);
    CHECK(std::count(bbbp.sets.begin(), bbbp.sets.end(), kNoSet) == 11);  // 'invalid'
}

TEST_CASE("split file: errors name the file and line", "[data][splits]") {
    auto p = test::temp_path("split.csv");
    test::write_file(p, "row_index,split\n0,train\n2,test\n");
    auto f = read_split_file(p);
    CHECK(f.sets == std::vector<int>{0, -1, 2});
    CHECK(f.groups.empty());

    test::write_file(p, "row_index,split\n0,train\n0,test\n");
    CHECK_THROWS_WITH(read_split_file(p), p + ":3: row index 0 listed twice");
    test::write_file(p, "row_index,split\nx,train\n");
    CHECK_THROWS_WITH(read_split_file(p), Catch::Contains(":2: row index 'x'"));
    test::write_file(p, "row_index,split\n1\n");
    CHECK_THROWS_WITH(read_split_file(p), p + ":2: expected 2 fields, found 1");
    test::write_file(p, "idx,fold\n1,train\n");
    CHECK_THROWS_AS(read_split_file(p), UsageError);
}
