// Repeated inputs of a training table: the counts on a hand-made table and
// the molecule key (canonical SMILES, expected strings from RDKit's Python
// Chem.MolToSmiles).
#include "pipelines/duplicate_inputs.hpp"

#include <cmath>
#include <limits>

#include "data/splits.hpp"

#include "tests/catch.hpp"

using namespace plmkit::pipelines;
using plmkit::data::kNoSet;
using plmkit::data::kTest;
using plmkit::data::kTrain;
using plmkit::data::kValid;

TEST_CASE("find_duplicate_inputs: repeats, held-out copies of training rows, other values",
          "[duplicate_inputs]") {
    const double na = std::numeric_limits<double>::quiet_NaN();
    // a: rows 0 (train), 2 (test), 5 (none); b: rows 1 (test), 4 (train); c: row 3 (valid).
    const std::vector<std::string> keys = {"a", "b", "a", "c", "b", "a"};
    const std::vector<int> sets = {kTrain, kTest, kTest, kValid, kTrain, kNoSet};
    const std::vector<double> y = {1, 2, 1, 3, 5, na};
    const DuplicateInputs d = find_duplicate_inputs(keys, sets, y, 1);
    CHECK(d.repeats == 3);            // rows 2, 4, 5
    CHECK(d.held_out_in_train == 2);  // rows 1 (b, trained as row 4) and 2 (a, row 0)
    CHECK(d.conflicting == 1);        // row 4: 5 against row 1's 2; row 5 has no value
    using P = std::pair<std::size_t, std::size_t>;
    CHECK(d.examples == std::vector<P>{P{2, 0}, P{4, 1}, P{5, 0}});
    CHECK(d.to_json() == nlohmann::json{{"rows", 3}, {"held_out_in_train", 2}, {"conflicting", 1}});

    SECTION("several targets: a conflict needs a value both copies label") {
        // two targets; row 1 repeats row 0, differing only where row 0 is missing
        const std::vector<double> y2 = {1, na, 1, 7};
        const auto d2 = find_duplicate_inputs({"x", "x"}, {kTrain, kTrain}, y2, 2);
        CHECK(d2.repeats == 1);
        CHECK(d2.conflicting == 0);
        CHECK(d2.held_out_in_train == 0);  // both copies train
    }
    SECTION("no repeats: nothing to say") {
        const auto d3 = find_duplicate_inputs({"x", "y"}, {kTrain, kTest}, {1, 1}, 1);
        CHECK(d3.repeats == 0);
        CHECK(d3.held_out_in_train == 0);
        PropertyTable t;
        CHECK(duplicate_inputs_warning(d3, t, true).empty());
    }
}

TEST_CASE("canonical_molecule_key: one key per molecule however it is written",
          "[duplicate_inputs]") {
    CHECK(canonical_molecule_key("OCC") == "CCO");
    CHECK(canonical_molecule_key("C(O)C") == "CCO");
    CHECK(canonical_molecule_key("c1ccccc1O") == "Oc1ccccc1");
    CHECK(canonical_molecule_key("[Na+].[Cl-]") == "[Cl-].[Na+]");
    // stereoisomers are different molecules
    CHECK(canonical_molecule_key("C[C@H](N)O") == "C[C@H](N)O");
    CHECK(canonical_molecule_key("C[C@@H](N)O") == "C[C@@H](N)O");
    // unparsable: the text itself
    CHECK(canonical_molecule_key("C1CC") == "C1CC");
}

TEST_CASE("duplicate_inputs_warning names the repeats by data row and id", "[duplicate_inputs]") {
    PropertyTable t;
    t.index = {0, 1, 3, 4};  // data row 2 was rejected
    t.ids = {"ethanol", "phenol", "ethanol-2", "phenol-2"};
    const DuplicateInputs d =
        find_duplicate_inputs({"CCO", "Oc1ccccc1", "CCO", "Oc1ccccc1"},
                              {kTrain, kTrain, kTest, kTrain}, {1, 2, 1.5, 2}, 1);
    const std::string w = duplicate_inputs_warning(d, t, true);
    CHECK(w ==
          "2 rows repeat the molecule (the same canonical SMILES) of an earlier row: row 3 "
          "('ethanol-2') of row 0 ('ethanol'), row 4 ('phenol-2') of row 1 ('phenol'); 1 valid or "
          "test rows hold an input that is also a training row's, so their metrics (and early "
          "stopping) score inputs the model trained on: merge or remove the copies, or use "
          "--split scaffold (a molecule's copies share its scaffold, so one set); 1 of the "
          "repeats have another value than the first copy");
}
