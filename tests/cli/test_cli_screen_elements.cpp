// `filters.elements` as the user sees it: metals, metal complexes and dummy
// atoms in the rejects with their reason, salts screened as their parent,
// and the rule's own count in summary.json.
#include <nlohmann/json.hpp>

#include <map>
#include <sstream>
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

namespace {
/// id -> "step\treason" of each rejects.tsv row.
std::map<std::string, std::string> rejects_of(const std::string& path) {
    std::istringstream in(test::read_file(path));
    std::map<std::string, std::string> out;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::istringstream fields(line);
        std::string field;
        while (std::getline(fields, field, '\t'))
            f.push_back(field);
        REQUIRE(f.size() == 6);
        out[f[0]] = f[2] + "\t" + f[3];
    }
    return out;
}

/// `hits.csv` -> `hits<suffix>`: the default rejects / summary paths of screen.
std::string beside(const std::string& csv, const std::string& suffix) {
    return csv.substr(0, csv.size() - 4) + suffix;
}

std::string library() {
    auto lib = test::temp_path("elements_lib.smi");
    // The copper salt comes before the sodium salt of the same acid: it is
    // rejected for its metal, and the sodium salt is still a hit (no
    // "duplicate of copper_acetate").
    test::write_file(lib,
                     "CCO ethanol\n[Cu] copper\n*C dummy\nCC(=O)[O-].CC(=O)[O-].[Cu+2] "
                     "copper_acetate\nCC(=O)[O-].[Na+] sodium_acetate\nN[Pt](N)(Cl)Cl cisplatin\n"
                     "OB(O)c1ccccc1 phenylboronic_acid\n[2H]C([2H])([2H])O methanol_d3\n");
    return lib;
}
}  // namespace

TEST_CASE("cli screen: the default pipeline rejects metals, complexes and dummy atoms",
          "[cli][screen][elements]") {
    auto out = test::temp_path("elements_hits.csv");
    auto r = run_plmkit({"screen", "-i", library(), "-o", out, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("screened 8 molecules") && Catch::Contains("4 hits") &&
                          Catch::Contains("4 filtered"));
    auto rejects = rejects_of(beside(out, ".rejects.tsv"));
    const std::string allowed = "(allowed: H, B, C, N, O, F, Si, P, S, Cl, Se, Br, I)";
    CHECK(rejects["copper"] == "filter\telements: element not allowed: Cu " + allowed);
    CHECK(rejects["dummy"] ==
          "filter\telements: dummy/query atom '*' at atom 1: not a real compound (an R-group, "
          "attachment point or query atom)");
    CHECK_THAT(rejects["copper_acetate"],
               Catch::StartsWith("filter\telements: metal in the input record: Cu (a metal "
                                 "complex or metal salt"));
    CHECK_THAT(rejects["cisplatin"],
               Catch::StartsWith("filter\telements: metal in the input record: Pt ("));
    CHECK(rejects.size() == 4);
    auto hits = test::read_file(out);
    for (const char* id : {"ethanol,", "sodium_acetate,", "phenylboronic_acid,", "methanol_d3,"})
        CHECK_THAT(hits, Catch::Contains(std::string("\n") + id));
    auto s = nlohmann::json::parse(test::read_file(beside(out, ".summary.json")));
    CHECK(s["filtered_by_rule"] == nlohmann::json({{"elements", 4}}));
    CHECK(s["counts"]["filtered"] == 4);
    CHECK(s["accounting"]["holds"] == true);
    CHECK(s["config"]["filters"]["elements"].size() == 13);
}

TEST_CASE("cli screen: filters.elements false lets metals through; a list of one's own",
          "[cli][screen][elements]") {
    auto cfg = test::temp_path("elements_off.yaml");
    test::write_file(cfg, "filters:\n  elements: false\n");
    auto out = test::temp_path("elements_off.csv");
    auto r = run_plmkit({"screen", "-i", library(), "-c", cfg, "-o", out, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rejects = rejects_of(beside(out, ".rejects.tsv"));
    CHECK(rejects.count("copper") == 0);
    CHECK_THAT(test::read_file(out), Catch::Contains("\ncopper,[Cu],[Cu],"));
    for (const auto& [id, why] : rejects)
        CHECK(why.find("elements") == std::string::npos);

    // No boron allowed: the boronic acid goes, named.
    test::write_file(cfg, "filters:\n  elements: [H, C, N, O]\n");
    r = run_plmkit({"screen", "-i", library(), "-c", cfg, "-o", out, "--no-progress"});
    REQUIRE(r.exit_code == 0);
    rejects = rejects_of(beside(out, ".rejects.tsv"));
    CHECK(rejects["phenylboronic_acid"] ==
          "filter\telements: element not allowed: B (allowed: H, C, N, O)");

    // An unknown symbol is a usage error naming the file, line and key.
    test::write_file(cfg, "filters:\n  veber: true\n  elements: [H, C, Xy]\n");
    r = run_plmkit({"screen", "-i", library(), "-c", cfg, "-o", out, "--no-progress"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: " + cfg +
                                        ":3: 'filters.elements': unknown element symbol 'Xy'"));
}

TEST_CASE("cli screen: metallocenes get the metal reason; what the Uncharger spoils is named",
          "[cli][screen][elements][standardize]") {
    // RDKit's Uncharger (checked in RDKit Python 2022.09) turns
    // cyclopentadienide, alone or in a metallocene written as ions, into
    // 'c1cccc1' (no Kekule form) and [SbH6+3] into '[SbH9]' (valence 9).
    auto lib = test::temp_path("metallocenes.smi");
    test::write_file(lib,
                     "[Fe+2].[cH-]1cccc1.[cH-]1cccc1 ferrocene\n[Ni+2].[cH-]1cccc1.[cH-]1cccc1 "
                     "nickelocene\n[cH-]1cccc1 cp\nC1=CC=C[CH-]1.[Na+] sodium_cp\n[SbH6+3] sbh6\n"
                     "CCO ethanol\n");
    const std::string metal = "filter\telements: metal in the input record: ";
    const std::string why =
        " (a metal complex or metal salt: the standardized molecule is only the part left "
        "after disconnecting the metal)";
    const std::string kekule =
        "', which RDKit cannot read back (kekulization failed: Can't kekulize mol.  Unkekulized "
        "atoms: 0 1 2 3 4): the uncharge step (RDKit's Uncharger) made it from 'c1cc[cH-]c1'";
    auto spoiled = [&](const std::string& input) {
        return "standardize\tstandardization turned '" + input + "' into 'c1cccc1" + kekule;
    };
    auto out = test::temp_path("metallocenes.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rejects = rejects_of(beside(out, ".rejects.tsv"));
    CHECK(rejects.size() == 5);
    CHECK(rejects["ferrocene"] == metal + "Fe" + why);
    CHECK(rejects["nickelocene"] == metal + "Ni" + why);
    CHECK(rejects["sbh6"] == metal + "Sb" + why);
    CHECK(rejects["cp"] == spoiled("[cH-]1cccc1"));
    CHECK(rejects["sodium_cp"] == spoiled("C1=CC=C[CH-]1.[Na+]"));
    auto s = nlohmann::json::parse(test::read_file(beside(out, ".summary.json")));
    CHECK(s["filtered_by_rule"] == nlohmann::json({{"elements", 3}}));
    CHECK(s["accounting"]["holds"] == true);

    // With every element allowed the metallocenes reach no metal rule: the
    // standardize reason names the input and the Uncharger.
    auto cfg = test::temp_path("metallocenes_any.yaml");
    test::write_file(cfg, "filters:\n  elements: any\n");
    r = run_plmkit({"screen", "-i", lib, "-c", cfg, "-o", out, "--no-progress"});
    REQUIRE(r.exit_code == 0);
    rejects = rejects_of(beside(out, ".rejects.tsv"));
    CHECK(rejects["ferrocene"] == spoiled("[Fe+2].[cH-]1cccc1.[cH-]1cccc1"));
    CHECK(rejects["nickelocene"] == spoiled("[Ni+2].[cH-]1cccc1.[cH-]1cccc1"));
    CHECK(rejects["sbh6"] ==
          "standardize\tstandardization turned '[SbH6+3]' into '[SbH9]', which RDKit cannot read "
          "back (valence error: Explicit valence for atom # 0 Sb, 9, is greater than permitted): "
          "the uncharge step (RDKit's Uncharger) made it from '[SbH6+3]'");
}
