#include "pipelines/duplicate_ids.hpp"

#include "tests/catch.hpp"

using plmkit::pipelines::DuplicateIds;

TEST_CASE("DuplicateIds counts repeats and lists the first ones", "[duplicate_ids]") {
    SECTION("unique ids: no warning") {
        DuplicateIds d;
        d.add("a", 0, 2);
        d.add("b", 1, 3);
        d.add("", 2, 4);  // not checked
        d.add("", 3, 5);
        CHECK(d.count() == 0);
        CHECK(d.warning("in.csv", "x").empty());
    }
    SECTION("every repeat is counted, the first ones listed with their line") {
        DuplicateIds d;
        const char* ids[] = {"a", "b", "a", "c", "a", "b", "d", "c", "c", "e"};
        for (std::uint64_t i = 0; i < 10; ++i)
            d.add(ids[i], i, i + 2);  // a header line first
        // repeats: a@3(line 4), a@4(6), b@5(7), c@7(9), c@8(10)
        CHECK(d.count() == 5);
        CHECK(d.warning("in.csv", "so what") ==
              "in.csv: 5 records repeat the id of an earlier record: 'a' (line 4), 'a' (line 6), "
              "'b' (line 7), 'c' (line 9), 'c' (line 10); so what");
        d.add("a", 10, 0);
        CHECK(d.count() == 6);
        CHECK_THAT(d.warning("in.csv", "w"),
                   Catch::Contains("6 records repeat") && Catch::Contains("(line 10), ...; w"));
    }
    SECTION("one repeat; no line number: the record number") {
        DuplicateIds d;
        d.add("x", 0, 0);
        d.add("x", 1, 0);
        CHECK(d.warning("-", "w") ==
              "-: 1 record repeats the id of an earlier record: 'x' "
              "(record 2); w");
    }
    SECTION("past its cap, new ids are not checked and the warning says so") {
        DuplicateIds d(2);
        d.add("a", 0, 1);
        d.add("b", 1, 2);
        d.add("c", 2, 3);  // not remembered
        d.add("c", 3, 4);  // not found
        d.add("a", 4, 5);  // still found
        CHECK(d.count() == 1);
        CHECK_THAT(d.warning("in", "w"),
                   Catch::Contains("'a' (line 5); w (the check remembers 2 distinct ids: a repeat "
                                   "of an id first seen from record 3 on is not counted)"));
    }
}
