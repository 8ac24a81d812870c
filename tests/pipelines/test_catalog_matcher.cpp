#include <GraphMol/FilterCatalog/FilterCatalog.h>
#include <GraphMol/ROMol.h>

#include <fstream>
#include <map>

#include "pipelines/catalog_matcher.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/csv.hpp"
#include "tests/catch.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
using Params = RDKit::FilterCatalogParams;

namespace {
std::string joined(const std::vector<const RDKit::FilterCatalogEntry*>& hits) {
    std::string s;
    for (const auto* h : hits)
        s += (s.empty() ? "" : "|") + h->getDescription();
    return s;
}
}  // namespace

TEST_CASE("catalog matcher: the same matches as RDKit Python's FilterCatalog",
          "[screen][filters]") {
    // Golden: tests/pipelines/data/make_catalog_golden.py (RDKit Python
    // FilterCatalog.GetMatches, no pre-screen): 2014 ChEMBL molecules + 8
    // hand-picked positives, PAINS, BRENK, NIH and ZINC.
    const std::vector<std::pair<std::string, Params::FilterCatalogs>> sets = {
        {"pains", Params::PAINS},
        {"brenk", Params::BRENK},
        {"nih", Params::NIH},
        {"zinc", Params::ZINC}};
    std::vector<std::unique_ptr<RDKit::FilterCatalog>> catalogs;
    std::vector<std::unique_ptr<CatalogMatcher>> matchers;
    for (const auto& [name, which] : sets) {
        catalogs.push_back(std::make_unique<RDKit::FilterCatalog>(which));
        matchers.push_back(std::make_unique<CatalogMatcher>(*catalogs.back()));
        CHECK(matchers.back()->entries() == catalogs.back()->getNumEntries());
    }
    // PAINS entries are all plain SMARTS matchers: every one is pre-screened.
    CHECK(matchers[0]->entries() == 480);
    CHECK(matchers[0]->screened_entries() == 480);

    std::ifstream in(test::source_path("tests/pipelines/data/catalog_golden.csv"));
    REQUIRE(in);
    std::string line;
    std::getline(in, line);
    int n = 0;
    std::vector<int> positives(sets.size());
    while (std::getline(in, line)) {
        auto g = split_csv_line(line, ',');
        REQUIRE(g.size() == 6);
        auto p = parse_smiles(g[1]);
        REQUIRE(p.mol);
        const AtomLabelCounts labels(*p.mol);
        for (std::size_t c = 0; c < sets.size(); ++c) {
            INFO(g[0] << " " << g[1] << " " << sets[c].first);
            const auto& expected = g[2 + c];
            CHECK(joined(matchers[c]->matches(*p.mol, labels)) == expected);
            const auto* first = matchers[c]->first_match(*p.mol, labels);
            CHECK((first ? first->getDescription() : "") == expected.substr(0, expected.find('|')));
            positives[c] += !expected.empty();
        }
        ++n;
    }
    CHECK(n == 2022);
    // The golden exercises matches, not only misses.
    CHECK(positives[0] >= 100);
    CHECK(positives[1] >= 500);
}

TEST_CASE("catalog matcher: pre-screen skips entries whose atoms are missing",
          "[screen][filters]") {
    // Hand-checked: a molecule of carbons only cannot match an entry that
    // needs a sulfur, but a dummy-free pattern of carbons must still be tried.
    RDKit::FilterCatalog cat;
    auto add = [&](const std::string& name, const std::string& smarts) {
        boost::shared_ptr<RDKit::FilterMatcherBase> matcher(
            new RDKit::SmartsMatcher(name, smarts, 1u));
        cat.addEntry(new RDKit::FilterCatalogEntry(name, matcher));
    };
    add("thiol", "[SX2H1]");
    add("aromatic_n", "[n;H0]");
    add("two_oxygens_or_n", "[O,N].[O,N].[O,N]");
    add("not_carbon", "[!#6]");  // negation: never skipped
    add("benzene", "c1ccccc1");
    CatalogMatcher m(cat);
    auto descr = [&](const std::string& smi) {
        auto p = parse_smiles(smi);
        REQUIRE(p.mol);
        return joined(m.matches(*p.mol, AtomLabelCounts(*p.mol)));
    };
    CHECK(descr("CCS") == "thiol|not_carbon");
    CHECK(descr("c1ccncc1") == "aromatic_n|not_carbon");
    CHECK(descr("OCCN") == "not_carbon");  // only two of O/N
    CHECK(descr("OCC(N)CO") == "two_oxygens_or_n|not_carbon");
    CHECK(descr("Cc1ccccc1") == "benzene");
    CHECK(descr("C1CCCCC1") == "");
}
