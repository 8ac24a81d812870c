// Single-core (or N-thread) throughput of the chemistry steps of the
// screening pipeline on the ChEMBL 90k subset: parse+sanitize (RDKit
// SmilesToMol), Morgan r2/2048 bits, QED, all descriptors (incl. QED).
//
//   build/bin/bench_chem [n=20000] [threads=1] [csv=<shared>/data/chembl30_subset/...]
//
// Prints one line per step with molecules/s. See docs/bench-chem.md.
#include <GraphMol/GraphMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <RDGeneral/RDLog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pipelines/descriptors.hpp"
#include "pipelines/morgan.hpp"
#include "pipelines/qed.hpp"
#include "src/csv.hpp"

using namespace plmkit;

namespace {

std::vector<std::string> read_smiles(const std::string& path, std::size_t n) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "bench_chem: cannot open %s\n", path.c_str());
        std::exit(1);
    }
    std::string line;
    std::getline(in, line);
    const auto header = split_csv_line(line, ',');
    std::size_t col = 0;
    while (col < header.size() && header[col] != "smiles")
        ++col;
    std::vector<std::string> out;
    while (out.size() < n && std::getline(in, line)) {
        const auto f = split_csv_line(line, ',');
        if (col < f.size()) out.push_back(f[col]);
    }
    return out;
}

/// Runs body(i) for i in [0, n) on `threads` threads (interleaved); seconds.
double timed(std::size_t n, unsigned threads, const std::function<void(std::size_t)>& body) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (std::size_t i = t; i < n; i += threads)
                body(i);
        });
    }
    for (auto& th : pool)
        th.join();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void report(const char* step, std::size_t n, unsigned threads, double seconds) {
    std::printf("%-34s %8zu mols  %8.3f s  %10.0f mol/s  (%u thread%s, %.0f mol/s/thread)\n", step,
                n, seconds, n / seconds, threads, threads == 1 ? "" : "s", n / seconds / threads);
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
    const auto smiles = read_smiles(path, n);
    std::printf("bench_chem: %zu molecules from %s, %u thread(s)\n", smiles.size(), path.c_str(),
                threads);

    std::vector<std::unique_ptr<RDKit::ROMol>> mols(smiles.size());
    report("parse+sanitize (SmilesToMol)", smiles.size(), threads,
           timed(smiles.size(), threads,
                 [&](std::size_t i) { mols[i].reset(RDKit::SmilesToMol(smiles[i])); }));
    std::size_t failed = 0;
    for (const auto& m : mols)
        failed += !m;
    if (failed) std::printf("  (%zu SMILES failed to parse; skipped below)\n", failed);

    std::vector<std::uint64_t> sink(mols.size());
    const pipelines::MorganOptions morgan;
    report("Morgan r2/2048 bits", mols.size(), threads,
           timed(mols.size(), threads, [&](std::size_t i) {
               if (mols[i]) sink[i] = pipelines::morgan_fingerprint(*mols[i], morgan).total();
           }));
    pipelines::MorganOptions morgan_counts;
    morgan_counts.counts = true;
    report("Morgan r2/2048 counts", mols.size(), threads,
           timed(mols.size(), threads, [&](std::size_t i) {
               if (mols[i])
                   sink[i] += pipelines::morgan_fingerprint(*mols[i], morgan_counts).total();
           }));
    std::vector<double> values(mols.size());
    report("QED", mols.size(), threads, timed(mols.size(), threads, [&](std::size_t i) {
               if (mols[i]) values[i] = pipelines::qed(*mols[i]);
           }));
    report("all descriptors (incl. QED)", mols.size(), threads,
           timed(mols.size(), threads, [&](std::size_t i) {
               if (mols[i]) values[i] += pipelines::compute_descriptors(*mols[i]).mw;
           }));
    double check = 0;
    for (std::size_t i = 0; i < values.size(); ++i)
        check += values[i] + sink[i];
    std::printf("checksum %.3f\n", check);
    return 0;
}
