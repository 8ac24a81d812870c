// plmkit train / predict / evaluate with --task multiclass and the forest,
// knn, gbm, mpnn and mixed heads, on real data: ESOL's measured log-solubility cut into
// three bands (low < -4 <= mid < -2 <= high) on Morgan fingerprints. Each
// model's accuracy on held-out rows, counted from predict's output here,
// must beat the majority class of the training rows by a clear margin, and
// evaluate's and train's test metrics must agree with it.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::split_fields;
using plmkit::test::temp_path;
using plmkit::test::write_file;
namespace fs = std::filesystem;

namespace {

/// ../shared/data/esol/delaney-processed.csv as id,smiles,band,split: the
/// band of the measured log-solubility (the column before the SMILES); row
/// i in the test set when i % 5 == 0, valid when i % 10 == 1, else train
/// (1,128 rows: 226 test, 113 valid, 789 train). `labels` maps the test
/// rows' ids to bands.
struct Bands {
    std::string all, test;
    std::map<std::string, std::string> labels;
    std::map<std::string, int> train_counts;
};
const Bands& esol_bands() {
    static const Bands bands = [] {
        std::istringstream in(read_file(shared_path("data/esol/delaney-processed.csv")));
        std::string line;
        std::getline(in, line);
        Bands b;
        std::string all = "id,smiles,band,split\n", test = all;
        for (int i = 0; std::getline(in, line); ++i) {
            const auto f = split_fields(line, ',');
            // Counted from the end: some compound names hold quoted commas.
            const double logs = std::stod(f[f.size() - 2]);
            const std::string band = logs < -4 ? "low" : (logs < -2 ? "mid" : "high");
            const std::string set = i % 5 == 0 ? "test" : (i % 10 == 1 ? "valid" : "train");
            std::string smiles = f.back();
            smiles.erase(smiles.find_last_not_of(" \r") + 1);
            const std::string id = "esol" + std::to_string(i);
            const std::string row = id + "," + smiles + "," + band + "," + set + "\n";
            all += row;
            if (set == "test") {
                test += row;
                b.labels[id] = band;
            } else if (set == "train") {
                ++b.train_counts[band];
            }
        }
        b.all = temp_path("mc_esol_bands.csv");
        b.test = temp_path("mc_esol_bands_test.csv");
        write_file(b.all, all);
        write_file(b.test, test);
        return b;
    }();
    return bands;
}

/// A small D-MPNN (on the graph and the Morgan counts), quick to train.
const std::vector<std::string> kSmallMpnn = {"--mpnn-hidden", "64", "--mpnn-ffn", "64",
                                             "--mpnn-epochs", "25"};

/// Trains `head` (with `extra` flags) on the bands on `threads` threads;
/// returns the model dir.
std::string train(const std::string& name, const std::string& head,
                  const std::vector<std::string>& extra = {}, const std::string& threads = "2") {
    const std::string out = temp_path(name);
    fs::remove_all(out);
    std::vector<std::string> args = {"train",
                                     "--data",
                                     esol_bands().all,
                                     "--target-col",
                                     "band",
                                     "--task",
                                     "multiclass",
                                     "--featurizer",
                                     "morgan",
                                     "--split",
                                     "column:split",
                                     "--head",
                                     head,
                                     "--seed",
                                     "3",
                                     "--threads",
                                     threads,
                                     "--output",
                                     out};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

/// Predicts the test rows with `model` and returns the accuracy counted
/// from the class column, checking the columns (with `_std` columns when
/// the model has a spread) and that each row's probabilities sum to 1 and
/// name the most probable class.
double predicted_accuracy(const std::string& model, bool spread) {
    const std::string preds = model + "_preds.csv";
    auto p = run_plmkit({"predict", "--model", model, "--input", esol_bands().test, "--output",
                         preds, "--no-progress", "--threads", "2"});
    INFO(p.err);
    REQUIRE(p.exit_code == 0);
    std::istringstream in(read_file(preds));
    std::string line;
    std::getline(in, line);
    const int step = spread ? 2 : 1;  // fields a class
    CHECK(line == (spread ? "id,smiles,band,band_prob_high,band_prob_high_std,band_prob_low,"
                            "band_prob_low_std,band_prob_mid,band_prob_mid_std"
                          : "id,smiles,band,band_prob_high,band_prob_low,band_prob_mid"));
    const char* classes[3] = {"high", "low", "mid"};
    int rows = 0, right = 0;
    while (std::getline(in, line)) {
        const auto f = split_fields(line, ',');
        REQUIRE(f.size() == static_cast<std::size_t>(3 + 3 * step));
        const double prob[3] = {std::stod(f[3]), std::stod(f[3 + step]),
                                std::stod(f[3 + 2 * step])};
        CHECK(prob[0] + prob[1] + prob[2] == Approx(1.0).epsilon(1e-6));
        const int best = static_cast<int>(std::max_element(prob, prob + 3) - prob);
        CHECK(f[2] == classes[best]);
        ++rows;
        right += f[2] == esol_bands().labels.at(f[0]) ? 1 : 0;
    }
    REQUIRE(rows == static_cast<int>(esol_bands().labels.size()));
    return static_cast<double>(right) / rows;
}

/// The accuracy of always predicting the training rows' most common band.
double majority_accuracy() {
    const auto& b = esol_bands();
    const auto top =
        std::max_element(b.train_counts.begin(), b.train_counts.end(),
                         [](const auto& x, const auto& y) { return x.second < y.second; });
    int hits = 0;
    for (const auto& [id, band] : b.labels)
        hits += band == top->first ? 1 : 0;
    return static_cast<double>(hits) / static_cast<double>(b.labels.size());
}

/// Checks the model beats the majority class and that evaluate and train's
/// metrics.json give the same accuracy as predict's output.
void check_model(const std::string& model, const std::string& head, bool spread = true) {
    const auto config = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(config.at("model").at("type") == head);
    CHECK(config.at("classes").at("band") == nlohmann::json({"high", "low", "mid"}));
    const double acc = predicted_accuracy(model, spread), base = majority_accuracy();
    WARN(head << ": held-out accuracy " << acc << ", majority class " << base);
    CHECK(base < 0.4);
    CHECK(acc > base + 0.2);
    const std::string out = model + "_eval.json";
    auto e = run_plmkit({"evaluate", "--model", model, "--data", esol_bands().test, "--output", out,
                         "--threads", "2"});
    INFO(e.err);
    REQUIRE(e.exit_code == 0);
    const auto j = nlohmann::json::parse(e.out.empty() ? read_file(out) : e.out);
    const auto& m = j.at("metrics").at("band");
    CHECK(m.at("n") == esol_bands().labels.size());
    CHECK(m.at("accuracy").get<double>() == Approx(acc));
    const auto train_metrics = nlohmann::json::parse(read_file(model + "/metrics.json"));
    const auto& t = train_metrics.at("test").at("band");
    for (const char* name : {"accuracy", "macro_f1", "cross_entropy", "roc_auc"})
        CHECK(m.at(name).get<double>() == Approx(t.at(name).get<double>()).epsilon(1e-6));
    CHECK(train_metrics.at("valid").at("band").at("accuracy").get<double>() > base);
}

}  // namespace

TEST_CASE("cli train multiclass forest: ESOL solubility bands beat the majority class",
          "[cli][train][multiclass][forest]") {
    const std::string model = train("mc_esol_forest", "forest", {"--trees", "100"});
    check_model(model, "forest");
    const auto metrics = nlohmann::json::parse(read_file(model + "/metrics.json"));
    CHECK(metrics.at("forest").at("trees") == 100);
}

TEST_CASE("cli train multiclass knn: ESOL solubility bands beat the majority class",
          "[cli][train][multiclass][knn]") {
    const std::string model = train("mc_esol_knn", "knn", {"--knn-k", "7"});
    check_model(model, "knn");
    const auto metrics = nlohmann::json::parse(read_file(model + "/metrics.json"));
    CHECK(metrics.at("knn").at("rows") == 789 + 113);  // train and valid rows
}

TEST_CASE("cli train multiclass mlp+forest+knn: weighted mean of the parts; screen refuses it",
          "[cli][train][multiclass][forest][knn][screen]") {
    const std::string model =
        train("mc_esol_mixed", "mlp+forest+knn",
              {"--head-weights", "2,4,1", "--trees", "50", "--hidden", "32", "--epochs", "10"});
    check_model(model, "mlp+forest+knn");
    const auto config = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(config.at("model").at("weights") == nlohmann::json({2.0, 4.0, 1.0}));
    const std::string yaml = temp_path("mc_esol_screen.yaml");
    write_file(yaml, "score:\n  models:\n    - {name: band, model: " + model + "}\n");
    auto s = run_plmkit({"screen", "-i", esol_bands().test, "-c", yaml, "-o",
                         temp_path("mc_esol_screen_hits.csv"), "--threads", "1", "--no-progress"});
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.err, Catch::Contains("' is a multi-class model (target 'band', 3 classes)"));
}

TEST_CASE("cli train multiclass gbm: ESOL solubility bands beat the majority class",
          "[cli][train][multiclass][gbm]") {
    const std::string model =
        train("mc_esol_gbm", "gbm", {"--gbm-rounds", "60", "--gbm-lr", "0.2"});
    check_model(model, "gbm", false);  // one boosted model: no spread
    const auto metrics = nlohmann::json::parse(read_file(model + "/metrics.json"));
    const auto& g = metrics.at("gbm");
    REQUIRE(g.at("targets").size() == 1);  // one model for the three classes
    const int kept = g.at("targets")[0].at("rounds").get<int>();
    CHECK(kept >= 1);
    CHECK(kept <= g.at("targets")[0].at("rounds_tried").get<int>());
    CHECK(g.at("targets")[0].at("best_valid_loss").get<double>() > 0);
    const auto config = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(config.at("model").at("gbm").at("rounds") == 60);
    SECTION("predict twice from the saved model gives the same probabilities") {
        // check_model also compared evaluate (the loaded model) with the
        // test metrics train computed before saving it.
        const std::string a = model + "_a.csv", b = model + "_b.csv";
        for (const auto& out : {a, b}) {
            auto p =
                run_plmkit({"predict", "--model", model, "--input", esol_bands().test, "--output",
                            out, "--no-progress", "--threads", out == a ? "1" : "2"});
            REQUIRE(p.exit_code == 0);
        }
        CHECK(read_file(a) == read_file(b));
    }
    SECTION("trained on one thread: the same model file and predictions") {
        // The three class trees of a round grow in parallel on two threads.
        const std::string single =
            train("mc_esol_gbm_1t", "gbm", {"--gbm-rounds", "60", "--gbm-lr", "0.2"}, "1");
        CHECK(read_file(single + "/model.safetensors") == read_file(model + "/model.safetensors"));
        const std::string a = single + "_preds.csv", b = model + "_preds_2t.csv";
        for (const auto& [dir, out] : {std::pair{single, a}, std::pair{model, b}}) {
            auto p = run_plmkit({"predict", "--model", dir, "--input", esol_bands().test,
                                 "--output", out, "--no-progress", "--threads", "1"});
            REQUIRE(p.exit_code == 0);
        }
        CHECK(read_file(a) == read_file(b));
    }
}

TEST_CASE("cli train multiclass mlp+gbm and forest+gbm+knn: weighted means with boosting",
          "[cli][train][multiclass][gbm][forest][knn]") {
    const std::string mixed = train("mc_esol_mlp_gbm", "mlp+gbm",
                                    {"--head-weights", "1,3", "--gbm-rounds", "60", "--gbm-lr",
                                     "0.2", "--hidden", "32", "--epochs", "10"});
    check_model(mixed, "mlp+gbm");
    const auto config = nlohmann::json::parse(read_file(mixed + "/config.json"));
    CHECK(config.at("model").at("weights") == nlohmann::json({1.0, 3.0}));
    const std::string trees = train("mc_esol_forest_gbm_knn", "forest+gbm+knn",
                                    {"--trees", "50", "--gbm-rounds", "40", "--gbm-lr", "0.25"});
    check_model(trees, "forest+gbm+knn");
    const auto metrics = nlohmann::json::parse(read_file(trees + "/metrics.json"));
    CHECK(metrics.at("gbm").at("targets").size() == 1);
    CHECK(metrics.at("forest").at("trees") == 50);
}

TEST_CASE("cli train multiclass mpnn: ESOL solubility bands beat the majority class",
          "[cli][train][multiclass][mpnn]") {
    const std::string model = train("mc_esol_mpnn", "mpnn", kSmallMpnn);
    check_model(model, "mpnn", false);  // one network: no spread
    const auto config = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(config.at("model").at("mpnn").at("members") == 1);
    CHECK(config.at("model").at("output_dim") == 3);
    const auto metrics = nlohmann::json::parse(read_file(model + "/metrics.json"));
    REQUIRE(metrics.at("members").size() == 1);
    CHECK(metrics.at("members")[0].at("kind") == "mpnn");
}

TEST_CASE("cli train multiclass mpnn+forest: the mean of D-MPNNs and a forest",
          "[cli][train][multiclass][mpnn][forest]") {
    std::vector<std::string> extra = kSmallMpnn;
    extra.insert(extra.end(), {"--mpnn-ensemble", "2", "--trees", "50"});
    const std::string model = train("mc_esol_mpnn_forest", "mpnn+forest", extra);
    check_model(model, "mpnn+forest");
    const auto config = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(config.at("model").at("mpnn").at("members") == 2);
    CHECK(config.at("model").at("forest").at("trees") == 50);
}

TEST_CASE("cli train multiclass: several target columns with forest, gbm or knn are refused",
          "[cli][train][multiclass][mpnn]") {
    const std::string out = temp_path("mc_esol_refused");
    for (const std::string head : {"mlp+gbm+mpnn", "knn", "mpnn+forest+knn"}) {
        fs::remove_all(out);
        auto r = run_plmkit({"train", "--data", esol_bands().all, "--target-col", "band",
                             "--target-col", "split", "--task", "multiclass", "--split",
                             "column:split", "--head", head, "--output", out});
        INFO(head);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--task multiclass with several --target-col (2: "
                                          "'band', 'split') is for --head mlp, mpnn or mlp+mpnn"));
        const std::string others = head == "mlp+gbm+mpnn" ? "gbm"
                                   : head == "knn"        ? "knn"
                                                          : "forest, knn";
        CHECK_THAT(r.err, Catch::Contains("--head " + head + " has " + others + ", which"));
        CHECK(!fs::exists(out + "/checkpoints"));
    }
}
