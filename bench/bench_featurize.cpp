// Single-core CPU cost of the RDKit featurizers of `plmkit train/predict`
// (rdkit2d by default) on a SMILES table: molecules are parsed first (not
// timed), then featurized `repeat` times; prints molecules per CPU second
// (clock_gettime(CLOCK_PROCESS_CPUTIME_ID)) and, with `out`, writes the raw
// feature matrix (float32, row-major, one row per parsed molecule) so two
// builds can be compared byte for byte (cmp).
//
//   build/bin/bench_featurize [csv=<shared>/data/bbbp/BBBP.csv] [featurizer=rdkit2d]
//                             [repeat=3] [out=features.f32]
//
// docs/train.md has the figures.
#include <GraphMol/GraphMol.h>
#include <RDGeneral/RDLog.h>

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "pipelines/featurizers.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/csv.hpp"

using namespace plmkit;
using plmkit::bench::process_cpu_seconds;

namespace {}  // namespace

int main(int argc, char** argv) {
    const std::string path =
        argc > 1 ? argv[1] : std::string(PLMKIT_SHARED_DIR) + "/data/bbbp/BBBP.csv";
    pipelines::FeaturizerOptions options;
    options.name = argc > 2 ? argv[2] : "rdkit2d";
    const int repeat = argc > 3 ? std::atoi(argv[3]) : 3;
    const std::string out_path = argc > 4 ? argv[4] : "";
    RDLog::InitLogs();
    boost::logging::disable_logs("rdApp.*");

    std::vector<std::unique_ptr<RDKit::ROMol>> mols;
    for (const auto& s : bench::read_smiles(path, "bench_featurize")) {
        auto parsed = pipelines::parse_smiles(s);
        if (parsed.mol) mols.push_back(std::move(parsed.mol));
    }
    const pipelines::Featurizer featurizer(options);
    const std::size_t dim = featurizer.dim();
    std::vector<float> features(mols.size() * dim);
    featurizer.featurize(*mols.front(), features.data());  // static tables, not timed
    double best = 0;
    for (int r = 0; r < repeat; ++r) {
        const double cpu0 = process_cpu_seconds();
        for (std::size_t i = 0; i < mols.size(); ++i)
            featurizer.featurize(*mols[i], features.data() + i * dim);
        const double cpu = process_cpu_seconds() - cpu0;
        const double rate = static_cast<double>(mols.size()) / cpu;
        std::printf("%s: %zu mols x %zu features, cpu %.3f s = %.0f mol/CPU-s (%.1f us/mol)\n",
                    options.name.c_str(), mols.size(), dim, cpu, rate, 1e6 / rate);
        if (rate > best) best = rate;
    }
    std::printf("best %.0f mol/CPU-s\n", best);
    if (!out_path.empty()) {
        std::ofstream out(out_path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(features.data()),
                  static_cast<std::streamsize>(features.size() * sizeof(float)));
        if (!out) {
            std::fprintf(stderr, "bench_featurize: cannot write %s\n", out_path.c_str());
            return 1;
        }
    }
    return 0;
}
