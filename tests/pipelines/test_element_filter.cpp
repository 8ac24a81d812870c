// The `elements` rule on hand-checked molecules: the parent after RDKit
// standardization (as the screen runs it) and the record as parsed.
#include <GraphMol/ROMol.h>

#include "tests/catch.hpp"

#include "pipelines/element_filter.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/screen_config.hpp"
#include "pipelines/standardize.hpp"
#include "src/error.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {
/// The reason for `smiles` ("" = passes) after the default standardization
/// (or none).
std::string reason(const ElementFilter& f, const std::string& smiles, bool standardize = true) {
    auto p = parse_smiles(smiles);
    INFO(smiles << ": " << p.error);
    REQUIRE(p.mol);
    if (!standardize) return f.check(*p.mol, *p.mol);
    Standardizer st;
    auto s = st.run(*p.mol);
    REQUIRE(s.mol);
    return f.check(*p.mol, *s.mol);
}
const std::vector<std::string>& defaults() {
    static const std::vector<std::string> d = FilterOptions{}.elements;
    return d;
}
}  // namespace

TEST_CASE("elements: symbols as in SMILES, case included", "[screen][elements]") {
    CHECK(element_number("C") == 6);
    CHECK(element_number("Cl") == 17);
    CHECK(element_number("Se") == 34);
    CHECK(element_number("Pt") == 78);
    CHECK(element_number("CL") == 0);
    CHECK(element_number("cl") == 0);
    CHECK(element_number("*") == 0);
    CHECK(element_number("Xx") == 0);
    CHECK(element_number("") == 0);
    CHECK_THROWS_AS(ElementFilter({"C", "Xx"}), UsageError);
    // The default list: GuacaMol's (docs/chem.md).
    CHECK(defaults() == std::vector<std::string>{"H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl",
                                                 "Se", "Br", "I"});
}

TEST_CASE("elements: the default list on hand-checked molecules", "[screen][elements]") {
    ElementFilter f(defaults());
    const std::string allowed = "(allowed: H, B, C, N, O, F, Si, P, S, Cl, Se, Br, I)";
    CHECK(reason(f, "CCO").empty());
    CHECK(reason(f, "[Cu]") == "elements: element not allowed: Cu " + allowed);
    // Elements not on the list and not metals: named the same way.
    CHECK(reason(f, "C[As](C)C") == "elements: element not allowed: As " + allowed);
    CHECK(reason(f, "C[Te]C.[Cu]") == "elements: element not allowed: Te " + allowed);
    // Each element once, in atom order.
    CHECK(reason(f, "C[Sn](C)(C)C[Hg]C[Sn]C") ==
          "elements: element not allowed: Sn, Hg " + allowed);
    // Dummy atoms, whatever the list.
    CHECK(reason(f, "*C") ==
          "elements: dummy/query atom '*' at atom 1: not a real compound (an R-group, "
          "attachment point or query atom)");
    CHECK_THAT(reason(f, "CC[*:1]"),
               Catch::StartsWith("elements: dummy/query atom '[*:1]' at atom 3:"));
    CHECK_THAT(reason(f, "[1*]CC[2*]"),
               Catch::StartsWith("elements: dummy/query atom '[1*]' at atom 1 (and 1 more):"));
    // A dummy in a fragment the standardizer drops still marks a query record.
    CHECK_THAT(reason(f, "CCCCCCO.[*]"), Catch::Contains("dummy/query atom '*' at atom 8"));
    // Salts: the counter-ion goes with standardization; the parent passes.
    CHECK(reason(f, "CC(=O)[O-].[Na+]").empty());
    CHECK(reason(f, "[Na]OC(=O)c1ccccc1").empty());  // covalent Na-O, disconnected
    CHECK(reason(f, "O=C([O-])c1ccccc1.[K+]").empty());
    // ... and without standardization the parent is the salt: Na is named.
    CHECK(reason(f, "CC(=O)[O-].[Na+]", false) == "elements: element not allowed: Na " + allowed);
    // Metal complexes: standardization disconnects the Pt and keeps ammonia,
    // so the metal in the input record rejects them.
    const std::string metal = "elements: metal in the input record: ";
    CHECK_THAT(reason(f, "N[Pt](N)(Cl)Cl"), Catch::StartsWith(metal + "Pt (a metal complex"));
    CHECK_THAT(reason(f, "[Pt+2].[Cl-].[Cl-].N.N"), Catch::StartsWith(metal + "Pt ("));
    CHECK_THAT(reason(f, "CC(=O)[O-].CC(=O)[O-].[Cu+2]"), Catch::StartsWith(metal + "Cu ("));
    CHECK_THAT(reason(f, "[Fe+2].c1cc[cH-]c1.c1cc[cH-]c1"), Catch::StartsWith(metal + "Fe ("));
    // Zn is no excluded metal (ChEMBL: mostly simple salts).
    CHECK(reason(f, "CC(=O)[O-].CC(=O)[O-].[Zn+2]").empty());
    // Organometallics the standardizer leaves bonded are named as elements.
    CHECK(reason(f, "Oc1ccccc1[Hg]Cl") == "elements: element not allowed: Hg " + allowed);
    CHECK(reason(f, "[Li]CCCC") == "elements: element not allowed: Li " + allowed);
    // A metal off ChEMBL's list, as a counter-ion: stripped (silver sulfadiazine).
    CHECK(reason(f, "[Ag+].Nc1ccc(cc1)S(=O)(=O)[N-]c1ncccn1").empty());
    // Boron, silicon, selenium are allowed; isotopes are fine.
    CHECK(reason(f, "OB(O)c1ccccc1").empty());
    CHECK(reason(f, "C[Si](C)(C)OC").empty());
    CHECK(reason(f, "O=C1c2ccccc2[se]n1-c1ccccc1").empty());  // ebselen
    CHECK(reason(f, "[2H]C").empty());
    CHECK(reason(f, "[13CH4]").empty());
}

TEST_CASE("elements: a list of one's own, and any", "[screen][elements]") {
    ElementFilter no_boron({"C", "N", "O", "H"});
    CHECK(reason(no_boron, "OB(O)c1ccccc1") ==
          "elements: element not allowed: B (allowed: C, N, O, H)");
    CHECK(reason(no_boron, "CCO").empty());
    // An allowed metal is no excluded metal any more.
    ElementFilter platinum({"H", "C", "N", "O", "Cl", "Pt"});
    CHECK(reason(platinum, "N[Pt](N)(Cl)Cl").empty());
    CHECK(reason(platinum, "N[Pt](N)(Cl)Cl", false).empty());
    ElementFilter any({});
    CHECK(reason(any, "[Cu]").empty());
    CHECK(reason(any, "N[Pt](N)(Cl)Cl").empty());
    CHECK_THAT(reason(any, "*C"), Catch::StartsWith("elements: dummy/query atom '*' at atom 1"));
}

TEST_CASE("elements: R-groups and query atoms of an SD file", "[screen][elements]") {
    // 2-propyl R-group: atom 3 is R1 (R# with an RGP line), as drawn in a
    // Markush structure.
    const std::string block =
        "rgroup\n  plmkit\n\n  3  2  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    2.5981    0.0000    0.0000 R#  0  0  0  0  0  0  0  0  0  0  0  0\n"
        "  1  2  1  0\n  2  3  1  0\nM  RGP  1   3   1\nM  END\n";
    auto p = parse_molblock(block);
    INFO(p.error);
    REQUIRE(p.mol);
    ElementFilter f(defaults());
    CHECK_THAT(f.check(*p.mol, *p.mol),
               Catch::StartsWith("elements: dummy/query atom 'R1' at atom 3: not a real compound"));
}

TEST_CASE("elements: the input-only rules, for a record standardization cannot keep",
          "[screen][elements]") {
    auto input_reason = [](const ElementFilter& f, const std::string& smiles) {
        auto p = parse_smiles(smiles);
        REQUIRE(p.mol);
        return f.check_input(*p.mol);
    };
    ElementFilter f(defaults());
    const std::string metal = "elements: metal in the input record: ";
    const std::string why =
        " (a metal complex or metal salt: the standardized molecule is only the part left "
        "after disconnecting the metal)";
    CHECK(input_reason(f, "[Fe+2].[cH-]1cccc1.[cH-]1cccc1") == metal + "Fe" + why);
    CHECK(input_reason(f, "[Ni+2].[cH-]1cccc1.[cH-]1cccc1") == metal + "Ni" + why);
    CHECK(input_reason(f, "[SbH6+3]") == metal + "Sb" + why);
    CHECK(input_reason(f, "[cH-]1cccc1").empty());          // no metal: standardize's own reason
    CHECK(input_reason(f, "C1=CC=C[CH-]1.[Na+]").empty());  // Na is no excluded metal
    CHECK_THAT(input_reason(f, "*C"),
               Catch::StartsWith("elements: dummy/query atom '*' at atom 1"));
    ElementFilter any({});
    CHECK(input_reason(any, "[Fe+2].[cH-]1cccc1.[cH-]1cccc1").empty());
}
