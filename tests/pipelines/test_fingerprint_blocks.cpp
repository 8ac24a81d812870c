// MACCS keys, atom-pair and torsion counts: against RDKit's Python API
// (tests/pipelines/data/make_featurizer_golden.py) and hand-counted cases.
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include "tests/catch.hpp"

#include <GraphMol/ROMol.h>

#include "pipelines/fingerprint_blocks.hpp"
#include "pipelines/mol_parse.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {
nlohmann::json golden() {
    return nlohmann::json::parse(
        test::read_file(test::source_path("tests/pipelines/data/featurizer_golden.json")));
}
std::unique_ptr<RDKit::ROMol> mol(const std::string& smiles) {
    auto parsed = parse_smiles(smiles);
    REQUIRE(parsed.mol);
    return std::move(parsed.mol);
}
std::vector<float> expected_counts(const nlohmann::json& counts, std::size_t slots) {
    std::vector<float> e(slots, 0.f);
    for (const auto& [k, v] : counts.items())
        e[std::stoul(k)] = std::log1p(v.get<float>());
    return e;
}
/// Slot -> count from log(1 + count) values (rounded back to integers).
std::vector<long> counts_of(const std::vector<float>& x) {
    std::vector<long> c;
    for (float v : x)
        if (v != 0.f) c.push_back(std::lround(std::expm1(v)));
    return c;
}
}  // namespace

TEST_CASE("fingerprint blocks equal RDKit's Python fingerprints", "[pipelines][fingerprints]") {
    for (const auto& g : golden()) {
        INFO(g["smiles"].get<std::string>());
        auto m = mol(g["smiles"]);
        SECTION("MACCS keys") {
            std::vector<float> x(kMaccsKeys, -1.f);
            maccs_keys(*m, x.data());
            std::vector<float> e(kMaccsKeys, 0.f);
            for (const auto& bit : g["maccs_on_bits"])
                e[bit.get<std::size_t>()] = 1.f;
            CHECK(x == e);
        }
        SECTION("atom-pair counts") {
            std::vector<float> x(2048, -1.f);
            atom_pair_counts(*m, 2048, x.data());
            CHECK(x == expected_counts(g["atompair_counts"], 2048));
        }
        SECTION("torsion counts") {
            std::vector<float> x(2048, -1.f);
            torsion_counts(*m, 2048, x.data());
            CHECK(x == expected_counts(g["torsion_counts"], 2048));
        }
    }
}

TEST_CASE("fingerprint blocks: hand-counted molecules", "[pipelines][fingerprints]") {
    SECTION("MACCS keys of CNO (RDKit's documented example)") {
        std::vector<float> x(kMaccsKeys);
        maccs_keys(*mol("CNO"), x.data());
        std::set<std::size_t> on;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (x[i] != 0.f) on.insert(i);
        CHECK(on == std::set<std::size_t>{24, 68, 69, 71, 93, 94, 102, 124, 131, 139, 151, 158, 160,
                                          161, 164});
    }
    SECTION("n-hexane has 15 atom pairs of 8 kinds") {
        std::vector<float> x(2048);
        atom_pair_counts(*mol("CCCCCC"), 2048, x.data());
        long total = 0;
        for (long c : counts_of(x))
            total += c;
        CHECK(total == 15);  // 6 * 5 / 2 pairs of heavy atoms
        // Pairs by (degree, degree, distance), the atoms being all sp3 C:
        // d1: (1,2) x2, (2,2) x3; d2: (1,2) x2, (2,2) x2; d3: (1,2) x2,
        // (2,2) x1; d4: (1,2) x2; d5: (1,1) x1 -> 8 distinct kinds.
        CHECK(counts_of(x).size() == 8);
    }
    SECTION("n-butane has one torsion, n-pentane two of one kind, n-hexane three") {
        std::vector<float> x(2048);
        torsion_counts(*mol("CCCC"), 2048, x.data());
        CHECK(counts_of(x) == std::vector<long>{1});
        torsion_counts(*mol("CCCCC"), 2048, x.data());
        CHECK(counts_of(x) == std::vector<long>{2});
        // Hexane: C1-C4 and C3-C6 have a terminal carbon, C2-C5 does not.
        torsion_counts(*mol("CCCCCC"), 2048, x.data());
        auto c = counts_of(x);
        std::sort(c.begin(), c.end());
        CHECK(c == std::vector<long>{1, 2});
    }
    SECTION("ethane has no torsion; slots fold modulo the size") {
        std::vector<float> x(64, 5.f);
        torsion_counts(*mol("CC"), 64, x.data());
        CHECK(counts_of(x).empty());
        atom_pair_counts(*mol("CCCCCC"), 1, x.data());
        CHECK(x[0] == Approx(std::log1p(15.f)));
    }
}
