// src/name_hints: the capped list of names and the closest name to a typo.
#include "tests/catch.hpp"

#include "src/name_hints.hpp"

using plmkit::closest_name;
using plmkit::did_you_mean;
using plmkit::name_list;

TEST_CASE("name_list: quoted names, capped with a count of the rest", "[name_hints]") {
    CHECK(name_list({}) == "none");
    CHECK(name_list({"a"}) == "'a'");
    CHECK(name_list({"a", "b c"}) == "'a', 'b c'");
    CHECK(name_list({"a", "b", "c", "d"}, 3) == "'a', 'b', 'c' ... and 1 more");
    CHECK(name_list({"a", "b", "c"}, 3) == "'a', 'b', 'c'");
    std::vector<std::string> wide;
    for (int i = 1; i <= 25; ++i)
        wide.push_back("c" + std::to_string(i));
    const std::string l = name_list(wide);
    CHECK(l.find("'c20' ... and 5 more") != std::string::npos);
    CHECK(l.find("'c21'") == std::string::npos);
}

TEST_CASE("closest_name: case first, then a small edit distance", "[name_hints]") {
    const std::vector<std::string> cols = {"id", "smiles", "logS", "measured log solubility"};
    SECTION("the same name in another case") {
        CHECK(closest_name("LOGS", cols) == "logS");
        CHECK(closest_name("Smiles", cols) == "smiles");
    }
    SECTION("typos within the limit (1 up to 4 letters, 2 up to 8, else 3)") {
        CHECK(closest_name("lgS", cols) == "logS");       // one deletion
        CHECK(closest_name("smiels", cols) == "smiles");  // two substitutions
        CHECK(closest_name("smile", cols) == "smiles");   // one insertion
        CHECK(closest_name("measured log solubilty", cols) == "measured log solubility");
        CHECK(closest_name("measured log solubility in mols", cols).empty());
    }
    SECTION("nothing close") {
        CHECK(closest_name("target", cols).empty());
        CHECK(closest_name("xy", cols).empty());  // 'id' is 2 edits away, the limit is 1
        CHECK(closest_name("y", {}).empty());
    }
    SECTION("the first of equally close names") {
        CHECK(closest_name("ab", {"xb", "ax"}) == "xb");
    }
    SECTION("did_you_mean") {
        CHECK(did_you_mean("lgS", cols) == "; did you mean 'logS'?");
        CHECK(did_you_mean("target", cols).empty());
    }
}

TEST_CASE("column_list_hint: a list of existing columns given as one name", "[name_hints]") {
    const std::vector<std::string> cols = {"smiles", "NR-AR", "NR-AhR", "log S"};
    CHECK(plmkit::column_list_hint("NR-AR,NR-AhR", cols, "--target-col") ==
          "; 'NR-AR,NR-AhR' names 2 columns: give each after its own --target-col (--target-col "
          "NR-AR --target-col NR-AhR)");
    // Spaces after the commas, and a name that needs quoting in a shell.
    CHECK(plmkit::column_list_hint("NR-AR, log S", cols, "--target-col") ==
          "; 'NR-AR, log S' names 2 columns: give each after its own --target-col (--target-col "
          "NR-AR --target-col 'log S')");
    // Not every item a column: the closest single name, as did_you_mean.
    CHECK(plmkit::column_list_hint("NR-AR,NR-X", cols, "--target-col") == "");
    CHECK(plmkit::column_list_hint("NR-AhX", cols, "--target-col") == "; did you mean 'NR-AhR'?");
    // One item is not a list.
    CHECK(plmkit::column_list_hint("NR-AR,", cols, "--target-col") == "; did you mean 'NR-AR'?");
}
