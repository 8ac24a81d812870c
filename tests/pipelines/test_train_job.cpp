// plmkit train / predict / evaluate on slices of the real MoleculeNet and
// FLIP data in ../shared/data. Reference values are computed here from the
// data itself (mean predictor, split sets), never from the code under test.
#include <GraphMol/ROMol.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "models/esm2_loader.hpp"
#include "models/smiles_encoder.hpp"
#include "pipelines/encoder_spec.hpp"
#include "pipelines/esm_featurizer.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/predict_job.hpp"
#include "pipelines/property_predictor.hpp"
#include "pipelines/property_table.hpp"
#include "pipelines/train_job.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "tests/pipelines/train_test_data.hpp"
#include "tests/test_support.hpp"

#include "tests/catch.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
using nlohmann::json;
using test::esol_options;
using test::esol_values;
using test::read_csv;
namespace fs = std::filesystem;

namespace {

const char* kEsolTarget = "measured log solubility in mols per litre";

json read_json(const std::string& path) {
    return json::parse(test::read_file(path));
}

using EsolRun = test::TrainRun;
const EsolRun& esol_run() {
    static const EsolRun run = test::train_run("esol_basic", esol_options);
    return run;
}

}  // namespace

TEST_CASE("train: ESOL model beats the mean predictor on its held-out test set", "[train_job]") {
    const EsolRun& r = esol_run();
    REQUIRE(r.summary.completed);
    CHECK(r.summary.records == 1128);
    CHECK(r.summary.rejected == 0);
    CHECK(r.summary.train + r.summary.valid + r.summary.test == 1128);
    CHECK(r.summary.features == 12);
    for (const char* f :
         {"config.json", "model.safetensors", "metrics.json", "split.csv", "rejects.tsv"})
        CHECK(fs::exists(r.out + "/" + f));
    CHECK_FALSE(fs::exists(r.out + "/checkpoints"));

    // The mean of the training targets as a predictor of the test set,
    // computed from the data and split.csv.
    auto split = read_csv(r.out + "/split.csv");
    const std::vector<std::string> header = {"row_index", "id", "smiles", "split"};
    REQUIRE(split.at(0) == header);
    std::size_t tests = 0;
    const double mean_rmse = test::mean_predictor_rmse(r.out + "/split.csv", esol_values(), &tests);
    REQUIRE(tests == r.summary.test);
    const double rmse = r.summary.metrics["test"]["mean"]["rmse"].get<double>();
    INFO("model test RMSE " << rmse << ", mean predictor " << mean_rmse);
    CHECK(rmse < 0.5 * mean_rmse);
    // Losses went down and the metrics file says what was trained.
    auto m = read_json(r.out + "/metrics.json");
    CHECK(m["counts"]["test"] == r.summary.test);
    CHECK(m["members"][0]["epochs"] == 40);
    auto cfg = read_json(r.out + "/config.json");
    CHECK(cfg["featurizer"]["name"] == "basic");
    CHECK(cfg["training"]["seed"] == 0);
    CHECK(cfg["input_col"] == "smiles");
}

TEST_CASE("train: a saved model predicts and evaluates as in training", "[train_job]") {
    const EsolRun& r = esol_run();
    // evaluate on exactly the test rows gives metrics.json's test metrics.
    const std::string test_csv = test::temp_path("esol_test.csv");
    test::write_set_csv(test::esol_csv(), r.out + "/split.csv", "test", test_csv);
    EvaluateOptions eo;
    eo.model = r.out;
    eo.data = test_csv;
    json e = run_evaluate(eo);
    CHECK(e["n"] == r.summary.test);
    CHECK(e["metrics"]["mean"]["rmse"].get<double>() ==
          Approx(r.summary.metrics["test"]["mean"]["rmse"].get<double>()).epsilon(1e-9));

    // predict writes one row per input with the model's prediction, and the
    // rejects with reasons; the two files account for every record.
    const std::string lib = test::temp_path("predict_lib.smi");
    test::write_file(lib, "smiles id\nCCO ethanol\nC1CC broken\nc1ccccc1 benzene\n\nCC(=O 2\n");
    PredictOptions po;
    po.model = r.out;
    po.input = lib;
    po.output = test::temp_path("preds.csv");
    po.progress = false;
    PredictSummary ps = run_predict(po);
    CHECK(ps.records == 4);
    CHECK(ps.predicted == 2);
    CHECK(ps.rejected == 2);
    auto preds = read_csv(po.output);
    REQUIRE(preds.size() == 3);
    const std::vector<std::string> header = {"id", "smiles", kEsolTarget};
    CHECK(preds[0] == header);
    PropertyPredictor predictor(r.out, {});
    Predictions p = predictor.predict({"CCO", "c1ccccc1"});
    // Nine significant digits: the value as predicted, not a rounding of it.
    CHECK(std::stod(preds[1][2]) == Approx(p.mean[0]).epsilon(1e-8));
    CHECK(std::stod(preds[2][2]) == Approx(p.mean[1]).epsilon(1e-8));
    // Measured ESOL: ethanol 1.10, benzene -1.64: the model orders them.
    CHECK(p.mean[0] > p.mean[1]);
    auto rej = read_csv(ps.rejects_path, '\t');
    REQUIRE(rej.size() == 3);
    CHECK(rej[1][1] == "broken");
    CHECK_THAT(rej[1][3], Catch::Contains("unclosed ring"));
    CHECK_THAT(rej[2][3], Catch::Contains("unparsable molecule"));

    // A model of molecules refuses protein input.
    po.input = test::shared_path("fixtures/esm2_tiny/sequences.fasta");
    CHECK_THROWS_AS(run_predict(po), UsageError);
}

TEST_CASE("train: predict writes every prediction with its own digits (no ties from rounding)",
          "[train_job]") {
    const EsolRun& r = esol_run();
    auto rows = read_csv(test::esol_csv());
    std::vector<std::string> smiles;
    std::string lib = "smiles\n";
    for (std::size_t i = 1; i <= 250; ++i) {
        smiles.push_back(rows[i][9]);
        lib += rows[i][9] + "\n";
    }
    REQUIRE(rows[0][9] == "smiles");
    PredictOptions po;
    po.model = r.out;
    po.input = test::write_temp("predict_250.csv", lib);
    po.output = test::temp_path("predict_250_out.csv");
    po.progress = false;
    REQUIRE(run_predict(po).predicted == 250);
    auto preds = read_csv(po.output);
    REQUIRE(preds.size() == 251);
    Predictions p = PropertyPredictor(r.out, {}).predict(smiles);
    std::set<double> predicted, written;
    for (std::size_t i = 0; i < 250; ++i) {
        const double v = std::stod(preds[i + 1][2]);
        INFO("row " << i << ": written " << preds[i + 1][2]);
        // Exactly the predicted double (the shortest text that reads back
        // as it), not a rounding of it.
        CHECK(v == p.mean[i]);
        predicted.insert(p.mean[i]);
        written.insert(v);
    }
    // As many distinct values in the CSV as the model predicted.
    CHECK(written.size() == predicted.size());
}

TEST_CASE("train: --resume continues an interrupted run to the same model", "[train_job]") {
    auto o = esol_options(test::temp_path("esol_resume"));
    o.epochs = 12;
    o.ensemble = 2;
    o.stop_after_epochs = 15;  // stops inside member 2
    TrainSummary first = run_train(o);
    CHECK_FALSE(first.completed);
    CHECK_FALSE(fs::exists(o.output + "/config.json"));
    CHECK(fs::exists(o.output + "/checkpoints/member_1.pt"));
    CHECK(fs::exists(o.output + "/checkpoints/features.bin"));

    SECTION("other options are refused") {
        auto bad = o;
        bad.resume = true;
        bad.lr = 1e-2;
        CHECK_THROWS_WITH(run_train(bad), Catch::Contains("option 'lr'"));
        // --seed by its name (it said "option 'gbm' was {...}", the boosting
        // group that copies the seed); a group's member by its dotted name.
        bad = o;
        bad.resume = true;
        bad.seed = 7;
        CHECK_THROWS_WITH(run_train(bad),
                          Catch::Contains("option 'seed' was 0") && Catch::Contains("now 7"));
        bad = o;
        bad.resume = true;
        bad.forest.trees = 9;
        CHECK_THROWS_WITH(run_train(bad), Catch::Contains("option 'forest.trees' was 500") &&
                                              Catch::Contains("now 9"));
    }
    SECTION("the resumed model equals an uninterrupted one") {
        auto resume = o;
        resume.resume = true;
        resume.stop_after_epochs = 0;
        TrainSummary done = run_train(resume);
        REQUIRE(done.completed);
        auto whole = o;
        whole.output = test::temp_path("esol_whole");
        whole.stop_after_epochs = 0;
        TrainSummary ref = run_train(whole);
        CHECK(done.metrics["test"]["mean"]["rmse"].get<double>() ==
              ref.metrics["test"]["mean"]["rmse"].get<double>());
        // A complete model is not resumed again.
        CHECK_THROWS_WITH(run_train(resume), Catch::Contains("nothing to resume"));
    }
}

TEST_CASE("train: unusable rows go to rejects.tsv with the reason", "[train_job]") {
    const std::string data = test::temp_path("train_bad.csv");
    std::string text = "smiles,y\n";
    auto esol = read_csv(test::shared_path("data/esol/delaney-processed.csv"));
    for (int i = 1; i <= 60; ++i)
        text += esol[i].back() + "," + esol[i][esol[i].size() - 2] + "\n";
    text += "C1CC,1.0\nCCO,abc\nCCCO,\nCCN(CC)CC.Cl,0.5\n";
    test::write_file(data, text);
    auto o = esol_options(test::temp_path("train_bad_model"));
    o.data = data;
    o.target_cols = {"y"};
    o.epochs = 3;
    TrainSummary s = run_train(o);
    CHECK(s.records == 64);
    CHECK(s.rejected == 3);
    CHECK(s.train + s.valid + s.test == 61);
    // The hydrochloride is kept, and counted as a molecule of two fragments
    // (ESOL's own SMILES have none).
    CHECK(s.multi_fragment == 1);
    CHECK(read_json(o.output + "/metrics.json")["multi_fragment"] == 1);
    auto rej = read_csv(o.output + "/rejects.tsv", '\t');
    REQUIRE(rej.size() == 4);
    const std::vector<std::string> header = {"index", "id", "smiles", "reason"};
    CHECK(rej[0] == header);
    CHECK(rej[1][0] == "60");
    CHECK_THAT(rej[1][3], Catch::Contains("unparsable molecule") && Catch::Contains("ring"));
    CHECK_THAT(rej[2][3], Catch::Contains("target 'y' is not a number: 'abc'"));
    CHECK_THAT(rej[3][3], Catch::Contains("no target value"));
}

TEST_CASE("train: multi-task classification with missing labels, scaffold split", "[train_job]") {
    auto o = esol_options(test::temp_path("tox21_small"));
    o.data = test::temp_path("tox21_500.csv");
    {
        auto rows = read_csv(test::shared_path("data/tox21/tox21.csv"));
        CsvWriter w(o.data);
        for (std::size_t i = 0; i <= 500; ++i)
            w.row(rows[i]);
        w.close();
    }
    o.target_cols = {"NR-AR", "NR-AhR", "SR-ARE", "SR-MMP"};
    o.task = "classification";
    o.split = "scaffold";
    o.featurizer.name = "morgan";
    o.featurizer.chem.morgan_counts = false;
    o.featurizer.chem.morgan_bits = 512;
    o.hidden = {64};
    o.epochs = 8;
    TrainSummary s = run_train(o);
    REQUIRE(s.completed);
    auto m = s.metrics["test"];
    for (const auto& t : o.target_cols) {
        REQUIRE(m.contains(t));
        CHECK(m[t].contains("roc_auc"));
        CHECK(m[t].contains("mcc"));
    }
    // Blank labels are not counted: some targets have fewer labelled rows.
    auto y = read_csv(o.data);
    std::size_t labelled_ar = 0;
    for (std::size_t i = 1; i < y.size(); ++i)
        labelled_ar += y[i][0].empty() ? 0 : 1;
    CHECK(labelled_ar < 500);
    // No Murcko scaffold is in two sets (computed from split.csv here).
    auto split = read_csv(o.output + "/split.csv");
    std::map<std::string, std::string> set_of;
    for (std::size_t i = 1; i < split.size(); ++i) {
        std::string sc = murcko_scaffold(split[i][2]);
        auto [it, fresh] = set_of.emplace(sc, split[i][3]);
        INFO(split[i][2] << " scaffold " << sc);
        CHECK(it->second == split[i][3]);
    }
    auto cfg = read_json(o.output + "/config.json");
    CHECK(cfg["featurizer"]["morgan"]["values"] == "bits");
}

TEST_CASE("train: proteins with the ESM-2 featurizer (FLIP GB1 slice)", "[train_job][esm]") {
    auto o = esol_options(test::temp_path("gb1_small"));
    o.data = test::temp_path("gb1_300.csv");
    {
        auto rows = read_csv(test::shared_path("data/flip_gb1/sampled.csv"));
        CsvWriter w(o.data);
        for (std::size_t i = 0; i <= 300; ++i)
            w.row(rows[i]);
        w.row({"MQYKLILNGKTLKGETT*X", "0.5", "train", "False"});  // bad residue
        w.close();
    }
    o.target_cols = {"target"};
    o.featurizer.name = "esm";
    o.featurizer.esm_model = test::shared_path("fixtures/esm2_tiny/model");
    o.split = "column:set";
    o.valid_col = "validation";
    o.epochs = 5;
    TrainSummary s = run_train(o);
    REQUIRE(s.completed);
    CHECK(s.features == 64);  // the fixture's hidden size
    CHECK(s.rejected == 1);
    CHECK(s.valid > 0);
    CHECK(s.metrics["test"]["mean"].contains("spearman"));
    auto rej = read_csv(o.output + "/rejects.tsv", '\t');
    CHECK(rej[0][2] == "sequence");
    CHECK_THAT(rej.at(1)[3], Catch::Contains("*"));
    auto cfg = read_json(o.output + "/config.json");
    CHECK(cfg["featurizer"]["name"] == "esm");
    CHECK(cfg["input_col"] == "sequence");

    // predict on FASTA: the same numbers as featurizing + predicting here.
    PredictOptions po;
    po.model = o.output;
    po.input = test::shared_path("fixtures/esm2_tiny/sequences.fasta");
    po.output = test::temp_path("gb1_preds.csv");
    po.progress = false;
    PredictSummary ps = run_predict(po);
    CHECK(ps.records == ps.predicted + ps.rejected);
    CHECK(ps.predicted > 0);
    // A protein model refuses a SMILES file.
    po.input = test::source_path("examples/actives.smi");
    CHECK_THROWS_AS(run_predict(po), UsageError);
}

TEST_CASE("train: option errors", "[train_job]") {
    auto o = esol_options(test::temp_path("train_errors"));
    SECTION("esm without a model") {
        o.featurizer.name = "esm";
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("--esm-model"));
    }
    SECTION("unknown featurizer") {
        o.featurizer.name = "ecfp";
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("unknown featurizer 'ecfp'"));
    }
    SECTION("missing target column names the columns") {
        o.target_cols = {"logS"};
        CHECK_THROWS_AS(run_train(o), UsageError);
    }
    SECTION("scaffold split of proteins") {
        o.data = test::shared_path("data/flip_gb1/sampled.csv");
        o.target_cols = {"target"};
        o.featurizer.name = "esm";
        o.featurizer.esm_model = test::shared_path("fixtures/esm2_tiny/model");
        o.split = "scaffold";
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("scaffold"));
    }
    SECTION("resume without an interrupted run") {
        o.resume = true;
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("no interrupted run"));
        // A run killed before its first checkpoint leaves nothing to resume:
        // the error says how to go on.
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("run the same command without --resume"));
    }
}

TEST_CASE("train: --head forest and mlp+forest on ESOL descriptors", "[train_job][forest]") {
    const EsolRun& mlp = esol_run();
    for (std::string head : {"forest", "mlp+forest"}) {
        auto o = esol_options(test::temp_path("esol_" + head));
        o.head = head;
        o.forest.trees = 100;
        TrainSummary s = run_train(o);
        REQUIRE(s.completed);
        // The same seed gives the same split as the MLP run.
        CHECK(test::read_file(o.output + "/split.csv") == test::read_file(mlp.out + "/split.csv"));
        auto m = read_json(o.output + "/metrics.json");
        CHECK(m["forest"]["trees"] == 100);
        CHECK(m["members"].size() == (head == "forest" ? 0u : 1u));
        const double rmse = s.metrics["test"]["mean"]["rmse"].get<double>();
        const double mlp_rmse = mlp.summary.metrics["test"]["mean"]["rmse"].get<double>();
        INFO(head << " test RMSE " << rmse << ", MLP " << mlp_rmse);
        // ESOL's test targets have a standard deviation of about 2 log units;
        // a forest on the same 12 descriptors is within reach of the MLP.
        CHECK(rmse < 1.0);
        CHECK(rmse < 1.5 * mlp_rmse);
        auto cfg = read_json(o.output + "/config.json");
        CHECK(cfg["model"]["type"] == head);
        CHECK(cfg["model"]["forest"]["trees"] == 100);
        // The saved model predicts what training evaluated: its spread
        // column is there even with one member.
        PredictOptions po;
        po.model = o.output;
        po.input = test::temp_path("forest_lib_" + head + ".smi");
        test::write_file(po.input, "smiles id\nCCO ethanol\nc1ccccc1 benzene\n");
        po.output = test::temp_path("forest_preds_" + head + ".csv");
        po.progress = false;
        run_predict(po);
        auto preds = read_csv(po.output);
        REQUIRE(preds.size() == 3);
        CHECK(preds[0].back() == std::string(kEsolTarget) + "_std");
        PropertyPredictor predictor(o.output, {});
        Predictions p = predictor.predict({"CCO", "c1ccccc1"});
        CHECK(std::stod(preds[1][2]) == Approx(p.mean[0]).epsilon(1e-5));
        CHECK(p.mean[0] > p.mean[1]);  // ethanol dissolves better than benzene
    }
}

TEST_CASE("train: --head gbm and mlp+gbm on ESOL descriptors", "[train_job][gbm]") {
    const EsolRun& mlp = esol_run();
    for (std::string head : {"gbm", "mlp+gbm"}) {
        auto o = esol_options(test::temp_path("esol_" + head));
        o.head = head;
        o.gbm.rounds = 300;
        o.gbm.patience = 30;
        TrainSummary s = run_train(o);
        REQUIRE(s.completed);
        CHECK(test::read_file(o.output + "/split.csv") == test::read_file(mlp.out + "/split.csv"));
        auto m = read_json(o.output + "/metrics.json");
        REQUIRE(m["gbm"]["targets"].size() == 1);
        const int kept = m["gbm"]["targets"][0]["rounds"].get<int>();
        const int tried = m["gbm"]["targets"][0]["rounds_tried"].get<int>();
        INFO("rounds kept " << kept << " of " << tried);
        // Early stopping on the validation loss: the kept model is the best
        // round, and boosting went on `patience` rounds after it unless it
        // ran out of rounds.
        CHECK(kept >= 1);
        CHECK((tried == kept + 30 || tried == 300));
        CHECK(m["gbm"]["targets"][0]["best_valid_loss"].get<double>() > 0);
        CHECK(m["members"].size() == (head == "gbm" ? 0u : 1u));
        const double rmse = s.metrics["test"]["mean"]["rmse"].get<double>();
        const double mlp_rmse = mlp.summary.metrics["test"]["mean"]["rmse"].get<double>();
        INFO(head << " test RMSE " << rmse << ", MLP " << mlp_rmse);
        CHECK(rmse < 1.0);
        CHECK(rmse < 1.5 * mlp_rmse);
        auto cfg = read_json(o.output + "/config.json");
        CHECK(cfg["model"]["type"] == head);
        CHECK(cfg["model"]["gbm"]["rounds"] == 300);
        PropertyPredictor predictor(o.output, {});
        Predictions p = predictor.predict({"CCO", "c1ccccc1"});
        CHECK(p.mean[0] > p.mean[1]);  // ethanol dissolves better than benzene
    }
}

TEST_CASE("train: a forest on joined fingerprint parts predicts as saved", "[train_job][forest]") {
    const EsolRun& mlp = esol_run();
    auto o = esol_options(test::temp_path("esol_fp_parts"));
    o.featurizer.name = "torsion+maccs+basic";
    o.head = "forest";
    o.forest.trees = 100;
    TrainSummary s = run_train(o);
    REQUIRE(s.completed);
    CHECK(s.features == 167 + 2048 + 12);
    auto cfg = read_json(o.output + "/config.json");
    CHECK(cfg["featurizer"]["name"] == "maccs+torsion+basic");
    CHECK(cfg["featurizer"]["torsion"]["slots"] == 2048);
    const double rmse = s.metrics["test"]["mean"]["rmse"].get<double>();
    const double mlp_rmse = mlp.summary.metrics["test"]["mean"]["rmse"].get<double>();
    INFO("test RMSE " << rmse << ", MLP on basic " << mlp_rmse);
    CHECK(rmse < 1.0);
    // The saved model featurizes new molecules with the same layout: the
    // predict job and the in-process predictor agree, and the training
    // evaluation is reproduced from the saved directory.
    PredictOptions po;
    po.model = o.output;
    po.input = test::temp_path("fp_parts_lib.smi");
    test::write_file(po.input, "smiles id\nCCO ethanol\nc1ccccc1 benzene\n");
    po.output = test::temp_path("fp_parts_preds.csv");
    po.progress = false;
    run_predict(po);
    auto preds = read_csv(po.output);
    REQUIRE(preds.size() == 3);
    PropertyPredictor predictor(o.output, {});
    Predictions p = predictor.predict({"CCO", "c1ccccc1"});
    // Nine significant digits: the value as predicted, not a rounding of it.
    CHECK(std::stod(preds[1][2]) == Approx(p.mean[0]).epsilon(1e-8));
    CHECK(std::stod(preds[2][2]) == Approx(p.mean[1]).epsilon(1e-8));
    CHECK(p.mean[0] > p.mean[1]);  // ethanol dissolves better than benzene
}

TEST_CASE("train: --head option errors", "[train_job][forest]") {
    auto o = esol_options(test::temp_path("forest_errors"));
    SECTION("unknown head") {
        o.head = "xgboost";
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("--head must be mlp, forest, gbm"));
    }
    SECTION("bad boosting options") {
        o.head = "gbm";
        o.gbm.subsample = 0;
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("--gbm-subsample"));
    }
    SECTION("a forest on a fine-tuned encoder") {
        o.head = "forest";
        o.featurizer.name = "smiles-lm";
        o.finetune = "full";
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("needs fixed features"));
    }
    SECTION("bad max features") {
        o.head = "mlp+forest";
        o.forest.max_features = "most";
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("--forest-max-features"));
    }
    SECTION("knn without a Morgan block, or k < 1") {
        o.head = "mlp+knn";
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("knn compares Morgan fingerprints"));
        o.featurizer.name = "morgan+basic";
        o.knn.k = 0;
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("--knn-k must be >= 1"));
    }
    SECTION("weights that do not fit the head") {
        o.head = "mlp+forest";
        o.head_weights = {1, 2, 3};
        CHECK_THROWS_WITH(run_train(o),
                          Catch::Contains("--head-weights: 3 weights for the 2 parts"));
        o.head_weights = {1, 0};
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("--head-weights"));
    }
}

TEST_CASE("train: knn keeps the train and valid rows; valid is scored without them",
          "[train_job][knn]") {
    auto o = esol_options(test::temp_path("esol_knn"));
    o.head = "knn";
    o.knn.k = 1;
    o.featurizer.name = "morgan+basic";
    TrainSummary s = run_train(o);
    REQUIRE(s.completed);
    CHECK(s.metrics["knn"]["rows"] == s.train + s.valid);
    auto cfg = read_json(o.output + "/config.json");
    CHECK(cfg["model"]["knn"]["k"] == 1);
    CHECK(cfg["model"]["knn"]["columns"] == json({0, 2048}));
    CHECK(cfg["training"]["knn"]["k"] == 1);
    // The saved model holds the valid rows: with k = 1 each finds itself
    // (similarity 1) and predicts its own value, unless an earlier row has
    // the same fingerprint.
    auto y = esol_values();
    auto split = read_csv(o.output + "/split.csv");
    std::vector<std::string> smiles;
    std::vector<double> truth;
    for (std::size_t i = 1; i < split.size(); ++i) {
        if (split[i][3] != "valid") continue;
        smiles.push_back(split[i][2]);
        truth.push_back(y.at(std::stoull(split[i][0])));
    }
    REQUIRE(smiles.size() == s.valid);
    PropertyPredictor predictor(o.output, {});
    Predictions p = predictor.predict(smiles);
    std::size_t own = 0;
    for (std::size_t i = 0; i < truth.size(); ++i)
        own += std::abs(p.mean[i] - truth[i]) < 1e-4 ? 1 : 0;
    CHECK(own >= truth.size() * 9 / 10);
    // metrics.json's valid figure comes from the train rows only: far from 0.
    CHECK(s.metrics["valid"]["mean"]["rmse"].get<double>() > 0.3);
    CHECK(s.metrics["test"]["mean"]["rmse"].get<double>() < 1.6);
}

TEST_CASE("train: --head-weights are saved with the model and used by predict",
          "[train_job][gbm]") {
    auto o = esol_options(test::temp_path("esol_weighted"));
    o.head = "forest+gbm";
    o.head_weights = {3, 1};
    o.forest.trees = 50;
    o.gbm.rounds = 100;
    TrainSummary s = run_train(o);
    REQUIRE(s.completed);
    auto cfg = read_json(o.output + "/config.json");
    CHECK(cfg["model"]["weights"] == nlohmann::json({3.0, 1.0}));
    CHECK(cfg["training"]["head_weights"] == nlohmann::json({3.0, 1.0}));
    // The loaded model carries the weights.
    PropertyPredictor predictor(o.output, {});
    CHECK(predictor.model().config().part_weights == std::vector<double>{3, 1});
    CHECK(s.metrics["test"]["mean"]["rmse"].get<double>() < 1.0);
}

namespace {

/// The first 500 ESOL rows (fine-tuning tests train encoders: keep them small).
std::string esol_500() {
    static const std::string path = [] {
        std::string p = test::temp_path("esol_500.csv");
        auto rows = read_csv(test::shared_path("data/esol/delaney-processed.csv"));
        CsvWriter w(p);
        for (std::size_t i = 0; i <= 500; ++i)
            w.row(rows[i]);
        w.close();
        return p;
    }();
    return path;
}

/// A SMILES encoder trained from scratch under the head (2 members), once.
struct ScratchRun {
    TrainOptions o;
    TrainSummary s;
    ScratchRun() {
        o = esol_options(test::temp_path("ft_scratch"));
        o.data = esol_500();
        o.featurizer.name = "smiles-lm";
        o.finetune = "full";
        o.scratch.hidden = 32;
        o.scratch.layers = 2;
        o.scratch.heads = 2;
        o.scratch.ffn = 64;
        o.hidden = {32};
        o.epochs = 12;
        o.lr = 2e-3;
        o.ensemble = 2;
        s = run_train(o);
    }
};
const ScratchRun& scratch_run() {
    static const ScratchRun run;
    return run;
}

}  // namespace

TEST_CASE("train: a SMILES encoder fine-tuned from scratch", "[train_job][finetune]") {
    const TrainOptions& o = scratch_run().o;
    const TrainSummary& s = scratch_run().s;
    REQUIRE(s.completed);
    CHECK(s.features == 32);
    auto cfg = read_json(o.output + "/config.json");
    CHECK(cfg["member_encoders"] == true);
    CHECK(cfg["featurizer"]["finetune"] == "full");
    CHECK(cfg["featurizer"]["source"] == "scratch");
    CHECK(fs::exists(o.output + "/smiles_lm/vocab.txt"));
    // The saved model (two members, each with its own encoder) gives the
    // training run's test metrics again; it learned beyond the mean.
    auto y = esol_values();
    auto split = read_csv(o.output + "/split.csv");
    std::vector<std::string> smiles;
    std::vector<double> truth;
    double train_mean = 0;
    int n_train = 0;
    for (std::size_t i = 1; i < split.size(); ++i) {
        const double v = y.at(std::stoull(split[i][0]));
        if (split[i][3] == "train") train_mean += v, ++n_train;
        if (split[i][3] == "test") smiles.push_back(split[i][2]), truth.push_back(v);
    }
    train_mean /= n_train;
    PropertyPredictor p(o.output, {});
    CHECK_FALSE(p.shared_features());
    Predictions pred = p.predict(smiles);
    double se = 0, se_mean = 0;
    for (std::size_t i = 0; i < truth.size(); ++i) {
        se += (pred.mean[i] - truth[i]) * (pred.mean[i] - truth[i]);
        se_mean += (train_mean - truth[i]) * (train_mean - truth[i]);
    }
    const double rmse = s.metrics["test"]["mean"]["rmse"].get<double>();
    CHECK(std::sqrt(se / truth.size()) == Approx(rmse).epsilon(1e-6));
    INFO("test RMSE " << rmse << ", mean predictor " << std::sqrt(se_mean / truth.size()));
    CHECK(rmse < 0.8 * std::sqrt(se_mean / truth.size()));
    CHECK(pred.std[0] > 0);  // the members differ
}

TEST_CASE("train: last:1 from a pretrained encoder trains only the last block",
          "[train_job][finetune]") {
    auto t = esol_options(test::temp_path("ft_last"));
    t.data = esol_500();
    t.featurizer.name = "smiles-lm";
    t.featurizer.lm_model = scratch_run().o.output + "/smiles_lm";
    t.finetune = "last:1";
    t.hidden = {16};
    t.epochs = 3;
    TrainSummary r = run_train(t);
    REQUIRE(r.completed);
    CHECK(r.features == 32);
    models::PropertyModel model = models::PropertyModel::load(t.output);
    models::LoadedSmilesEncoder base = models::load_smiles_encoder(t.featurizer.lm_model);
    auto base_params = base.model->named_parameters();
    std::set<std::string> stored;
    for (const auto& [name, value] : model.encoders().at(0)) {
        INFO(name);
        stored.insert(name);
        CHECK((name.rfind("layers.1.", 0) == 0 || name.rfind("final_ln", 0) == 0));
        CHECK_FALSE(at::equal(value, base_params[name]));  // it was trained
    }
    CHECK(stored.count("layers.1.qkv_weight") == 1);
    CHECK(stored.count("layers.0.qkv_weight") == 0);
    CHECK(stored.count("token_embedding") == 0);
}

TEST_CASE("train: fine-tuning option errors", "[train_job][finetune]") {
    auto bad = esol_options(test::temp_path("ft_bad"));
    bad.finetune = "full";
    CHECK_THROWS_WITH(run_train(bad), Catch::Contains("needs an encoder: --featurizer smiles-lm "
                                                      "or esm (--featurizer basic has no weights"));
    bad.featurizer.name = "smiles-lm";
    bad.finetune = "last:2";
    CHECK_THROWS_WITH(run_train(bad), Catch::Contains("pre-trained --lm-model"));
    bad.finetune = "some";
    CHECK_THROWS_WITH(run_train(bad), Catch::Contains("--finetune must be"));
}

namespace {

/// The first 300 rows of FLIP GB1 "sampled" (train, validation and test rows).
std::string gb1_300() {
    static const std::string path = [] {
        std::string p = test::temp_path("gb1_ft_300.csv");
        auto rows = read_csv(test::shared_path("data/flip_gb1/sampled.csv"));
        CsvWriter w(p);
        for (std::size_t i = 0; i <= 300; ++i)
            w.row(rows[i]);
        w.close();
        return p;
    }();
    return path;
}

/// ESM-2 fine-tuning options on the GB1 slice with the tiny fixture.
TrainOptions esm_ft_options(const std::string& out, const std::string& finetune) {
    auto o = esol_options(out);
    o.data = gb1_300();
    o.target_cols = {"target"};
    o.featurizer.name = "esm";
    o.featurizer.esm_model = test::shared_path("fixtures/esm2_tiny/model");
    o.split = "column:set";
    o.valid_col = "validation";
    o.finetune = finetune;
    o.hidden = {16};
    o.epochs = 3;
    o.lr = 3e-3;
    return o;
}

/// last:1 with two members, once.
struct EsmTuneRun {
    TrainOptions o = esm_ft_options(test::temp_path("ft_esm_last1"), "last:1");
    TrainSummary s;
    EsmTuneRun() {
        o.ensemble = 2;
        s = run_train(o);
    }
};
const EsmTuneRun& esm_tune_run() {
    static const EsmTuneRun run;
    return run;
}

/// Test-set inputs and targets of a trained GB1 model (from split.csv).
void gb1_test_rows(const std::string& model_dir, std::vector<std::string>& seqs,
                   std::vector<double>& y) {
    auto data = read_csv(gb1_300());
    auto split = read_csv(model_dir + "/split.csv");
    for (std::size_t i = 1; i < split.size(); ++i) {
        if (split[i][3] != "test") continue;
        const auto row = std::stoull(split[i][0]) + 1;
        seqs.push_back(data.at(row)[0]);
        y.push_back(std::stod(data.at(row)[1]));
    }
}

double rmse_of(const std::vector<double>& pred, const std::vector<double>& y) {
    double se = 0;
    for (std::size_t i = 0; i < y.size(); ++i)
        se += (pred[i] - y[i]) * (pred[i] - y[i]);
    return std::sqrt(se / y.size());
}

}  // namespace

TEST_CASE("train: ESM-2 last:1 stores only the last block and final LayerNorm per member",
          "[train_job][finetune][esm]") {
    const TrainOptions& o = esm_tune_run().o;
    const TrainSummary& s = esm_tune_run().s;
    REQUIRE(s.completed);
    CHECK(s.features == 64);
    CHECK(s.valid > 0);
    CHECK(s.test > 0);
    auto cfg = read_json(o.output + "/config.json");
    CHECK(cfg["member_encoders"] == true);
    CHECK(cfg["input_col"] == "sequence");
    const json& f = cfg["featurizer"];
    CHECK(f["name"] == "esm");
    CHECK(f["finetune"] == "last:1");
    CHECK(f["layer"] == 3);
    CHECK(fs::path(f["model_dir"].get<std::string>()).is_absolute());
    CHECK(fs::equivalent(f["model_dir"].get<std::string>(), o.featurizer.esm_model));
    // The same weights hash as the frozen featurizer records.
    EsmFeaturizerOptions fo;
    fo.model_dir = o.featurizer.esm_model;
    CHECK(f["weights_hash"] == EsmFeaturizer(fo).to_json()["weights_hash"]);

    models::PropertyModel model = models::PropertyModel::load(o.output);
    REQUIRE(model.encoders().size() == 2);
    models::LoadedEsm2 base = models::load_esm2(o.featurizer.esm_model, {});
    auto base_params = base.model->named_parameters();
    for (const auto& state : model.encoders()) {
        std::set<std::string> names;
        for (const auto& [name, value] : state) {
            INFO(name);
            names.insert(name);
            CHECK((name.rfind("layer2.", 0) == 0 || name.rfind("final_ln_", 0) == 0));
            CHECK_FALSE(at::equal(value, base_params[name]));  // it was trained
        }
        CHECK(names.size() == 14);
        CHECK(names.count("layer2.qkv_weight") == 1);
        CHECK(names.count("final_ln_weight") == 1);
    }
    CHECK_FALSE(at::equal(model.encoders()[0][0].second, model.encoders()[1][0].second));
}

TEST_CASE("train: a saved ESM-2 fine-tuned model predicts as in training",
          "[train_job][finetune][esm]") {
    const TrainOptions& o = esm_tune_run().o;
    const TrainSummary& s = esm_tune_run().s;
    REQUIRE(s.completed);
    std::vector<std::string> seqs;
    std::vector<double> y;
    gb1_test_rows(o.output, seqs, y);
    REQUIRE(seqs.size() == s.test);
    PropertyPredictor p1(o.output, {});
    CHECK(p1.input_kind() == InputKind::protein);
    CHECK_FALSE(p1.shared_features());
    Predictions a = p1.predict(seqs);
    FeaturizerRuntime small_batches;
    small_batches.max_tokens = 300;  // other batching, same numbers
    Predictions b = PropertyPredictor(o.output, small_batches).predict(seqs);
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        CHECK(a.mean[i] == Approx(b.mean[i]).epsilon(1e-5));
        CHECK(a.std[i] > 0);  // the members differ
    }
    Predictions c = PropertyPredictor(o.output, {}).predict(seqs);
    CHECK(a.mean == c.mean);
    CHECK(rmse_of(a.mean, y) == Approx(s.metrics["test"]["mean"]["rmse"].get<double>()));

    // evaluate scores the members' own encoders too (it stopped with
    // "predict_raw: the members have their own encoders" for any fine-tuned
    // ensemble): the test rows' RMSE from the ensemble's predictions.
    EvaluateOptions eo;
    eo.model = o.output;
    eo.data = test::temp_path("gb1_ft_test_rows.csv");
    REQUIRE(test::write_set_csv(gb1_300(), o.output + "/split.csv", "test", eo.data) ==
            seqs.size());
    eo.output = test::temp_path("gb1_ft_eval.json");
    json e = run_evaluate(eo);
    CHECK(e["n"] == seqs.size());
    CHECK(e["rejected"] == 0);
    CHECK(e["metrics"]["target"]["rmse"].get<double>() == Approx(rmse_of(a.mean, y)).epsilon(1e-6));

    // predict on FASTA through the job.
    PredictOptions po;
    po.model = o.output;
    po.input = test::shared_path("fixtures/esm2_tiny/sequences.fasta");
    po.output = test::temp_path("gb1_ft_preds.csv");
    po.progress = false;
    PredictSummary ps = run_predict(po);
    CHECK(ps.records == 7);
    CHECK(ps.predicted == 7);
}

TEST_CASE("train: a fine-tuned ESM-2 model refuses a missing or changed base",
          "[train_job][finetune][esm]") {
    const TrainOptions& o = esm_tune_run().o;
    REQUIRE(esm_tune_run().s.completed);
    const std::string copy = test::temp_path("ft_esm_moved");
    fs::remove_all(copy);
    fs::copy(o.output, copy, fs::copy_options::recursive);
    auto cfg = read_json(copy + "/config.json");
    auto write_cfg = [&](const json& j) {
        std::ofstream out(copy + "/config.json");
        out << j.dump(2);
    };
    SECTION("missing base directory") {
        cfg["featurizer"]["model_dir"] = test::temp_path("no_such_esm");
        write_cfg(cfg);
        CHECK_THROWS_WITH(
            PropertyPredictor(copy, {}),
            Catch::Contains("needs its base checkpoint") && Catch::Contains("no_such_esm"));
    }
    SECTION("a base with other weights") {
        const std::string other = test::temp_path("esm_other");
        fs::remove_all(other);
        fs::copy(o.featurizer.esm_model, other, fs::copy_options::recursive);
        {
            std::ofstream out(other + "/config.json", std::ios::app);
            out << "\n";  // a different config.json: a different hash
        }
        cfg["featurizer"]["model_dir"] = other;
        write_cfg(cfg);
        CHECK_THROWS_AS(PropertyPredictor(copy, {}), ModelError);
        CHECK_THROWS_WITH(PropertyPredictor(copy, {}), Catch::Contains("not the base"));
    }
}

TEST_CASE("train: fine-tuned ESM-2 features start equal to the frozen featurizer's",
          "[train_job][finetune][esm]") {
    auto o = esm_ft_options(test::temp_path("ft_esm_unused"), "last:2");
    EncoderSpec spec = EncoderSpec::create(o.featurizer, models::parse_finetune("last:2"), {});
    CHECK(spec.input_kind() == InputKind::protein);
    CHECK(spec.dim() == 64);
    auto untrained = spec.build()->trainable();  // the base values
    CHECK(untrained.size() == 2 * 12 + 2);
    auto tuned = spec.member_featurizer(untrained, {});
    EsmFeaturizerOptions fo;
    fo.model_dir = o.featurizer.esm_model;
    EsmFeaturizer frozen(fo);
    std::vector<std::string> seqs;
    auto rows = read_csv(gb1_300());
    for (std::size_t i = 1; i <= 24; ++i)
        seqs.push_back(rows[i][0]);
    seqs.push_back("MKTAYIAKQR");
    seqs.push_back("MQY*X");  // rejected by both
    FeatureMatrix a = tuned->featurize(seqs), b = frozen.featurize(seqs);
    REQUIRE(a.dim == b.dim);
    double worst = 0;
    for (std::size_t i = 0; i + 1 < seqs.size(); ++i)
        for (std::size_t j = 0; j < a.dim; ++j)
            worst = std::max(worst, std::abs(double(a.row(i)[j]) - b.row(i)[j]));
    CHECK(worst < 1e-5);
    CHECK_FALSE(a.ok(seqs.size() - 1));
    CHECK(a.errors.back() == b.errors.back());
}

TEST_CASE("train: --resume of an ESM-2 fine-tuning run gives the uninterrupted model",
          "[train_job][finetune][esm]") {
    auto o = esm_ft_options(test::temp_path("ft_esm_resume"), "last:1");
    o.epochs = 4;
    o.stop_after_epochs = 2;
    const std::string whole = test::temp_path("ft_esm_whole");
    test::ResumeRuns r = test::resume_runs(o, whole);
    CHECK_FALSE(r.first.completed);
    CHECK(r.checkpoints.count("member_0.pt") == 1);
    REQUIRE(r.resumed.completed);
    CHECK(r.resumed.metrics["test"]["mean"]["rmse"].get<double>() ==
          r.whole.metrics["test"]["mean"]["rmse"].get<double>());
    auto a = models::PropertyModel::load(o.output).encoders().at(0);
    auto b = models::PropertyModel::load(whole).encoders().at(0);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        CHECK(at::equal(a[i].second, b[i].second));
}

TEST_CASE("train: ESM-2 fine-tuning option errors", "[train_job][finetune][esm]") {
    auto o = esm_ft_options(test::temp_path("ft_esm_bad"), "last:1");
    SECTION("no --esm-model") {
        o.featurizer.esm_model.clear();
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("--esm-model"));
    }
    SECTION("an intermediate layer") {
        o.featurizer.esm_layer = 1;
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("--esm-layer"));
    }
    SECTION("more blocks than the model has") {
        o.finetune = "last:4";
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("has 3 blocks"));
    }
}

TEST_CASE("train: --standardize featurizes the parent molecule, in predict and screen too",
          "[train_job][standardize]") {
    // A forest on the basic descriptors: molecular weight, charges and
    // fragment-dependent counts all change when a counter-ion is present.
    auto o = esol_options(test::temp_path("esol_standardized"));
    o.head = "forest";
    o.forest.trees = 30;
    o.featurizer.standardize = true;
    run_train(o);
    CHECK(read_json(o.output + "/config.json")["featurizer"]["standardize"] == true);
    CHECK(read_json(o.output + "/config.json")["training"]["featurizer"]["standardize"] == true);

    // Parent and salt forms (hand-written pairs): sodium aspirinate, a
    // hydrochloride, a quaternary-free protonated amine with its chloride.
    const std::vector<std::pair<std::string, std::string>> pairs = {
        {"CC(=O)Oc1ccccc1C(=O)O", "CC(=O)Oc1ccccc1C(=O)[O-].[Na+]"},
        {"CCN(CC)CC", "CCN(CC)CC.Cl"},
        {"CNCCc1ccccc1", "C[NH2+]CCc1ccccc1.[Cl-]"}};
    PropertyPredictor standardized(o.output, {});
    PropertyPredictor plain(esol_run().out, {});
    for (const auto& [parent, salt] : pairs) {
        INFO(parent << " / " << salt);
        Predictions s = standardized.predict({parent, salt});
        REQUIRE(s.errors[0].empty());
        REQUIRE(s.errors[1].empty());
        CHECK(s.mean[0] == s.mean[1]);
        // The screen's path (an already parsed molecule) agrees.
        auto mol = parse_smiles(salt);
        REQUIRE(mol.mol);
        double mean = 0;
        CHECK(standardized.predict_molecule(*mol.mol, salt, &mean, nullptr) == "");
        CHECK(mean == s.mean[0]);
        // Without --standardize the salt is featurized as given.
        Predictions p = plain.predict({parent, salt});
        CHECK(p.mean[0] != p.mean[1]);
    }

    // The features themselves: the salt's equal the parent's.
    PropertyFeaturizerOptions fo;
    fo.name = "morgan+basic";
    fo.standardize = true;
    auto f = PropertyFeaturizer::create(fo);
    FeatureMatrix fm = f->featurize({"CCN(CC)CC", "CCN(CC)CC.Cl"});
    CHECK(std::vector<float>(fm.row(0), fm.row(0) + fm.dim) ==
          std::vector<float>(fm.row(1), fm.row(1) + fm.dim));
    CHECK(fm.errors[0].empty());
    CHECK(f->to_json()["standardize"] == true);
    fo.standardize = false;
    CHECK_FALSE(PropertyFeaturizer::create(fo)->to_json().contains("standardize"));
}

TEST_CASE("train: --standardize option and model errors", "[train_job][standardize]") {
    auto o = esol_options(test::temp_path("standardize_errors"));
    o.featurizer.standardize = true;
    o.featurizer.name = "esm";
    o.featurizer.esm_model = test::shared_path("fixtures/esm2_tiny/model");
    CHECK_THROWS_WITH(run_train(o), Catch::Contains("--standardize works with the RDKit"));
    PropertyFeaturizerOptions fo;
    fo.name = "smiles-lm";
    fo.standardize = true;
    CHECK_THROWS_AS(PropertyFeaturizer::create(fo), UsageError);
    const PropertyFeaturizerOptions defaults;  // named: GCC 12 warns on the temporary
    json j = PropertyFeaturizer::create(defaults)->to_json();
    j["standardize"] = "yes";
    CHECK_THROWS_WITH(PropertyFeaturizer::from_json(j, {}),
                      Catch::Contains("'standardize' must be true or false"));
}
