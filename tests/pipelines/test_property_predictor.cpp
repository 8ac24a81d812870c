// The built-in default model and property models as a screen's score.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/default_model.hpp"
#include "pipelines/property_predictor.hpp"
#include "pipelines/screen_job.hpp"
#include "pipelines/train_job.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "tests/pipelines/train_test_data.hpp"
#include "tests/test_support.hpp"

#include "tests/catch.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
using test::read_csv;

namespace {

PropertyPredictor builtin() {
    auto c = data::default_model_config();
    auto w = data::default_model_weights();
    return PropertyPredictor(
        models::PropertyModel::from_memory(
            std::string(reinterpret_cast<const char*>(c.data), c.size), w.data, w.size, "builtin"),
        {});
}

}  // namespace

TEST_CASE("default model: the embedded bytes are the shipped model", "[predictor][default]") {
    PropertyPredictor embedded = builtin();
    PropertyPredictor files(test::source_path("data/assets/default_model"), {});
    CHECK(embedded.model().ensemble_size() == 5);
    CHECK(embedded.featurizer().name() == "basic");
    std::vector<std::string> smiles = {"CCO", "c1ccccc1", "CC(=O)Nc1ccc(O)cc1",
                                       "CC(C)Cc1ccc(cc1)C(C)C(=O)O", "C1CC"};
    Predictions a = embedded.predict(smiles), b = files.predict(smiles);
    for (std::size_t i = 0; i < 4; ++i) {
        CHECK(a.errors[i].empty());
        CHECK(a.mean[i] == b.mean[i]);
        CHECK(a.std[i] == b.std[i]);
        CHECK(a.std[i] > 0);
    }
    CHECK_FALSE(a.errors[4].empty());
    CHECK(std::isnan(a.mean[4]));
}

TEST_CASE("default model: predicts the measured ESOL solubilities", "[predictor][default]") {
    // Over all 1128 ESOL molecules (80% were its training set): a sanity
    // bound on the embedded model and its featurizer, not a benchmark
    // (BENCHMARKS.md has the held-out figures).
    auto rows = read_csv(test::shared_path("data/esol/delaney-processed.csv"));
    std::vector<std::string> smiles;
    std::vector<double> y;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        std::string s = rows[i].back();
        while (!s.empty() && s.back() == ' ')
            s.pop_back();
        smiles.push_back(s);
        y.push_back(std::stod(rows[i][rows[i].size() - 2]));
    }
    Predictions p = builtin().predict(smiles);
    double se = 0, var = 0, mean = 0;
    for (double v : y)
        mean += v / y.size();
    for (std::size_t i = 0; i < y.size(); ++i) {
        REQUIRE(p.errors[i].empty());
        se += (p.mean[i] - y[i]) * (p.mean[i] - y[i]);
        var += (y[i] - mean) * (y[i] - mean);
    }
    const double rmse = std::sqrt(se / y.size()), sd = std::sqrt(var / y.size());
    INFO("RMSE " << rmse << ", sd of the measured values " << sd);
    CHECK(rmse < 0.7);
    CHECK(rmse < 0.35 * sd);
}

TEST_CASE("screen: a trained model as the score", "[screen][predictor]") {
    TrainOptions t;
    t.data = test::shared_path("data/esol/delaney-processed.csv");
    t.target_cols = {"measured log solubility in mols per litre"};
    t.output = test::temp_path("screen_score_model");
    t.featurizer.name = "basic";
    t.hidden = {16};
    t.epochs = 10;
    t.ensemble = 1;
    t.threads = 1;
    run_train(t);

    ScreenOptions o;
    o.input = test::source_path("examples/library.csv");
    o.reader.smiles_col = "smiles";
    o.reader.id_col = "chembl_id";
    o.output = test::temp_path("model_scored.csv");
    o.threads = 2;
    o.progress = false;
    ScreenConfig cfg;
    cfg.score.models = {{"sol", t.output}};
    cfg.score.weights = {{"pred_sol", -1.0}};  // least soluble first
    o.config = cfg;
    run_screen(o);
    auto hits = read_csv(o.output);
    const auto& h = hits.at(0);
    auto col = [&](const std::string& name) {
        return static_cast<std::size_t>(std::find(h.begin(), h.end(), name) - h.begin());
    };
    REQUIRE(col("pred_sol") < h.size());
    CHECK(col("pred_sol_std") == h.size());  // one member: no spread column
    REQUIRE(hits.size() > 10);
    // The column is the model's prediction for the standardized SMILES.
    PropertyPredictor p(t.output, {});
    std::vector<std::string> smiles;
    for (std::size_t i = 1; i <= 10; ++i)
        smiles.push_back(hits[i][col("smiles")]);
    Predictions pred = p.predict(smiles);
    for (std::size_t i = 1; i <= 10; ++i) {
        CHECK(std::stod(hits[i][col("pred_sol")]) == Approx(pred.mean[i - 1]).margin(5e-5));
        CHECK(std::stod(hits[i][col("score")]) ==
              Approx(-std::stod(hits[i][col("pred_sol")])).margin(1e-4));
    }
    for (std::size_t i = 2; i < hits.size(); ++i)
        CHECK(std::stod(hits[i][col("score")]) <= std::stod(hits[i - 1][col("score")]));

    SECTION("a protein model is refused") {
        TrainOptions e = t;
        e.data = test::temp_path("gb1_40.csv");
        {
            auto rows = read_csv(test::shared_path("data/flip_gb1/sampled.csv"));
            CsvWriter w(e.data);
            for (std::size_t i = 0; i <= 40; ++i)
                w.row(rows[i]);
            w.close();
        }
        e.target_cols = {"target"};
        e.featurizer.name = "esm";
        e.featurizer.esm_model = test::shared_path("fixtures/esm2_tiny/model");
        e.output = test::temp_path("screen_protein_model");
        e.epochs = 2;
        run_train(e);
        cfg.score.models = {{"gb1", e.output}};
        cfg.score.weights = {{"pred_gb1", 1.0}};
        o.config = cfg;
        CHECK_THROWS_WITH(run_screen(o), Catch::Contains("protein model"));
    }
    SECTION("a missing model directory is an I/O error") {
        cfg.score.models = {{"x", test::temp_path("no_such_model")}};
        cfg.score.weights = {{"pred_x", 1.0}};
        o.config = cfg;
        CHECK_THROWS_AS(run_screen(o), IoError);
    }
}
