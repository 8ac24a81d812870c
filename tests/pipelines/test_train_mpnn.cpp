// plmkit train --head ...mpnn (D-MPNNs on molecular graphs) on real ESOL
// data. Reference values come from the data (mean predictor) and from the
// model's other paths (evaluate, predict, the screen's one-molecule path),
// which must agree with what training measured.
#include <GraphMol/ROMol.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "pipelines/mol_graph_builder.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/predict_job.hpp"
#include "pipelines/property_predictor.hpp"
#include "pipelines/train_job.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "tests/pipelines/train_test_data.hpp"
#include "tests/test_support.hpp"

#include "tests/catch.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char* kTarget = "measured log solubility in mols per litre";

/// Small D-MPNNs on the ESOL graphs alone.
TrainOptions mpnn_options(const std::string& out) {
    TrainOptions o = test::esol_options(out);
    o.head = "mpnn";
    o.mpnn.hidden = 48;
    o.mpnn.depth = 3;
    o.mpnn.ffn_hidden = {48};
    o.mpnn.features = false;
    o.mpnn.ensemble = 2;
    o.mpnn.epochs = 30;
    o.batch_size = 32;
    o.lr = 2e-3;
    return o;
}

const test::TrainRun& mpnn_run() {
    static const test::TrainRun run = test::train_run("esol_mpnn", mpnn_options);
    return run;
}

}  // namespace

TEST_CASE("train: D-MPNNs on ESOL graphs beat the mean predictor", "[train_job][mpnn]") {
    const test::TrainRun& r = mpnn_run();
    REQUIRE(r.summary.completed);
    // The mean of the training targets as a predictor of the test rows.
    const double mean_rmse = test::mean_predictor_rmse(r.out + "/split.csv", test::esol_values());
    const double rmse = r.summary.metrics["test"]["mean"]["rmse"].get<double>();
    INFO("D-MPNN test RMSE " << rmse << ", mean predictor " << mean_rmse);
    CHECK(rmse < 0.6 * mean_rmse);

    auto m = json::parse(test::read_file(r.out + "/metrics.json"));
    REQUIRE(m["members"].size() == 2);
    CHECK(m["members"][0]["kind"] == "mpnn");
    CHECK(m["members"][1]["epochs"] == 30);
    auto cfg = json::parse(test::read_file(r.out + "/config.json"));
    CHECK(cfg["model"]["type"] == "mpnn");
    CHECK(cfg["model"]["mpnn"]["members"] == 2);
    CHECK(cfg["model"]["mpnn"]["graph_features"] == kGraphFeatures);
    CHECK(cfg["model"]["mpnn"]["atom_dim"] == kAtomFeatures);
    CHECK(cfg["model"]["mpnn"]["features"] == 0);
    CHECK(cfg["training"]["mpnn"]["depth"] == 3);
}

TEST_CASE("train: a D-MPNN model predicts, evaluates and scores as in training",
          "[train_job][mpnn]") {
    const test::TrainRun& r = mpnn_run();
    // evaluate on exactly the test rows gives metrics.json's test RMSE.
    const std::string test_csv = test::temp_path("esol_mpnn_test.csv");
    const std::size_t tests =
        test::write_set_csv(test::esol_csv(), r.out + "/split.csv", "test", test_csv);
    EvaluateOptions eo;
    eo.model = r.out;
    eo.data = test_csv;
    json e = run_evaluate(eo);
    CHECK(e["n"] == tests);
    CHECK(e["metrics"]["mean"]["rmse"].get<double>() ==
          Approx(r.summary.metrics["test"]["mean"]["rmse"].get<double>()).epsilon(1e-9));

    // predict's file, the in-process predictor and the screen's path.
    PredictOptions po;
    po.model = r.out;
    po.input = test::temp_path("mpnn_lib.smi");
    test::write_file(po.input, "smiles id\nCCO ethanol\nC1CC broken\nc1ccccc1 benzene\n");
    po.output = test::temp_path("mpnn_preds.csv");
    po.progress = false;
    PredictSummary ps = run_predict(po);
    CHECK(ps.predicted == 2);
    CHECK(ps.rejected == 1);
    auto preds = test::read_csv(po.output);
    REQUIRE(preds.size() == 3);
    CHECK(preds[0].back() == std::string(kTarget) + "_std");  // two networks
    PropertyPredictor predictor(r.out, {});
    Predictions p = predictor.predict({"CCO", "c1ccccc1", "OCC"});
    CHECK(std::stod(preds[1][2]) == Approx(p.mean[0]).epsilon(1e-5));
    CHECK(std::stod(preds[2][2]) == Approx(p.mean[1]).epsilon(1e-5));
    CHECK(p.std[0] > 0);
    // Ethanol written the other way round is the same graph, and so is
    // quinidine (four stereocentres) as BBBP and as RDKit's canonical
    // SMILES write it.
    CHECK(p.mean[2] == Approx(p.mean[0]).margin(1e-6));
    Predictions q = predictor.predict({"COc1ccc2nccc([C@H](O)[C@H]3C[C@@H]4CCN3C[C@@H]4C=C)c2c1",
                                       "C=C[C@H]1CN2CC[C@H]1C[C@@H]2[C@@H](O)c1ccnc2ccc(OC)cc12"});
    CHECK(q.mean[1] == Approx(q.mean[0]).margin(1e-6));
    // Measured ESOL: ethanol 1.10, benzene -1.64.
    CHECK(p.mean[0] > p.mean[1]);
    auto mol = parse_smiles("c1ccccc1");
    double mean = 0, sd = 0;
    CHECK(predictor.predict_molecule(*mol.mol, "c1ccccc1", &mean, &sd).empty());
    CHECK(mean == Approx(p.mean[1]).margin(1e-9));
    CHECK(sd == Approx(p.std[1]).margin(1e-9));
}

TEST_CASE("train: --resume of D-MPNN members gives the uninterrupted model", "[train_job][mpnn]") {
    auto o = mpnn_options(test::temp_path("mpnn_resume"));
    o.head = "mlp+mpnn";
    o.hidden = {16};
    o.epochs = 4;
    o.mpnn.epochs = 4;
    o.mpnn.features = true;   // the networks also take the 12 descriptors
    o.stop_after_epochs = 6;  // the MLP's 4, then inside D-MPNN 1
    const std::string whole = test::temp_path("mpnn_whole");
    test::ResumeRuns r = test::resume_runs(o, whole);
    CHECK_FALSE(r.first.completed);
    CHECK(r.checkpoints.count("mpnn_0.pt") == 1);
    REQUIRE(r.resumed.completed);
    CHECK(r.resumed.metrics["test"]["mean"]["rmse"].get<double>() ==
          r.whole.metrics["test"]["mean"]["rmse"].get<double>());
    auto cfg = json::parse(test::read_file(whole + "/config.json"));
    CHECK(cfg["model"]["mpnn"]["features"] == 12);
    CHECK(cfg["model"]["type"] == "mlp+mpnn");
    // Another D-MPNN option is refused on resume.
    auto bad = o;
    bad.output = test::temp_path("mpnn_resume_bad");
    run_train(bad);
    bad.resume = true;
    bad.mpnn.depth = 2;
    CHECK_THROWS_WITH(run_train(bad), Catch::Contains("option 'mpnn.depth' was 3"));
}

TEST_CASE("train: D-MPNN option and model errors", "[train_job][mpnn]") {
    auto o = mpnn_options(test::temp_path("mpnn_errors"));
    o.mpnn.depth = 0;
    CHECK_THROWS_WITH(run_train(o), Catch::Contains("--mpnn-depth >= 1"));
    o = mpnn_options(test::temp_path("mpnn_errors"));
    o.featurizer.name = "esm";
    CHECK_THROWS_WITH(run_train(o), Catch::Contains("the D-MPNN reads molecules"));
    o = mpnn_options(test::temp_path("mpnn_errors"));
    o.finetune = "full";
    o.featurizer.name = "smiles-lm";
    CHECK_THROWS_WITH(run_train(o), Catch::Contains("use --finetune frozen"));
    CHECK_FALSE(fs::exists(test::temp_path("mpnn_errors")));

    // A model made with other graph features is refused, naming both.
    const std::string dir = test::temp_path("mpnn_other_graphs");
    fs::remove_all(dir);
    fs::copy(mpnn_run().out, dir, fs::copy_options::recursive);
    auto cfg = json::parse(test::read_file(dir + "/config.json"));
    cfg["model"]["mpnn"]["graph_features"] = "plmkit-graph-0";
    test::write_file(dir + "/config.json", cfg.dump());
    CHECK_THROWS_WITH(PropertyPredictor(dir, {}),
                      Catch::Contains("'plmkit-graph-0'") && Catch::Contains(kGraphFeatures));
}

TEST_CASE("predict: an SD record with an 'either' double bond gets its SMILES's prediction",
          "[train_job][mpnn]") {
    // Acetaldoxime with its C=N bond drawn "either" (bond stereo 3; RDKit:
    // STEREOANY) and as SMILES CC=NO (no stereo): one molecule.
    const std::string block =
        "oxime\n     RDKit          2D\n\n"
        "  4  3  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    2.5981    0.0000    0.0000 N   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    3.8971    0.7500    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "  1  2  1  0\n  2  3  2  3\n  3  4  1  0\nM  END\n";
    ParseResult sd = parse_molblock(block), smi = parse_smiles("CC=NO");
    REQUIRE(sd.mol);
    REQUIRE(smi.mol);
    const test::TrainRun& r = mpnn_run();
    auto cfg = json::parse(test::read_file(r.out + "/config.json"));
    CHECK(cfg["model"]["mpnn"]["graph_features"] == kGraphFeatures);
    PropertyPredictor p(r.out, {});
    double a = 0, b = 0, sa = 0, sb = 0;
    REQUIRE(p.predict_molecule(*sd.mol, "CC=NO", &a, &sa).empty());
    REQUIRE(p.predict_molecule(*smi.mol, "CC=NO", &b, &sb).empty());
    CHECK(a == b);
    // A plmkit-graph-2 model (made before) still loads, with its own graphs:
    // slot "any" set for the SD bond.
    const std::string dir = test::temp_path("mpnn_graph2");
    fs::remove_all(dir);
    fs::copy(r.out, dir, fs::copy_options::recursive);
    cfg["model"]["mpnn"]["graph_features"] = "plmkit-graph-2";
    test::write_file(dir + "/config.json", cfg.dump());
    PropertyPredictor old(dir, {});
    models::MolGraph g;
    REQUIRE(old.featurizer().molecule_graph(*sd.mol, &g).empty());
    CHECK(g.bond_features[2 * kBondFeatures + 7] == 1.f);  // C=N: "any"
    REQUIRE(old.predict_molecule(*smi.mol, "CC=NO", &a, &sa).empty());
    CHECK(a == b);  // same weights, same graph for the SMILES
}
