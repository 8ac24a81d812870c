#include <GraphMol/ROMol.h>

#include <fstream>
#include <map>
#include "tests/catch.hpp"

#include "pipelines/mol_parse.hpp"
#include "pipelines/standardize.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {
std::string standardized(Standardizer& s, const std::string& smiles) {
    auto p = parse_smiles(smiles);
    REQUIRE(p.mol);
    auto r = s.run(*p.mol);
    REQUIRE(r.mol);
    return canonical_smiles(*r.mol);
}
}  // namespace

TEST_CASE("parse: RDKit's reason for each kind of failure, nothing on stderr", "[screen][parse]") {
    auto reason = [](const std::string& smi) {
        auto r = parse_smiles(smi);
        CHECK_FALSE(r.mol);
        return r.error;
    };
    CHECK_THAT(reason("C1CC"), Catch::Contains("unclosed ring"));
    CHECK_THAT(reason("C(C"), Catch::Contains("extra open parentheses"));
    CHECK_THAT(reason("Xx"), Catch::Contains("syntax error"));
    CHECK_THAT(reason("CN(C)(C)(C)C"),
               Catch::StartsWith("valence error") && Catch::Contains("N, 5"));
    CHECK_THAT(reason("c1cccc1"),
               Catch::StartsWith("kekulization failed") && Catch::Contains("Can't kekulize"));
    CHECK(reason("") == "empty SMILES");
    auto ok = parse_smiles("[2H]C([2H])([2H])O");
    REQUIRE(ok.mol);
    CHECK(canonical_smiles(*ok.mol) == "[2H]C([2H])([2H])O");
    auto mb = parse_molblock("not a mol block\n");
    CHECK_FALSE(mb.mol);
    CHECK_FALSE(mb.error.empty());
}

TEST_CASE("standardize: salts, charges, metals as RDKit Python's MolStandardize",
          "[screen][standardize]") {
    // Expected: rdMolStandardize Cleanup -> LargestFragmentChooser -> Uncharger
    // -> MolToSmiles in Debian's /usr/bin/python3 (RDKit 2022.09).
    const std::map<std::string, std::string> expected = {
        {"CC(=O)[O-].[Na+]", "CC(=O)O"},
        {"C[N+](C)(C)C.[Cl-]", "C[N+](C)(C)C"},
        {"[O-]C(=O)c1ccccc1.[K+]", "O=C(O)c1ccccc1"},
        {"[Na]OC(=O)c1ccccc1", "O=C(O)c1ccccc1"},
        {"OC(=O)CCC(=O)O.NCCN", "O=C(O)CCC(=O)O"},
        {"CCN(CC)CC.Cl", "CCN(CC)CC"},
        {"C[NH3+]", "CN"},
        {"N[Pt](N)(Cl)Cl", "N"},
        {"CC(=O)[O-].CC(=O)[O-].[Cu+2]", "CC(=O)O"},
        {"[Li]CCCC", "[Li]CCCC"},
        {"O=C([O-])CCC[N+](C)(C)C", "C[N+](C)(C)CCCC(=O)[O-]"},
        {"OC1=CC=CC=C1", "Oc1ccccc1"},
        // Double-bond stereo survives the sulfoxide normalization (sulindac Z
        // and E were one molecule, the E/Z marks lost, before stereo was
        // perceived at parse time).
        {R"(CC1=C(CC(=O)O)c2cc(F)ccc2/C1=C\c1ccc(S(C)=O)cc1)",
         R"(CC1=C(CC(=O)O)c2cc(F)ccc2/C1=C\c1ccc([S+](C)[O-])cc1)"},
        {"CC1=C(CC(=O)O)c2cc(F)ccc2/C1=C/c1ccc(S(C)=O)cc1",
         "CC1=C(CC(=O)O)c2cc(F)ccc2/C1=C/c1ccc([S+](C)[O-])cc1"},
        {"CN(C)/N=N/c1ccc(S(C)=O)cc1", "CN(C)/N=N/c1ccc([S+](C)[O-])cc1"},
        {"C/C=C/C(=O)[O-].[Na+]", "C/C=C/C(=O)O"},
    };
    Standardizer s;
    for (const auto& [in, out] : expected) {
        INFO(in);
        CHECK(standardized(s, in) == out);
    }
}

TEST_CASE("standardize: options switch the steps", "[screen][standardize]") {
    StandardizeOptions keep_salts;
    keep_salts.largest_fragment = false;
    keep_salts.uncharge = false;
    Standardizer s(keep_salts);
    CHECK(standardized(s, "CC(=O)[O-].[Na+]") == "CC(=O)[O-].[Na+]");
    StandardizeOptions taut;
    taut.tautomer = true;
    Standardizer t(taut);
    // 2-hydroxypyridine -> 2-pyridone, RDKit's canonical tautomer
    // (TautomerEnumerator().Canonicalize in Python gives O=c1cccc[nH]1).
    CHECK(standardized(t, "Oc1ccccn1") == "O=c1cccc[nH]1");
}

TEST_CASE("standardize: ChEMBL molecules as RDKit Python", "[screen][standardize]") {
    std::ifstream in(test::source_path("tests/pipelines/data/screen_filter_golden.csv"));
    std::ifstream src(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"));
    REQUIRE(in);
    REQUIRE(src);
    std::string gold, line;
    std::getline(in, gold);
    std::getline(src, line);
    Standardizer s;
    int n = 0;
    while (std::getline(in, gold) && std::getline(src, line)) {
        std::string smiles_in = line.substr(0, line.find(','));
        auto first = gold.find(',');
        std::string want = gold.substr(first + 1, gold.find(',', first + 1) - first - 1);
        INFO(smiles_in);
        CHECK(standardized(s, smiles_in) == want);
        ++n;
    }
    CHECK(n == 400);
}

TEST_CASE("standardize: enhanced stereo (CXSMILES stereo groups) is kept",
          "[screen][standardize]") {
    // Expected: RDKit Python (Debian 2022.09) Cleanup -> LargestFragmentChooser
    // -> Uncharger, then the smallest MolToCXSmiles(m, SmilesWriteParams(),
    // CX_ENHANCEDSTEREO) over the molecule with each OR/AND group's atoms
    // inverted or not (each writing from a fresh parse: the same substance,
    // written from the other enantiomer of the group). Where RDKit drops
    // the groups (a step changed the molecule), the value is that of the
    // molecule without the salt or with the nitro group already normalized.
    Standardizer s;
    const std::map<std::string, std::string> expected = {
        {"C[C@H](O)[C@@H](C)N |o1:1,3|", "C[C@H](N)[C@@H](C)O |o1:1,3|"},
        {"C[C@H](O)[C@@H](C)N |&1:1,3|", "C[C@H](N)[C@@H](C)O |&1:1,3|"},
        {"C[C@H](O)[C@@H](C)N |o1:3|", "C[C@H](N)[C@H](C)O |o1:1|"},
        // RDKit Python drops the group here ("C[C@H](O)[C@@H](C)N").
        {"C[C@H](O)[C@@H](C)[NH3+].[Cl-] |&1:1,3|", "C[C@H](N)[C@@H](C)O |&1:1,3|"},
        // Normalizing the nitro group reorders the atoms; RDKit drops the group.
        {"C[N+](=O)[O-].C[C@H](O)[C@@H](C)CN(=O)=O |&1:5,7|",
         "C[C@H](C[N+](=O)[O-])[C@@H](C)O |&1:1,6|"},
        // An ABS group means what no group means: written as plain SMILES.
        {"C[C@H](O)[C@@H](C)N |a:1,3|", "C[C@H](O)[C@@H](C)N"},
        {"C[C@H](O)[C@@H](C)N |a:1,o1:3|", "C[C@H](N)[C@H](C)O |o1:1|"},
        {"C[C@H](O)[C@@H](C)N", "C[C@H](O)[C@@H](C)N"},
    };
    for (const auto& [in, want] : expected) {
        INFO(in);
        CHECK(standardized(s, in) == want);
    }
    SECTION("the input molecule is left as it was") {
        auto p = parse_smiles("C[C@H](O)[C@@H](C)[NH3+].[Cl-] |&1:1,3|");
        REQUIRE(p.mol);
        REQUIRE(s.run(*p.mol).mol);
        CHECK(p.mol->getStereoGroups().size() == 1);
        CHECK_FALSE(p.mol->getAtomWithIdx(1)->hasProp("_plmkitInputAtom"));
    }
    SECTION("with standardization off, the parsed groups are written") {
        StandardizeOptions off;
        off.cleanup = off.largest_fragment = off.uncharge = false;
        Standardizer none(off);
        // The smallest of RDKit Python's MolToCXSmiles of the parsed
        // molecule and of its mirror image (as above).
        CHECK(standardized(none, "N[C@@H](C)[C@H](C)O |o1:1,3|") ==
              "C[C@@H](N)[C@@H](C)O |o1:1,3|");
    }
}

TEST_CASE("standardize: each writing of an OR or AND stereo group gives one canonical SMILES",
          "[screen][standardize]") {
    // Inverting all atoms of an OR group (one of the two, unknown which) or
    // an AND group (a mixture of both) writes the same substance from the
    // other enantiomer of the group; each group may be inverted on its own.
    // Keys: the smallest RDKit Python MolToCXSmiles over the 2^groups
    // writings (tests/pipelines/data/stereo_group_key.py); RDKit 2022.09
    // itself gives the first two different SMILES.
    Standardizer s;
    const std::vector<std::pair<std::vector<std::string>, std::string>> same = {
        {{"C[C@H](O)[C@@H](C)N |o1:1,3|", "C[C@@H](O)[C@H](C)N |o1:1,3|",
          "N[C@@H](C)[C@@H](C)O |o1:1,3|"},
         "C[C@H](N)[C@@H](C)O |o1:1,3|"},
        {{"C[C@H](O)[C@@H](C)N |&1:1,3|", "C[C@@H](O)[C@H](C)N |&1:1,3|"},
         "C[C@H](N)[C@@H](C)O |&1:1,3|"},
        // Two OR groups, each inverted on its own.
        {{"C[C@H](O)C[C@H](C)N |o1:1,o2:4|", "C[C@@H](O)C[C@H](C)N |o1:1,o2:4|",
          "C[C@H](O)C[C@@H](C)N |o1:1,o2:4|", "C[C@@H](O)C[C@@H](C)N |o1:1,o2:4|"},
         "C[C@@H](N)C[C@@H](C)O |o1:1,o2:4|"},
        // Atom 1 absolute, atom 4 either: inverting atom 4 is the same.
        {{"C[C@H](O)C[C@H](C)N |a:1,o1:4|", "C[C@H](O)C[C@@H](C)N |o1:4|"},
         "C[C@H](N)C[C@H](C)O |o1:1|"},
    };
    for (const auto& [writings, want] : same)
        for (const auto& in : writings) {
            INFO(in);
            CHECK(standardized(s, in) == want);
        }
    // Other substances keep other keys: the other diastereomer of an OR
    // group, the absolute atom inverted, and no group at all.
    CHECK(standardized(s, "C[C@H](O)[C@H](C)N |o1:1,3|") == "C[C@@H](N)[C@@H](C)O |o1:1,3|");
    CHECK(standardized(s, "C[C@@H](O)C[C@H](C)N |a:1,o1:4|") == "C[C@@H](N)C[C@@H](C)O |o1:1|");
    CHECK(standardized(s, "C[C@@H](O)[C@H](C)N") == "C[C@H](N)[C@@H](C)O");
}

TEST_CASE("standardize: the step that makes a SMILES RDKit cannot read back is named",
          "[screen][standardize]") {
    // RDKit Python (Debian's /usr/bin/python3, RDKit 2022.09): Cleanup and
    // LargestFragmentChooser give 'c1cc[cH-]c1' for these inputs, and
    // Uncharger().uncharge turns it into 'c1cccc1', which MolFromSmiles
    // cannot kekulize; [SbH6+3] becomes '[SbH9]' (valence 9).
    Standardizer s;
    auto blame = [&](const std::string& smiles) {
        auto p = parse_smiles(smiles);
        REQUIRE(p.mol);
        auto r = s.run(*p.mol);
        REQUIRE(r.mol);  // the standardizer itself does not fail ...
        CHECK_FALSE(parse_smiles(canonical_smiles(*r.mol)).mol);  // ... its SMILES does
        return s.unreadable_step(*p.mol);
    };
    const std::string uncharger = "the uncharge step (RDKit's Uncharger) made it from ";
    CHECK(blame("[cH-]1cccc1") == uncharger + "'c1cc[cH-]c1'");
    CHECK(blame("[Fe+2].[cH-]1cccc1.[cH-]1cccc1") == uncharger + "'c1cc[cH-]c1'");
    CHECK(blame("[Ni+2].[cH-]1cccc1.[cH-]1cccc1") == uncharger + "'c1cc[cH-]c1'");
    CHECK(blame("[SbH6+3]") == uncharger + "'[SbH6+3]'");
    // A molecule that standardizes fine has no step to blame.
    auto ok = parse_smiles("CC(=O)[O-].[Na+]");
    REQUIRE(ok.mol);
    CHECK(s.unreadable_step(*ok.mol).empty());
    // Without the Uncharger the anion is kept, and its SMILES reads back.
    StandardizeOptions charged;
    charged.uncharge = false;
    Standardizer keep(charged);
    CHECK(standardized(keep, "[Fe+2].[cH-]1cccc1.[cH-]1cccc1") == "c1cc[cH-]c1");
}
