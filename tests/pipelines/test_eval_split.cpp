// evaluate --split-set: which sets a name selects, reading the rows of a
// model's split.csv, and keeping a table's rows (and rejects) of those sets.
#include <filesystem>

#include "tests/catch.hpp"

#include "pipelines/eval_split.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {

/// A model directory holding only split.csv with `text`.
std::string model_with_split(const std::string& name, const std::string& text) {
    const std::string dir = test::temp_path(name);
    std::filesystem::create_directories(dir);
    test::write_file(dir + "/split.csv", text);
    return dir;
}

/// Rows 0..4 of a table (ids r0..r4, SMILES C, CC, ...; targets 0..4), row 5
/// rejected.
PropertyTable table() {
    PropertyTable t;
    t.num_targets = 1;
    for (int i = 0; i < 5; ++i) {
        t.index.push_back(i);
        t.lines.push_back(i + 2);
        t.ids.push_back("r" + std::to_string(i));
        t.inputs.push_back(std::string(i + 1, 'C'));
        t.targets.push_back(i);
    }
    t.rejects.push_back("5\tr5\tC1CC(\tunparsable");
    t.records = 6;
    return t;
}

const char* kSplit =
    "row_index,id,smiles,split\n0,r0,C,train\n1,r1,CC,test\n2,r2,CCC,valid\n3,r3,CCCC,test\n"
    "4,r4,CCCCC,train\n5,r5,C1CC(,test\n";

}  // namespace

TEST_CASE("eval split: set names", "[eval_split]") {
    CHECK(parse_split_sets({"test"}) == std::vector<std::string>{"test"});
    CHECK(parse_split_sets({"Validation", "TEST", "val", "training", "exclude"}) ==
          std::vector<std::string>{"valid", "test", "train", "none"});
    CHECK_THROWS_AS(parse_split_sets({"tset"}), UsageError);
}

TEST_CASE("eval split: the rows of split.csv in the sets", "[eval_split]") {
    SECTION("no --split-set: nothing read") {
        CHECK(load_eval_split("no/such/dir", {}, nullptr, "x.csv").empty());
    }
    SECTION("no split.csv") {
        const std::string dir = test::temp_path("eval_split_none");
        std::filesystem::create_directories(dir);
        CHECK_THROWS_AS(load_eval_split(dir, {"test"}, nullptr, "x.csv"), UsageError);
    }
    const std::string dir = model_with_split("eval_split_model", kSplit);
    SECTION("a model without training.data_file: the rows are checked later") {
        const EvalSplit s = load_eval_split(dir, {"test"}, nlohmann::json::object(), "x.csv");
        CHECK_FALSE(s.hashed);
        REQUIRE(s.rows.size() == 3);
        CHECK(s.rows.at(1) == std::make_pair(std::string("r1"), std::string("CC")));
        CHECK(s.rows.count(3) == 1);
        CHECK(s.rows.count(5) == 1);
        CHECK(s.to_json()["rows"] == 3);
    }
    SECTION("the data file's record: a file of another size is refused") {
        const std::string data = test::write_temp("eval_split_data.csv", "smiles,y\nC,1\n");
        const nlohmann::json training = {
            {"data_file", {{"path", "/data/t.csv"}, {"size", 999}, {"xxh64", "0123456789abcdef"}}}};
        CHECK_THROWS_WITH(load_eval_split(dir, {"test"}, training, data),
                          Catch::Contains("is not the file the model was trained on"));
    }
    SECTION("no row in the set") {
        CHECK_THROWS_AS(load_eval_split(dir, {"none"}, nullptr, "x.csv"), InputError);
    }
    SECTION("a malformed split.csv") {
        const std::string bad = model_with_split("eval_split_bad", "row_index,split\n0,test\n");
        CHECK_THROWS_AS(load_eval_split(bad, {"test"}, nullptr, "x.csv"), InputError);
    }
}

TEST_CASE("eval split: keeping the rows of the sets", "[eval_split]") {
    const std::string dir = model_with_split("eval_split_keep", kSplit);
    const EvalSplit s = load_eval_split(dir, {"test"}, nullptr, "x.csv");
    SECTION("matching rows: the test rows and their rejects") {
        PropertyTable t = table();
        keep_split_rows(t, s, "x.csv");
        CHECK(t.ids == std::vector<std::string>{"r1", "r3"});
        CHECK(t.index == std::vector<std::uint64_t>{1, 3});
        CHECK(t.lines == std::vector<std::uint64_t>{3, 5});
        CHECK(t.inputs == std::vector<std::string>{"CC", "CCCC"});
        CHECK(t.targets == std::vector<double>{1, 3});
        CHECK(t.rejects == std::vector<std::string>{"5\tr5\tC1CC(\tunparsable"});
        CHECK(t.records == 3);
    }
    SECTION("the train rows (the first row kept in place)") {
        const EvalSplit train = load_eval_split(dir, {"train"}, nullptr, "x.csv");
        PropertyTable t = table();
        keep_split_rows(t, train, "x.csv");
        CHECK(t.ids == std::vector<std::string>{"r0", "r4"});
        CHECK(t.inputs == std::vector<std::string>{"C", "CCCCC"});
        CHECK(t.rejects.empty());
    }
    SECTION("a row whose input differs from split.csv's") {
        PropertyTable t = table();
        t.inputs[3] = "CCCO";
        CHECK_THROWS_WITH(keep_split_rows(t, s, "x.csv"),
                          Catch::Contains("data row 3 (line 5) has id 'r3' and input 'CCCO', "
                                          "split.csv has 'r3' and 'CCCC'"));
    }
    SECTION("a table that ends before the split's rows") {
        PropertyTable t = table();
        t.records = 4;
        CHECK_THROWS_WITH(keep_split_rows(t, s, "x.csv"), Catch::Contains("past the end"));
    }
}
