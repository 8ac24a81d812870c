// The parse step: limits that keep RDKit's recursive code off the end of the
// stack, and the reasons it gives.
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>

#include "tests/catch.hpp"

#include "pipelines/mol_parse.hpp"

using plmkit::pipelines::kMaxHeavyAtoms;
using plmkit::pipelines::parse_smiles;

TEST_CASE("mol parse: molecules above the heavy-atom limit are rejected with both counts",
          "[pipelines][parse]") {
    SECTION("a chain at the limit parses and canonicalizes") {
        auto r = parse_smiles(std::string(kMaxHeavyAtoms, 'C'));
        REQUIRE(r.error.empty());
        REQUIRE(r.mol);
        CHECK(r.mol->getNumAtoms() == kMaxHeavyAtoms);
        CHECK(RDKit::MolToSmiles(*r.mol).size() == kMaxHeavyAtoms);
    }
    SECTION("one atom more is a reason, not a molecule") {
        auto r = parse_smiles(std::string(kMaxHeavyAtoms + 1, 'C'));
        CHECK_FALSE(r.mol);
        CHECK(r.error == "too many atoms: " + std::to_string(kMaxHeavyAtoms + 1) +
                             " heavy atoms, the limit is " + std::to_string(kMaxHeavyAtoms) +
                             " (larger molecules overflow the stack in RDKit's recursive code)");
    }
    SECTION("the 12,000-carbon chain that crashed screen, and deep branches") {
        CHECK_THAT(parse_smiles(std::string(12000, 'C')).error,
                   Catch::StartsWith("too many atoms: 12000 heavy atoms"));
        std::string branches;
        for (int i = 0; i < 20000; ++i)
            branches += "C(";
        branches += "C" + std::string(20000, ')');
        CHECK_THAT(parse_smiles(branches).error,
                   Catch::StartsWith("too many atoms: 20001 heavy atoms"));
    }
    SECTION("hydrogens do not count") {
        std::string smiles;
        for (int i = 0; i < 1000; ++i)
            smiles += "C([H])([H])";
        auto r = parse_smiles(smiles);
        CHECK(r.error.empty());
    }
}
