// src/strings.hpp: the small string helpers; expected texts written by hand.
#include <string>

#include "tests/catch.hpp"

#include "src/strings.hpp"

using plmkit::count_noun;

TEST_CASE("count_noun: singular for one, plural otherwise", "[core][strings]") {
    CHECK(count_noun(0, "row") == "0 rows");
    CHECK(count_noun(1, "row") == "1 row");
    CHECK(count_noun(2, "row") == "2 rows");
    CHECK(count_noun(1284, "molecule") == "1284 molecules");
    CHECK(count_noun(1, "entry", "entries") == "1 entry");
    CHECK(count_noun(3, "entry", "entries") == "3 entries");
    CHECK(count_noun(0, "class", "classes") == "0 classes");
    CHECK(count_noun(18446744073709551615ULL, "record") == "18446744073709551615 records");
}

TEST_CASE("starts_with and ends_with", "[core][strings]") {
    CHECK(plmkit::starts_with("plmkit", "plm"));
    CHECK_FALSE(plmkit::starts_with("pl", "plm"));
    CHECK(plmkit::ends_with("preds.csv", ".csv"));
    CHECK_FALSE(plmkit::ends_with("csv", ".csv"));
}
