#include <GraphMol/ROMol.h>

#include <fstream>
#include "tests/catch.hpp"

#include "pipelines/descriptors.hpp"
#include "pipelines/mol_filters.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {
FilterVerdict check(const MolFilters& f, const std::string& smiles) {
    auto p = parse_smiles(smiles);
    REQUIRE(p.mol);
    return f.check(*p.mol, descriptor_row(compute_descriptors(*p.mol)));
}
FilterOptions none() {
    FilterOptions o;
    o.lipinski = false;
    o.veber = false;
    o.catalogs.clear();
    return o;
}
}  // namespace

TEST_CASE("filters: Lipinski counts violations and tolerates max_violations", "[screen][filters]") {
    FilterOptions o = none();
    o.lipinski = true;
    o.lipinski_max_violations = 1;
    MolFilters f(o, descriptor_names());
    CHECK(check(f, "CCO").passed());
    CHECK(check(f, "CCO").flags.empty());
    // C40 alkane: MolWt 563.1 > 500 and MolLogP 15.7 > 5: two violations.
    auto two = check(f, std::string(40, 'C'));
    CHECK(two.rule == "lipinski");
    CHECK_THAT(two.reason, Catch::StartsWith("lipinski: 2 violations (mw 563.") &&
                               Catch::Contains("clogp 15.") &&
                               Catch::Contains("at most 1 allowed"));
    // C25 alkane: MolWt 352.7, MolLogP 9.8: one violation, tolerated and flagged.
    auto one = check(f, std::string(25, 'C'));
    CHECK(one.passed());
    CHECK(one.flags == std::vector<std::string>{"lipinski:clogp"});
    o.lipinski_max_violations = 0;
    MolFilters strict(o, descriptor_names());
    CHECK(check(strict, std::string(25, 'C')).rule == "lipinski");
}

TEST_CASE("filters: Veber, ranges, formal charge", "[screen][filters]") {
    FilterOptions o = none();
    o.veber = true;
    MolFilters veber(o, descriptor_names());
    // Tetradecane: 11 rotatable bonds (strict) > 10.
    CHECK(check(veber, "CCCCCCCCCCCCCC").reason == "veber: rotb 11 > 10");
    CHECK(check(veber, "CCCCCCCCCCCCC").passed());
    // Hexaglycine-like peptide: TPSA > 140 with few rotatable bonds is not it;
    // use a small polyol: sorbitol-like chain of 6 OH has TPSA 121; 8 OH + 2 NH2 > 140.
    auto polar = check(veber, "OC(O)C(O)C(O)C(O)C(O)C(N)N");
    CHECK_THAT(polar.reason, Catch::StartsWith("veber: tpsa "));

    FilterOptions r = none();
    r.ranges = {{"mw", 100.0, 300.0}, {"formal_charge", 0.0, 0.0}};
    MolFilters ranges(r, descriptor_names());
    CHECK(check(ranges, "CCO").reason == "range: mw 46.07 < 100");
    CHECK(check(ranges, "c1ccccc1CCCC").passed());
    CHECK(check(ranges, "C[N+](C)(C)Cc1ccccc1").reason == "range: formal_charge 1 > 0");
    CHECK(check(ranges, std::string(30, 'C')).reason == "range: mw 422.83 > 300");

    FilterOptions bad = none();
    bad.ranges = {{"weight", 1.0, 2.0}};
    CHECK_THROWS_WITH(MolFilters(bad, descriptor_names()),
                      Catch::Contains("unknown property 'weight'"));
    // formal_charge is listed once (the descriptor names already hold it)
    try {
        MolFilters f(bad, descriptor_names());
        FAIL("an unknown property was accepted");
    } catch (const UsageError& e) {
        const std::string what = e.what();
        CHECK(what.find("formal_charge") == what.rfind("formal_charge"));
    }
}

TEST_CASE("filters: SMARTS include / exclude / flag and catalogs by name", "[screen][filters]") {
    FilterOptions o = none();
    o.include_smarts = {{"amide", "C(=O)N"}, {"ester", "C(=O)O[#6]"}};
    o.exclude_smarts = {{"nitro", "[N+](=O)[O-]"}};
    o.flag_smarts = {{"phenyl", "c1ccccc1"}};
    o.flag_catalogs = {"BRENK"};
    MolFilters f(o, descriptor_names());
    CHECK(check(f, "CCO").reason == "include_smarts: matches none of amide, ester");
    CHECK(check(f, "CC(=O)Nc1ccc(cc1)[N+](=O)[O-]").reason == "exclude_smarts: nitro");
    auto ok = check(f, "CC(=O)Nc1ccccc1");
    CHECK(ok.passed());
    CHECK(ok.flags == std::vector<std::string>{"smarts:phenyl"});
    // Brenk flags (not rejects): a Michael acceptor.
    auto flagged = check(f, "C=CC(=O)OCC");
    CHECK(flagged.passed());
    CHECK_THAT(flagged.flags.at(0), Catch::StartsWith("brenk:"));

    FilterOptions bad = none();
    bad.catalogs = {"PAINZ"};
    CHECK_THROWS_AS(MolFilters(bad, descriptor_names()), UsageError);
    FilterOptions smarts = none();
    smarts.exclude_smarts = {{"broken", "C(("}};
    CHECK_THROWS_WITH(MolFilters(smarts, descriptor_names()),
                      Catch::Contains("invalid SMARTS 'C(('"));
    CHECK(filter_catalog_names().size() == 7);
}

TEST_CASE("filters: default pipeline rules agree with RDKit Python on ChEMBL",
          "[screen][filters]") {
    // Golden: tests/pipelines/data/make_screen_golden.py (RDKit Python FilterCatalog,
    // Descriptors, Lipinski), 400 standardized ChEMBL molecules.
    MolFilters f(FilterOptions{}, descriptor_names());
    std::ifstream in(test::source_path("tests/pipelines/data/screen_filter_golden.csv"));
    REQUIRE(in);
    std::string line;
    std::getline(in, line);
    int n = 0, rejected = 0;
    while (std::getline(in, line)) {
        auto g = split_csv_line(line, ',');
        REQUIRE(g.size() == 4);
        INFO(g[0] << " " << g[1]);
        auto v = check(f, g[1]);
        CHECK(v.rule == g[2]);
        if (!g[3].empty()) CHECK(v.reason == g[2] + ": " + g[3]);
        rejected += !g[2].empty();
        ++n;
    }
    CHECK(n == 400);
    CHECK(rejected == 59);
}
