// Single-core (or N-thread) throughput of the chemistry steps of the
// screening pipeline on the ChEMBL 90k subset: parse+sanitize (plmkit's
// parse_smiles, the pipeline's parse step, and RDKit's default SmilesToMol
// for comparison), standardize (plmkit's Standardizer: cleanup + largest
// fragment + uncharge), PAINS A+B+C (RDKit's FilterCatalog::getFirstMatch,
// and plmkit's pre-screened CatalogMatcher, checked to agree), Morgan
// r2/2048 bits and counts, QED, all descriptors (incl. QED).
//
//   build/bin/bench_chem [n=20000] [threads=1] [csv=<shared>/data/chembl30_subset/...]
//
// Prints one line per step with molecules/s (wall clock) and per CPU second
// of the process. bench/bench_chem_rdkit.py times the same steps with
// RDKit's Python API; docs/bench-screen.md has the figures.
#include <GraphMol/FilterCatalog/FilterCatalog.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <RDGeneral/RDLog.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_support.hpp"
#include "pipelines/catalog_matcher.hpp"
#include "pipelines/descriptors.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/morgan.hpp"
#include "pipelines/qed.hpp"
#include "pipelines/standardize.hpp"
#include "src/csv.hpp"

using namespace plmkit;
using plmkit::bench::process_cpu_seconds;

namespace {

struct Timing {
    double wall = 0, cpu = 0;
};

/// Runs body(i, thread) for i in [0, n) on `threads` threads (interleaved).
Timing timed(std::size_t n, unsigned threads,
             const std::function<void(std::size_t, unsigned)>& body) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu0 = process_cpu_seconds();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (std::size_t i = t; i < n; i += threads)
                body(i, t);
        });
    }
    for (auto& th : pool)
        th.join();
    return {std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
            process_cpu_seconds() - cpu0};
}

void report(const char* step, std::size_t n, unsigned threads, Timing t) {
    std::printf("%-34s %8zu mols  %8.3f s  %10.0f mol/s  (%u thread%s, cpu %.3f s = %.0f mol/s)\n",
                step, n, t.wall, n / t.wall, threads, threads == 1 ? "" : "s", t.cpu, n / t.cpu);
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t n = argc > 1 ? std::stoul(argv[1]) : 20000;
    const unsigned threads = argc > 2 ? static_cast<unsigned>(std::stoul(argv[2])) : 1;
    const std::string path =
        argc > 3 ? argv[3]
                 : std::string(PLMKIT_SHARED_DIR) + "/data/chembl30_subset/chembl30_subset_90k.csv";
    RDLog::InitLogs();
    boost::logging::disable_logs("rdApp.*");
    const auto smiles = bench::read_smiles(path, "bench_chem", n);
    std::printf("bench_chem: %zu molecules from %s, %u thread(s)\n", smiles.size(), path.c_str(),
                threads);

    std::vector<std::unique_ptr<RDKit::ROMol>> mols(smiles.size());
    // The pipeline's parse step: parse, sanitize (reporting which operation
    // failed), remove explicit hydrogens, perceive stereo: the same work as
    // RDKit's SmilesToMol and Python's MolFromSmiles.
    report("parse+sanitize+stereo (plmkit parse_smiles)", smiles.size(), threads,
           timed(smiles.size(), threads, [&](std::size_t i, unsigned) {
               mols[i] = pipelines::parse_smiles(smiles[i]).mol;
           }));
    std::size_t plmkit_failed = 0;
    for (const auto& m : mols)
        plmkit_failed += !m;
    // RDKit's default SmilesToMol (sanitize, remove Hs, stereo perception),
    // as Python's MolFromSmiles; its molecules are the ones timed below.
    report("parse+sanitize (SmilesToMol)", smiles.size(), threads,
           timed(smiles.size(), threads,
                 [&](std::size_t i, unsigned) { mols[i].reset(RDKit::SmilesToMol(smiles[i])); }));
    std::size_t failed = 0;
    for (const auto& m : mols)
        failed += !m;
    if (failed) std::printf("  (%zu SMILES failed to parse; skipped below)\n", failed);
    if (plmkit_failed != failed)
        std::printf("  (parse_smiles rejected %zu, SmilesToMol %zu)\n", plmkit_failed, failed);

    std::vector<std::unique_ptr<pipelines::Standardizer>> standardizers;
    for (unsigned t = 0; t < threads; ++t)
        standardizers.push_back(std::make_unique<pipelines::Standardizer>());
    report("standardize (cleanup+largest+unch)", mols.size(), threads,
           timed(mols.size(), threads, [&](std::size_t i, unsigned t) {
               if (mols[i]) standardizers[t]->run(*mols[i]);
           }));

    RDKit::FilterCatalogParams params;
    params.addCatalog(RDKit::FilterCatalogParams::PAINS_A);
    params.addCatalog(RDKit::FilterCatalogParams::PAINS_B);
    params.addCatalog(RDKit::FilterCatalogParams::PAINS_C);
    const RDKit::FilterCatalog pains(params);
    const pipelines::CatalogMatcher matcher(pains);
    std::vector<const RDKit::FilterCatalogEntry*> rdkit_hit(mols.size()), plmkit_hit(mols.size());
    report("PAINS A+B+C (RDKit getFirstMatch)", mols.size(), threads,
           timed(mols.size(), threads, [&](std::size_t i, unsigned) {
               if (mols[i]) rdkit_hit[i] = pains.getFirstMatch(*mols[i]).get();
           }));
    report("PAINS A+B+C (plmkit CatalogMatcher)", mols.size(), threads,
           timed(mols.size(), threads, [&](std::size_t i, unsigned) {
               if (mols[i])
                   plmkit_hit[i] =
                       matcher.first_match(*mols[i], pipelines::AtomLabelCounts(*mols[i]));
           }));
    std::size_t hits = 0, disagree = 0;
    for (std::size_t i = 0; i < mols.size(); ++i) {
        hits += rdkit_hit[i] != nullptr;
        disagree += rdkit_hit[i] != plmkit_hit[i];
    }
    std::printf("  (%zu PAINS matches; %zu of %zu entries pre-screened; %zu disagreements)\n", hits,
                matcher.screened_entries(), matcher.entries(), disagree);
    if (disagree) return 1;

    // Morgan: RDKit's MorganFingerprints functions and plmkit's implementation
    // of the same algorithm, which must give the same fingerprints.
    std::size_t morgan_disagree = 0;
    for (bool counts : {false, true}) {
        pipelines::MorganOptions o;
        o.counts = counts;
        std::vector<pipelines::MorganFingerprint> ref(mols.size()), ours(mols.size());
        const std::string kind = counts ? "counts" : "bits";
        report(("Morgan r2/2048 " + kind + " (RDKit)").c_str(), mols.size(), threads,
               timed(mols.size(), threads, [&](std::size_t i, unsigned) {
                   if (mols[i]) ref[i] = pipelines::rdkit_morgan_fingerprint(*mols[i], o);
               }));
        report(("Morgan r2/2048 " + kind + " (plmkit)").c_str(), mols.size(), threads,
               timed(mols.size(), threads, [&](std::size_t i, unsigned) {
                   if (mols[i]) ours[i] = pipelines::morgan_fingerprint(*mols[i], o);
               }));
        for (std::size_t i = 0; i < mols.size(); ++i)
            morgan_disagree += counts ? ours[i].entries() != ref[i].entries()
                                      : ours[i].on_bits() != ref[i].on_bits();
    }
    std::printf("  (%zu Morgan disagreements)\n", morgan_disagree);
    if (morgan_disagree) return 1;
    std::vector<double> values(mols.size());
    report("QED", mols.size(), threads, timed(mols.size(), threads, [&](std::size_t i, unsigned) {
               if (mols[i]) values[i] = pipelines::qed(*mols[i]);
           }));
    report("all descriptors (incl. QED)", mols.size(), threads,
           timed(mols.size(), threads, [&](std::size_t i, unsigned) {
               if (mols[i]) values[i] += pipelines::compute_descriptors(*mols[i]).mw;
           }));
    double check = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
        check += values[i];
    std::printf("checksum %.3f\n", check);
    return 0;
}
