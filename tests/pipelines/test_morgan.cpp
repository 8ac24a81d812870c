// Morgan fingerprints and Tanimoto against RDKit's Python API
// (tests/pipelines/data/make_chem_golden.py -> morgan_golden.csv,
// morgan_refs.csv, morgan_nearest.csv), plus hand-checked similarities.
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <cmath>
#include <memory>
#include <sstream>
#include <thread>
#include "tests/catch.hpp"

#include "pipelines/mol_parse.hpp"
#include "pipelines/morgan.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using pipelines::MorganFingerprint;
using pipelines::MorganOptions;
using pipelines::ReferenceSet;

namespace {

std::unique_ptr<RDKit::ROMol> parse(const std::string& smiles) {
    std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(smiles));
    REQUIRE(mol);
    return mol;
}

std::vector<std::vector<std::string>> read_rows(const std::string& name) {
    std::istringstream in(test::read_file(test::source_path("tests/pipelines/data/" + name)));
    std::string line;
    std::getline(in, line);  // header
    std::vector<std::vector<std::string>> rows;
    while (std::getline(in, line))
        rows.push_back(split_csv_line(line, ','));
    return rows;
}

/// "3 17 2000" for bits, "3:1 17:2" for counts, as the golden script writes.
std::string fp_text(const MorganFingerprint& fp) {
    std::string out;
    for (const auto& [index, count] : fp.entries()) {
        if (!out.empty()) out += ' ';
        out += std::to_string(index);
        if (fp.counts()) out += ":" + std::to_string(count);
    }
    return out;
}

}  // namespace

TEST_CASE("morgan: Tanimoto of hand-made fingerprints", "[pipelines][morgan]") {
    SECTION("bits: |a&b| / |a|b|") {
        auto a = MorganFingerprint::from_bits(128, {1, 2, 3, 100});
        auto b = MorganFingerprint::from_bits(128, {2, 3, 4, 100, 127});
        CHECK(a.total() == 4);
        CHECK(a.on_bits() == std::vector<unsigned>{1, 2, 3, 100});
        CHECK(pipelines::tanimoto(a, b) == Approx(3.0 / 6.0));
        CHECK(pipelines::tanimoto(a, a) == 1.0);
        auto empty = MorganFingerprint::from_bits(128, {});
        CHECK(pipelines::tanimoto(a, empty) == 0.0);
        CHECK(pipelines::tanimoto(empty, empty) == 1.0);  // RDKit's convention
    }
    SECTION("counts: sum(min) / sum(max)") {
        auto a = MorganFingerprint::from_counts(64, {{1, 2}, {2, 1}, {5, 0}});
        auto b = MorganFingerprint::from_counts(64, {{3, 1}, {1, 1}, {3, 2}});
        CHECK(a.total() == 3);
        CHECK(b.entries() == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{1, 1}, {3, 3}});
        // min: slot1 1 -> 1; max: 2 + 1 + 3 = 6
        CHECK(pipelines::tanimoto(a, b) == Approx(1.0 / 6.0));
        auto empty = MorganFingerprint::from_counts(64, {});
        CHECK(pipelines::tanimoto(empty, empty) == 0.0);  // RDKit's convention
    }
    SECTION("different kinds or lengths are a usage error") {
        auto bits = MorganFingerprint::from_bits(64, {1});
        auto counts = MorganFingerprint::from_counts(64, {{1, 1}});
        auto longer = MorganFingerprint::from_bits(128, {1});
        CHECK_THROWS_AS(pipelines::tanimoto(bits, counts), UsageError);
        CHECK_THROWS_AS(pipelines::tanimoto(bits, longer), UsageError);
        CHECK_THROWS_AS(MorganFingerprint::from_bits(64, {64}), UsageError);
    }
}

TEST_CASE("morgan: fingerprints and Tanimoto equal RDKit Python's", "[pipelines][morgan]") {
    const auto rows = read_rows("morgan_golden.csv");
    REQUIRE(rows.size() >= 300);
    std::size_t bad_fp = 0, bad_sim = 0, counts_rows = 0, bad_parse_step = 0;
    for (const auto& r : rows) {
        REQUIRE(r.size() == 8);
        MorganOptions opt;
        opt.radius = static_cast<unsigned>(std::stoul(r[2]));
        opt.nbits = static_cast<unsigned>(std::stoul(r[3]));
        opt.counts = r[4] == "1";
        opt.chirality = r[5] == "1";
        counts_rows += opt.counts;
        const auto a = pipelines::morgan_fingerprint(*parse(r[0]), opt);
        // The screen's parse step must give the same fingerprint.
        auto parsed = pipelines::parse_smiles(r[0]);
        REQUIRE(parsed.mol);
        if (fp_text(pipelines::morgan_fingerprint(*parsed.mol, opt)) != r[7]) {
            ++bad_parse_step;
            UNSCOPED_INFO("parse_smiles: " << r[0] << " r" << r[2] << " chirality " << r[5]);
        }
        const auto b = pipelines::morgan_fingerprint(*parse(r[1]), opt);
        CHECK(a.counts() == opt.counts);
        CHECK(a.nbits() == opt.nbits);
        if (fp_text(a) != r[7]) {
            ++bad_fp;
            UNSCOPED_INFO(r[0] << " r" << r[2] << "/" << r[3] << ": " << fp_text(a) << " vs "
                               << r[7]);
        }
        if (std::fabs(pipelines::tanimoto(a, b) - std::stod(r[6])) > 1e-9) ++bad_sim;
    }
    CHECK(counts_rows > 100);
    CHECK(bad_fp == 0);
    CHECK(bad_sim == 0);
    CHECK(bad_parse_step == 0);
}

TEST_CASE("morgan: reference set nearest neighbour equals RDKit Python's", "[pipelines][morgan]") {
    const std::string refs = test::source_path("tests/pipelines/data/morgan_refs.csv");
    const auto rows = read_rows("morgan_nearest.csv");
    for (bool counts : {false, true}) {
        MorganOptions opt;
        opt.counts = counts;
        const ReferenceSet set = ReferenceSet::load(refs, opt);
        CHECK(set.size() == 20);
        CHECK(set.skipped() == 2);  // bad_syntax, bad_valence
        std::size_t n = 0, bad = 0;
        for (const auto& r : rows) {
            if ((r[1] == "1") != counts) continue;
            const auto hit = set.nearest(pipelines::morgan_fingerprint(*parse(r[0]), opt));
            ++n;
            if (std::fabs(hit.similarity - std::stod(r[2])) > 1e-9 || hit.id != r[3]) {
                ++bad;
                UNSCOPED_INFO(r[0] << ": " << hit.id << " " << hit.similarity << " vs " << r[3]
                                   << " " << r[2]);
            }
        }
        CHECK(n == 100);
        CHECK(bad == 0);
    }
}

TEST_CASE("morgan: reference set errors and edge cases", "[pipelines][morgan]") {
    SECTION("missing file") {
        CHECK_THROWS_AS(ReferenceSet::load(test::temp_path("no_such_refs.csv"), {}), IoError);
    }
    SECTION("no usable reference") {
        const std::string path = test::temp_path("bad_refs.csv");
        test::write_file(path, "smiles,id\nC1CC(,a\nC(C)(C)(C)(C)C,b\n");
        CHECK_THROWS_AS(ReferenceSet::load(path, {}), InputError);
    }
    SECTION("empty set and add()") {
        ReferenceSet set;
        const auto fp = pipelines::morgan_fingerprint(*parse("CCO"), {});
        CHECK(set.nearest(fp).id.empty());
        CHECK(set.nearest(fp).similarity == 0.0);
        set.add("ethanol", fp);
        set.add("ethanol2", fp);
        CHECK(set.nearest(fp).id == "ethanol");  // ties go to the first
        CHECK(set.nearest(fp).similarity == 1.0);
        MorganOptions counts;
        counts.counts = true;
        CHECK_THROWS_AS(set.add("x", pipelines::morgan_fingerprint(*parse("C"), counts)),
                        UsageError);
    }
}

TEST_CASE("morgan: thread-safe (same fingerprints from 4 threads)", "[pipelines][morgan]") {
    const auto rows = read_rows("morgan_golden.csv");
    const MorganOptions opt;
    std::vector<std::string> expected, got(rows.size());
    for (const auto& r : rows)
        expected.push_back(fp_text(pipelines::morgan_fingerprint(*parse(r[0]), opt)));
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (std::size_t i = t; i < rows.size(); i += 4) {
                std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(rows[i][0]));
                got[i] = mol ? fp_text(pipelines::morgan_fingerprint(*mol, opt)) : "";
            }
        });
    }
    for (auto& th : threads)
        th.join();
    CHECK(got == expected);
}

TEST_CASE("morgan: plmkit's implementation gives RDKit's fingerprints bit for bit",
          "[pipelines][morgan]") {
    // RDKit's own MorganFingerprints functions are the reference: every
    // molecule, radius 0-3, bits of two lengths and counts.
    std::vector<std::string> smiles = {
        "C",                        // one atom, no bonds
        "[Na+].[Cl-]",              // ions without bonds
        "CC.O",                     // fragments
        "[2H]C([2H])([2H])O",       // isotopes (mass difference)
        "[13CH4]",                  // an isotope whose mass rounds to 0 difference
        "C[N+](C)(C)C.[O-]C(=O)C",  // charges
        "c1ccc2ccccc2c1",           // fused aromatic rings
        "C1CC2CCC1CC2",             // bridged rings
        "C[C@H](N)C(=O)O",          // a stereocentre (ignored without chirality)
        "C/C=C/C",                  // double-bond stereo
        "[H]OC([H])([H])[H]",       // explicit hydrogens
        "CC(C)(C)c1ccc(O)cc1",      // symmetric environments
        "C1CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC1",  // > 64 bonds
    };
    {
        std::istringstream in(
            test::read_file(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv")));
        std::string line;
        std::getline(in, line);  // header: smiles first
        for (int i = 0; i < 3000 && std::getline(in, line); ++i)
            smiles.push_back(split_csv_line(line, ',').at(0));
    }
    std::size_t compared = 0;
    for (const auto& s : smiles) {
        std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(s));
        if (!mol) continue;
        for (unsigned radius : {0u, 1u, 2u, 3u}) {
            for (unsigned nbits : {2048u, 1024u}) {
                for (bool counts : {false, true}) {
                    MorganOptions o;
                    o.radius = radius;
                    o.nbits = nbits;
                    o.counts = counts;
                    const MorganFingerprint ours = pipelines::morgan_fingerprint(*mol, o);
                    const MorganFingerprint ref = pipelines::rdkit_morgan_fingerprint(*mol, o);
                    INFO(s << " radius " << radius << " nbits " << nbits << " counts " << counts);
                    if (counts)
                        REQUIRE(ours.entries() == ref.entries());
                    else
                        REQUIRE(ours.on_bits() == ref.on_bits());
                    ++compared;
                }
            }
        }
    }
    CHECK(compared > 3000 * 16 * 9 / 10);
}
