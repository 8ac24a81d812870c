// Molecular graphs checked by hand against the layout documented in
// pipelines/mol_graph_builder.hpp (slot offsets: element 0, degree 14,
// charge 21, chirality 27 (none, R, S, other), hydrogens 31, hybridization 37, aromatic 43,
// ring 44, mass 45; bonds: type 0-3, conjugated 4, ring 5, stereo 6-11).
#include <GraphMol/ROMol.h>

#include <algorithm>
#include <numeric>

#include "pipelines/mol_graph_builder.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/property_featurizer.hpp"
#include "tests/catch.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {

models::MolGraph graph_of(const std::string& smiles) {
    ParseResult p = parse_smiles(smiles);
    REQUIRE(p.mol);
    return build_mol_graph(*p.mol);
}

/// The slots set to a non-zero value in atom a's one-hot groups (0-44).
std::vector<int> atom_slots(const models::MolGraph& g, int a) {
    std::vector<int> on;
    for (int k = 0; k < 45; ++k)
        if (g.atom_features[a * kAtomFeatures + k] != 0.f) on.push_back(k);
    return on;
}

std::vector<int> bond_slots(const models::MolGraph& g, int b) {
    std::vector<int> on;
    for (int k = 0; k < kBondFeatures; ++k)
        if (g.bond_features[b * kBondFeatures + k] != 0.f) on.push_back(k);
    return on;
}

}  // namespace

TEST_CASE("mol_graph: ethanol's atoms and bonds", "[mol_graph]") {
    models::MolGraph g = graph_of("CCO");
    REQUIRE(g.atoms == 3);
    REQUIRE(g.bonds() == 4);
    CHECK(g.atom_features.size() == 3 * kAtomFeatures);
    CHECK(g.bond_features.size() == 4 * kBondFeatures);
    // Bond 0 (C0-C1) both ways, then bond 1 (C1-O2) both ways.
    CHECK(g.from == std::vector<std::int32_t>{0, 1, 1, 2});
    CHECK(g.to == std::vector<std::int32_t>{1, 0, 2, 1});
    // CH3: carbon (2), degree 4 with its Hs (14 + 4), charge 0 (21 + 2),
    // no chirality (27), 3 Hs (31 + 3), sp3 (37 + 2).
    CHECK(atom_slots(g, 0) == std::vector<int>{2, 18, 23, 27, 34, 39});
    // OH: oxygen (4), degree 2 (16), charge 0, 1 H (32), sp3.
    CHECK(atom_slots(g, 2) == std::vector<int>{4, 16, 23, 27, 32, 39});
    CHECK(g.atom_features[2 * kAtomFeatures + 45] == Approx(0.15999).margin(1e-4));
    CHECK(g.atom_features[0 * kAtomFeatures + 45] == Approx(0.12011).margin(1e-4));
    // Single, not conjugated, not in a ring, no stereo (6).
    for (int b = 0; b < 4; ++b)
        CHECK(bond_slots(g, b) == std::vector<int>{0, 6});
}

TEST_CASE("mol_graph: aromatic rings, charges, chirality, stereo bonds, other elements",
          "[mol_graph]") {
    SECTION("benzene") {
        models::MolGraph g = graph_of("c1ccccc1");
        CHECK(g.atoms == 6);
        CHECK(g.bonds() == 12);
        // Aromatic carbon, degree 3, one H, sp2, aromatic, in a ring.
        CHECK(atom_slots(g, 0) == std::vector<int>{2, 17, 23, 27, 32, 38, 43, 44});
        // Aromatic, conjugated, in a ring, no stereo.
        for (int b = 0; b < 12; ++b)
            CHECK(bond_slots(g, b) == std::vector<int>{3, 4, 5, 6});
    }
    SECTION("ammonium and sodium") {
        models::MolGraph g = graph_of("[NH4+]");
        // Nitrogen (3), degree 4 (18), +1 (24), 4 Hs (35), sp3 (39).
        CHECK(atom_slots(g, 0) == std::vector<int>{3, 18, 24, 27, 35, 39});
        models::MolGraph na = graph_of("[Na+]");
        CHECK(na.bonds() == 0);
        // Not among the listed elements (13), degree 0 (14), +1, no Hs (31),
        // hybridization S: not listed (42).
        CHECK(atom_slots(na, 0) == std::vector<int>{13, 14, 24, 27, 31, 42});
    }
    SECTION("a stereocentre and an E double bond") {
        // CIP labels (RDKit Python: C[C@H](N)O is R, C[C@@H](N)O is S), not
        // the order-relative '@' / '@@' tags: 27 + 1 for R, 27 + 2 for S.
        CHECK(atom_slots(graph_of("C[C@H](N)O"), 1)[3] == 28);
        CHECK(atom_slots(graph_of("C[C@@H](N)O"), 1)[3] == 29);
        CHECK(atom_slots(graph_of("N[C@@H](C)O"), 1)[3] == 28);  // R written the other way
        CHECK(atom_slots(graph_of("CC(N)O"), 1)[3] == 27);
        models::MolGraph e = graph_of("F/C=C/F");
        // Bond 1 (C=C): double, conjugated? no; stereo E (6 + 3).
        CHECK(bond_slots(e, 2) == std::vector<int>{1, 9});
        CHECK(bond_slots(e, 3) == std::vector<int>{1, 9});
    }
}

TEST_CASE("mol_graph: a molecule written two ways gets the same graph up to renumbering",
          "[mol_graph]") {
    // Quinidine as BBBP writes it and as RDKit's canonical SMILES writes it.
    const models::MolGraph a = graph_of("COc1ccc2nccc([C@H](O)[C@H]3C[C@@H]4CCN3C[C@@H]4C=C)c2c1");
    const models::MolGraph b = graph_of("C=C[C@H]1CN2CC[C@H]1C[C@@H]2[C@@H](O)c1ccnc2ccc(OC)cc12");
    REQUIRE(a.atoms == b.atoms);
    REQUIRE(a.bonds() == b.bonds());
    // Each directed bond as (source atom's features, bond's, target atom's):
    // the same multiset in both.
    auto rows = [](const models::MolGraph& g) {
        std::vector<std::vector<float>> out;
        for (std::size_t e = 0; e < g.bonds(); ++e) {
            std::vector<float> r(&g.atom_features[g.from[e] * kAtomFeatures],
                                 &g.atom_features[(g.from[e] + 1) * kAtomFeatures]);
            r.insert(r.end(), &g.bond_features[e * kBondFeatures],
                     &g.bond_features[(e + 1) * kBondFeatures]);
            r.insert(r.end(), &g.atom_features[g.to[e] * kAtomFeatures],
                     &g.atom_features[(g.to[e] + 1) * kAtomFeatures]);
            out.push_back(r);
        }
        std::sort(out.begin(), out.end());
        return out;
    };
    CHECK(rows(a) == rows(b));
    // Four stereocentres, two R and two S.
    int r = 0, s = 0;
    for (int i = 0; i < a.atoms; ++i) {
        r += a.atom_features[i * kAtomFeatures + 28] == 1.f;
        s += a.atom_features[i * kAtomFeatures + 29] == 1.f;
    }
    CHECK(r == 2);
    CHECK(s == 2);
}

TEST_CASE("mol_graph: the featurizer's graphs follow --standardize", "[mol_graph]") {
    PropertyFeaturizerOptions o;
    o.name = "basic";
    o.runtime.threads = 1;
    auto plain = PropertyFeaturizer::create(o);
    o.standardize = true;
    auto parent = PropertyFeaturizer::create(o);
    REQUIRE(plain->makes_graphs());
    plain->keep_graphs(true);
    parent->keep_graphs(true);
    const std::vector<std::string> in{"CC(=O)[O-].[Na+]", "not a molecule"};
    FeatureMatrix a = plain->featurize(in), b = parent->featurize(in);
    REQUIRE(a.graphs.size() == 2);
    CHECK(a.graphs[0].atoms == 5);  // acetate and sodium
    CHECK(b.graphs[0].atoms == 4);  // the parent: acetic acid
    CHECK_FALSE(b.ok(1));
    CHECK(b.graphs[1].atoms == 0);
    ParseResult p = parse_smiles("CC(=O)[O-].[Na+]");
    models::MolGraph one;
    CHECK(parent->molecule_graph(*p.mol, &one).empty());
    CHECK(one.atom_features == b.graphs[0].atom_features);
}

namespace {
// Acetaldoxime with its C=N bond drawn "either" (bond stereo 3): RDKit Python's
// MolFromMolBlock gives bond 1 STEREOANY and the SMILES CC=NO (STEREONONE).
const char* const kEitherOxime =
    "acetaldoxime\n     RDKit          2D\n\n"
    "  4  3  0  0  0  0  0  0  0  0999 V2000\n"
    "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
    "    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
    "    2.5981    0.0000    0.0000 N   0  0  0  0  0  0  0  0  0  0  0  0\n"
    "    3.8971    0.7500    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n"
    "  1  2  1  0\n  2  3  2  3\n  3  4  1  0\nM  END\n";
}  // namespace

TEST_CASE("mol_graph: an SD 'either' double bond is unspecified stereo, as in its SMILES",
          "[mol_graph]") {
    ParseResult sd = parse_molblock(kEitherOxime);
    REQUIRE(sd.mol);
    REQUIRE(sd.mol->getBondWithIdx(1)->getStereo() == RDKit::Bond::STEREOANY);
    const models::MolGraph smiles = graph_of("CC=NO");  // the same atom order
    const models::MolGraph g = build_mol_graph(*sd.mol);
    CHECK(g.atom_features == smiles.atom_features);
    CHECK(g.bond_features == smiles.bond_features);
    // C=N (directed edges 2 and 3): double, conjugated, stereo "none".
    CHECK(bond_slots(g, 2) == std::vector<int>{1, 4, 6});
    CHECK(bond_slots(g, 3) == std::vector<int>{1, 4, 6});
    // plmkit-graph-2 (models made before) set slot "any" there.
    REQUIRE(mol_graph_options("plmkit-graph-2"));
    const models::MolGraph old = build_mol_graph(*sd.mol, *mol_graph_options("plmkit-graph-2"));
    CHECK(bond_slots(old, 2) == std::vector<int>{1, 4, 7});
    CHECK(old.atom_features == smiles.atom_features);
    CHECK(mol_graph_options(kGraphFeatures));
    CHECK_FALSE(mol_graph_options("plmkit-graph-1"));
}
