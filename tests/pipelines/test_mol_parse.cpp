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

TEST_CASE("mol parse: mol block errors name the file line", "[pipelines][parse][sdf]") {
    using plmkit::pipelines::parse_molblock;
    // Line 5 (the atom line) is cut short; the block starts at file line 100.
    const std::string bad =
        "t\n  x\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0000\nM  END\n";
    auto r = parse_molblock(bad, 100);
    CHECK_FALSE(r.mol);
    CHECK_THAT(r.error, Catch::StartsWith("mol block parse error: ") &&
                            Catch::Contains("on line 5 of the mol block (file line 104)"));
    auto unknown = parse_molblock(bad);  // no file line known: RDKit's words only
    CHECK_THAT(unknown.error, Catch::EndsWith("on line 5"));
    const std::string element =
        "t\n  x\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 Xx  0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n";
    CHECK_THAT(parse_molblock(element, 7).error, Catch::EndsWith("(record at file line 7)"));
}

TEST_CASE("mol parse: a featurizer's reason gets the record's file line afterwards",
          "[pipelines][parse][sdf]") {
    using plmkit::pipelines::mol_block_reason;
    const std::string block = "t\n  x\n\n  1  0 ...\nM  END\n";
    const std::string why =
        "unparsable molecule: mol block parse error: Bond line too short: "
        "'M  END' on line 9";
    // Line 9 of a block whose title is file line 11 is file line 19.
    CHECK(mol_block_reason(block, why, 11) ==
          "unparsable molecule: mol block parse error: Bond line too short: 'M  END' on line 9 "
          "of the mol block (file line 19)");
    CHECK(mol_block_reason(block, why, 0) == why);   // line unknown
    CHECK(mol_block_reason("CCO", why, 11) == why);  // a SMILES input
    const std::string other = "unparsable molecule: valence error: Explicit valence ...";
    CHECK(mol_block_reason(block, other, 11) == other);
    // Already translated (the screen's parse): not twice.
    const std::string done = mol_block_reason(block, why, 11);
    CHECK(mol_block_reason(block, done, 11) == done);
}

// A 3D mol block with explicit hydrogens (docking output): RDKit Python's
// MolFromMolBlock / SDMolSupplier remove the hydrogens before perceiving
// double-bond stereo, so the imine N-H of (E)-acetaldimine defines none and
// the SMILES is 'CC=N'. Perceiving it first kept the H atom and gave
// '[H]/N=C/C', another molecule to dedupe and to the models (seen on
// ZINC04617747 of rdkit_cdk2.sdf: '[H]/N=C(\N)NS...' for Python's 'N=C(N)NS...').
TEST_CASE("mol parse: a 3D mol block with explicit H reads as RDKit Python reads it",
          "[pipelines][parse][sdf]") {
    using plmkit::pipelines::parse_molblock;
    const std::string block =
        "acetaldimine\n     RDKit          3D\n\n"
        "  8  7  0  0  0  0  0  0  0  0999 V2000\n"
        "   -0.9727    0.0183   -0.1624 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    0.4796    0.1686    0.1534 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    1.3682   -0.6709   -0.2177 N   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    2.3656   -0.4872    0.0479 H   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "   -1.1725   -0.8370   -0.8127 H   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "   -1.4834   -0.1947    0.8092 H   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "   -1.3707    0.9828   -0.5344 H   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    0.7861    1.0201    0.7167 H   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "  1  2  1  0\n  2  3  2  0\n  3  4  1  0\n  1  5  1  0\n"
        "  1  6  1  0\n  1  7  1  0\n  2  8  1  0\nM  END\n";
    auto r = parse_molblock(block, 1);
    REQUIRE(r.mol);
    CHECK(RDKit::MolToSmiles(*r.mol) == "CC=N");  // Chem.MolToSmiles(Chem.MolFromMolBlock(block))
}
