// Class labels of --task multiclass (pipelines/class_labels.hpp): the table
// keeps labels as text, classes are the sorted distinct training labels,
// a label outside them is a reject naming it and the classes, and predict's
// probability columns have distinct, safe names.
#include <cmath>

#include "tests/catch.hpp"

#include "pipelines/class_labels.hpp"
#include "pipelines/property_table.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {

PropertyTable read_labels(const std::string& csv) {
    const std::string path = test::temp_path("class_labels.csv");
    test::write_file(path, csv);
    TableOptions o;
    o.target_cols = {"location"};
    o.task = "multiclass";
    return read_property_table(path, o);
}

std::vector<std::size_t> all_rows(const PropertyTable& t) {
    std::vector<std::size_t> rows(t.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        rows[i] = i;
    return rows;
}

}  // namespace

TEST_CASE("class labels: text labels are read, missing ones masked", "[class_labels]") {
    auto t = read_labels(
        "smiles,location\nC,Nucleus\nCC, Cytoplasm \nCCC,NA\nCCCC,Cell.membrane\nCO,Nucleus\n");
    // The NA row has no target value at all: a reject, as for the other tasks.
    REQUIRE(t.size() == 4);
    REQUIRE(t.rejects.size() == 1);
    CHECK_THAT(t.rejects[0], Catch::EndsWith("no target value (all target columns blank or NA)"));
    CHECK(t.labels == std::vector<std::string>{"Nucleus", "Cytoplasm", "Cell.membrane", "Nucleus"});
    SECTION("classes: sorted distinct labels, byte order") {
        CHECK(training_classes(t, all_rows(t)) ==
              std::vector<std::string>{"Cell.membrane", "Cytoplasm", "Nucleus"});
        CHECK(training_classes(t, {0, 3}) == std::vector<std::string>{"Nucleus"});
    }
    SECTION("mapped to class indices; an unknown label is a reject naming it") {
        const std::vector<std::string> classes = {"Cytoplasm", "Nucleus"};
        const auto reasons = map_class_labels(t, classes, "location");
        CHECK(t.targets[0] == 1.0);
        CHECK(t.targets[1] == 0.0);
        CHECK(std::isnan(t.targets[2]));
        CHECK(t.targets[3] == 1.0);
        CHECK(reasons[0].empty());
        CHECK(reasons[2] ==
              "target 'location' has label 'Cell.membrane', which is not a class of the model "
              "(trained on the 2 classes Cytoplasm, Nucleus)");
        const auto keep = reject_rows(t, reasons);
        CHECK(keep == std::vector<char>{1, 1, 0, 1});
        REQUIRE(t.size() == 3);
        CHECK(t.ids.size() == 3);
        CHECK(t.labels == std::vector<std::string>{"Nucleus", "Cytoplasm", "Nucleus"});
        CHECK(t.targets == std::vector<double>{1.0, 0.0, 1.0});
        // Rejects stay in input order: the NA row (index 2), then index 3.
        REQUIRE(t.rejects.size() == 2);
        CHECK(t.rejects[0].rfind("2\t", 0) == 0);
        CHECK(t.rejects[1].rfind("3\t", 0) == 0);
        CHECK_THAT(t.rejects[1], Catch::Contains("label 'Cell.membrane'"));
    }
}

TEST_CASE("class labels: integer labels sort by value", "[class_labels]") {
    auto t = read_labels("smiles,location\nC,10\nCC,2\nCCC,1\nCCCC,2\nCO,-1\n");
    CHECK(training_classes(t, all_rows(t)) == std::vector<std::string>{"-1", "1", "2", "10"});
    SECTION("a text label among numbers: byte order for all") {
        auto u = read_labels("smiles,location\nC,10\nCC,2\nCCC,x\n");
        CHECK(training_classes(u, all_rows(u)) == std::vector<std::string>{"10", "2", "x"});
    }
}

TEST_CASE("class labels: probability columns are safe and distinct", "[class_labels]") {
    CHECK(class_columns("location", {"Cell.membrane", "Lysosome/Vacuole", "ER lumen", "a-b"}) ==
          std::vector<std::string>{"location_prob_Cell.membrane", "location_prob_Lysosome_Vacuole",
                                   "location_prob_ER_lumen", "location_prob_a-b"});
    CHECK(class_columns("y", {"a b", "a/b", "a_b"}) ==
          std::vector<std::string>{"y_prob_a_b", "y_prob_a_b_2", "y_prob_a_b_3"});
}

TEST_CASE("class labels: two targets, each its own classes and missing labels", "[class_labels]") {
    const std::string path = test::temp_path("class_labels_two.csv");
    test::write_file(path,
                     "smiles,loc,size\nC,Nucleus,10\nCC,Cytoplasm,\nCCC,,2\nCCCC,Nucleus,7\n");
    TableOptions o;
    o.target_cols = {"loc", "size"};
    o.task = "multiclass";
    PropertyTable t = read_property_table(path, o);
    REQUIRE(t.size() == 4);
    CHECK(t.labels ==
          std::vector<std::string>{"Nucleus", "10", "Cytoplasm", "", "", "2", "Nucleus", "7"});
    // Per target: text in byte order, numbers by value.
    CHECK(training_classes(t, all_rows(t), 0) == std::vector<std::string>{"Cytoplasm", "Nucleus"});
    CHECK(training_classes(t, all_rows(t), 1) == std::vector<std::string>{"2", "7", "10"});
    // Trained on rows 0..2: row 3's size 7 is no class of the model.
    CHECK(training_classes(t, {0, 1, 2}, 1) == std::vector<std::string>{"2", "10"});
    const std::vector<std::vector<std::string>> classes = {{"Cytoplasm", "Nucleus"}, {"2", "10"}};
    const auto reasons = map_class_labels(t, classes, std::vector<std::string>{"loc", "size"});
    CHECK(t.targets[0] == 1.0);  // row 0: Nucleus, 10
    CHECK(t.targets[1] == 1.0);
    CHECK(t.targets[2] == 0.0);  // row 1: Cytoplasm, missing
    CHECK(std::isnan(t.targets[3]));
    CHECK(std::isnan(t.targets[4]));  // row 2: missing, 2
    CHECK(t.targets[5] == 0.0);
    CHECK(reasons[0].empty());
    CHECK(reasons[1].empty());
    CHECK(reasons[2].empty());
    // Row 3's reason names the target whose label is no class.
    CHECK(reasons[3] ==
          "target 'size' has label '7', which is not a class of the model "
          "(trained on the 2 classes 2, 10)");
}
