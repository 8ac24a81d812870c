// plmkit predict / evaluate on inputs that do not fit the model, as the
// user sees them: exit codes, the messages, and where every record ends up.
#include <unistd.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace {

const std::string kEsol = shared_path("data/esol/delaney-processed.csv");
const std::string kTarget = "measured log solubility in mols per litre";

bool exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

/// A protein model (the tiny ESM-2 fixture, a small forest on 20 GB1 rows).
const std::string& protein_model() {
    static const std::string dir = [] {
        std::ifstream in(shared_path("data/flip_gb1/sampled.csv"));
        std::string text, line;
        for (int i = 0; i < 21 && std::getline(in, line); ++i)
            text += line + "\n";
        const std::string data = temp_path("cli_predict_gb1.csv");
        write_file(data, text);
        std::string d = temp_path("cli_predict_esm_model");
        auto r = run_plmkit({"train", "--data", data, "--target-col", "target", "--featurizer",
                             "esm", "--esm-model", shared_path("fixtures/esm2_tiny/model"),
                             "--head", "forest", "--trees", "10", "--threads", "1", "--output", d});
        if (r.exit_code != 0) throw std::runtime_error("training the test model failed: " + r.err);
        return d;
    }();
    return dir;
}

}  // namespace

TEST_CASE("cli predict: a protein model refuses molecule files", "[cli][predict]") {
    const std::string out = temp_path("cli_predict_esm_out.csv");
    SECTION("SDF") {
        auto r = run_plmkit({"predict", "--model", protein_model(), "--input",
                             shared_path("data/sdf/rdkit_cdk2.sdf"), "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("the model reads protein sequences, but"));
        CHECK_THAT(r.err, Catch::Contains("rdkit_cdk2.sdf is an SDF file of molecules"));
    }
    SECTION(".smi, with or without a header line") {
        for (const char* text : {"CCO ethanol\n", "smiles name\nCCO ethanol\n"}) {
            const std::string smi = temp_path("cli_predict_mols.smi");
            write_file(smi, text);
            auto r = run_plmkit(
                {"predict", "--model", protein_model(), "--input", smi, "--output", out});
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, Catch::Contains("is a SMILES file of molecules"));
        }
    }
    SECTION("--format sdf, and evaluate too") {
        const std::string csv = temp_path("cli_predict_seq.csv");
        write_file(csv, "sequence,target\nMKV,1\n");
        auto r = run_plmkit({"predict", "--model", protein_model(), "--input", csv, "--format",
                             "sdf", "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--format sdf reads an SDF file of molecules"));
        auto e = run_plmkit({"evaluate", "--model", protein_model(), "--data",
                             shared_path("data/sdf/rdkit_cdk2.sdf")});
        CHECK(e.exit_code == 2);
        CHECK_THAT(e.err, Catch::Contains("is an SDF file of molecules"));
    }
    CHECK_FALSE(exists(out));
}
