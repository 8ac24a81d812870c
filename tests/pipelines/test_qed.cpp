// QED against RDKit's Python rdkit.Chem.QED (tests/pipelines/data/
// make_chem_golden.py -> chem_golden.csv), the QED.py doctest values, and
// thread safety.
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <cmath>
#include <memory>
#include <sstream>
#include <thread>
#include "tests/catch.hpp"

#include "pipelines/catalog_matcher.hpp"
#include "pipelines/qed.hpp"
#include "src/csv.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

namespace {

std::unique_ptr<RDKit::ROMol> parse(const std::string& smiles) {
    std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(smiles));
    REQUIRE(mol);
    return mol;
}

struct QedRow {
    std::string smiles;
    double qed_mean, qed_max, qed_none;
    int hba, hbd, rotb, arom, alerts;
};

std::vector<QedRow> read_golden() {
    std::istringstream in(
        test::read_file(test::source_path("tests/pipelines/data/chem_golden.csv")));
    std::string line;
    std::getline(in, line);
    const auto header = split_csv_line(line, ',');
    auto col = [&](const std::string& name) {
        auto it = std::find(header.begin(), header.end(), name);
        REQUIRE(it != header.end());
        return static_cast<std::size_t>(it - header.begin());
    };
    const std::size_t smi = col("smiles"), mean = col("qed"), mx = col("qed_max"),
                      none = col("qed_none"), hba = col("qed_hba"), hbd = col("qed_hbd"),
                      rotb = col("qed_rotb"), arom = col("qed_arom"), alerts = col("qed_alerts");
    std::vector<QedRow> rows;
    while (std::getline(in, line)) {
        const auto f = split_csv_line(line, ',');
        rows.push_back({f[smi], std::stod(f[mean]), std::stod(f[mx]), std::stod(f[none]),
                        std::stoi(f[hba]), std::stoi(f[hbd]), std::stoi(f[rotb]),
                        std::stoi(f[arom]), std::stoi(f[alerts])});
    }
    return rows;
}

}  // namespace

TEST_CASE("qed: QED.py doctest examples (Bickerton et al. 2012)", "[pipelines][qed]") {
    CHECK(pipelines::qed(*parse("N=C(CCSCc1csc(N=C(N)N)n1)NS(N)(=O)=O")) ==
          Approx(0.253).margin(1e-3));
    CHECK(pipelines::qed(*parse("CNC(=NCCSCc1nc[nH]c1C)NC#N")) == Approx(0.234).margin(1e-3));
    CHECK(pipelines::qed(*parse("CCCCCNC(=N)NN=Cc1c[nH]c2ccc(CO)cc12")) ==
          Approx(0.234).margin(1e-3));
}

TEST_CASE("qed: weights", "[pipelines][qed]") {
    double sum = 0;
    for (double w : pipelines::qed_weights_mean())
        sum += w;
    CHECK(sum == Approx(3.92));  // QED.WEIGHT_MEAN
    for (double w : pipelines::qed_weights_none())
        CHECK(w == 1.0);
    CHECK(pipelines::qed_weights_max()[7] == 1.0);  // alerts
}

TEST_CASE("qed: equals rdkit.Chem.QED on the golden set", "[pipelines][qed]") {
    const auto rows = read_golden();
    REQUIRE(rows.size() >= 3000);
    std::size_t bad_props = 0, bad_qed = 0;
    double max_err = 0;
    for (const auto& row : rows) {
        const auto p = pipelines::qed_properties(*parse(row.smiles));
        const bool props_ok = p.hba == row.hba && p.hbd == row.hbd && p.rotb == row.rotb &&
                              p.arom == row.arom && p.alerts == row.alerts;
        if (!props_ok) {
            ++bad_props;
            UNSCOPED_INFO(row.smiles << ": hba " << p.hba << "/" << row.hba << " hbd " << p.hbd
                                     << "/" << row.hbd << " rotb " << p.rotb << "/" << row.rotb
                                     << " arom " << p.arom << "/" << row.arom << " alerts "
                                     << p.alerts << "/" << row.alerts);
        }
        const double mean = pipelines::qed_from_properties(p, pipelines::qed_weights_mean());
        const double mx = pipelines::qed_from_properties(p, pipelines::qed_weights_max());
        const double none = pipelines::qed_from_properties(p, pipelines::qed_weights_none());
        const double err = std::max({std::fabs(mean - row.qed_mean), std::fabs(mx - row.qed_max),
                                     std::fabs(none - row.qed_none)});
        max_err = std::max(max_err, err);
        if (err > 1e-6) {
            ++bad_qed;
            UNSCOPED_INFO(row.smiles << ": qed " << mean << " vs RDKit " << row.qed_mean);
        }
    }
    INFO("max |qed - RDKit| = " << max_err);
    CHECK(bad_props == 0);
    CHECK(bad_qed == 0);
}

TEST_CASE("qed: alerts pre-screened by the pattern fingerprint equal rdkit.Chem.QED's",
          "[pipelines][qed]") {
    // plmkit screen hands QED the fingerprint the PAINS catalogs make
    // (AtomLabelCounts::pattern_fp); an alert whose fingerprint is not a
    // subset of the molecule's is skipped, which must not change any count.
    const auto rows = read_golden();
    std::size_t with_alerts = 0;
    for (const auto& row : rows) {
        INFO(row.smiles);
        const auto mol = parse(row.smiles);
        const pipelines::AtomLabelCounts labels(*mol);
        pipelines::QedProperties p;
        pipelines::qed_structure_counts(*mol, p, &labels.pattern_fp(*mol));
        CHECK(p.alerts == row.alerts);
        CHECK(p.hba == row.hba);
        CHECK(p.arom == row.arom);
        with_alerts += row.alerts > 0 ? 1 : 0;
    }
    CHECK(with_alerts > 1000);
}

TEST_CASE("qed: thread-safe (same values from 4 threads)", "[pipelines][qed]") {
    const auto rows = read_golden();
    const std::size_t n = 400;
    std::vector<double> results(n, -1.0);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (std::size_t i = t; i < n; i += 4) {
                std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(rows[i].smiles));
                results[i] = mol ? pipelines::qed(*mol) : -2.0;
            }
        });
    }
    for (auto& th : threads)
        th.join();
    std::size_t bad = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (std::fabs(results[i] - rows[i].qed_mean) > 1e-6) ++bad;
    }
    CHECK(bad == 0);
}
