// plmkit train / predict / evaluate with --task multiclass and two target
// columns (as Chemprop: each target its own classes and softmax, a missing
// label masked), on real data: ESOL's measured log-solubility cut into three
// bands (`sol`: low < -4 <= mid < -2 <= high) and its molecular weight into
// four (`mw`, numeric codes 50 < 150 <= 150 < 250 <= 250 < 350 <= 400), with
// some labels missing. Each target's held-out accuracy, counted here from
// predict's output, must beat its majority class; evaluate's per-target
// metrics must agree with it and, exactly, with train's metrics.json.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
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

const char* kTargets[2] = {"sol", "mw"};

/// ../shared/data/esol/delaney-processed.csv as id,smiles,sol,mw,split:
/// row i in the test set when i % 5 == 0, valid when i % 10 == 1, else
/// train; `sol` missing when i % 11 == 3, `mw` when i % 13 == 4, both when
/// i == 2 or i % 143 == 69 (9 rows, rejects: no label at all). `labels[j]`
/// maps the test rows' ids to target j's label (missing ones left out).
struct TwoTargets {
    std::string all, test;
    std::map<std::string, std::string> labels[2];
    std::map<std::string, int> train_counts[2];
    std::size_t test_rows = 0, no_label = 0, test_no_label = 0;
};
const TwoTargets& esol_two() {
    static const TwoTargets data = [] {
        std::istringstream in(read_file(shared_path("data/esol/delaney-processed.csv")));
        std::string line;
        std::getline(in, line);
        TwoTargets b;
        std::string all = "id,smiles,sol,mw,split\n", test = all;
        for (int i = 0; std::getline(in, line); ++i) {
            const auto f = split_fields(line, ',');
            // Counted from the end: some compound names hold quoted commas.
            const double logs = std::stod(f[f.size() - 2]), mw = std::stod(f[f.size() - 7]);
            std::string label[2] = {
                logs < -4 ? "low" : (logs < -2 ? "mid" : "high"),
                mw < 150 ? "50" : (mw < 250 ? "150" : (mw < 350 ? "250" : "400"))};
            if (i % 11 == 3 || i == 2) label[0].clear();
            if (i % 13 == 4 || i == 2) label[1].clear();
            const std::string set = i % 5 == 0 ? "test" : (i % 10 == 1 ? "valid" : "train");
            const bool none = label[0].empty() && label[1].empty();
            b.no_label += none;
            b.test_no_label += none && set == "test";
            std::string smiles = f.back();
            smiles.erase(smiles.find_last_not_of(" \r") + 1);
            const std::string id = "esol" + std::to_string(i);
            const std::string row =
                id + "," + smiles + "," + label[0] + "," + label[1] + "," + set + "\n";
            all += row;
            for (int j = 0; j < 2; ++j)
                if (label[j].empty())
                    continue;
                else if (set == "test")
                    b.labels[j][id] = label[j];
                else if (set == "train")
                    ++b.train_counts[j][label[j]];
            if (set == "test") {
                test += row;
                ++b.test_rows;
            }
        }
        b.all = temp_path("mc2_esol.csv");
        b.test = temp_path("mc2_esol_test.csv");
        write_file(b.all, all);
        write_file(b.test, test);
        return b;
    }();
    return data;
}

const std::vector<std::string> kClasses[2] = {{"high", "low", "mid"}, {"50", "150", "250", "400"}};

std::string train(const std::string& name, const std::string& head,
                  const std::vector<std::string>& extra) {
    const std::string out = temp_path(name);
    fs::remove_all(out);
    std::vector<std::string> args = {"train",
                                     "--data",
                                     esol_two().all,
                                     "--target-col",
                                     "sol",
                                     "--target-col",
                                     "mw",
                                     "--task",
                                     "multiclass",
                                     "--featurizer",
                                     "morgan",
                                     "--split",
                                     "column:split",
                                     "--head",
                                     head,
                                     "--seed",
                                     "5",
                                     "--threads",
                                     "2",
                                     "--output",
                                     out};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("val cross_entropy (mean of 2 targets)"));
    return out;
}

/// Predicts the test rows; checks the columns, that each target's
/// probabilities sum to 1 and name its predicted class; returns each
/// target's accuracy over its labelled rows.
std::vector<double> predicted_accuracy(const std::string& model, bool spread) {
    const std::string preds = model + "_preds.csv";
    auto p = run_plmkit({"predict", "--model", model, "--input", esol_two().test, "--output", preds,
                         "--no-progress", "--threads", "2"});
    INFO(p.err);
    REQUIRE(p.exit_code == 0);
    std::istringstream in(read_file(preds));
    std::string line, header = "id,smiles";
    for (int j = 0; j < 2; ++j) {
        header += std::string(",") + kTargets[j];
        for (const auto& c : kClasses[j])
            header += std::string(",") + kTargets[j] + "_prob_" + c +
                      (spread ? "," + std::string(kTargets[j]) + "_prob_" + c + "_std" : "");
    }
    std::getline(in, line);
    CHECK(line == header);
    const std::size_t step = spread ? 2 : 1;
    std::size_t rows = 0;
    int right[2] = {0, 0};
    while (std::getline(in, line)) {
        const auto f = split_fields(line, ',');
        REQUIRE(f.size() == 2 + (1 + 3 * step) + (1 + 4 * step));
        std::size_t at = 2;
        for (int j = 0; j < 2; ++j) {
            const std::string predicted = f[at++];
            std::vector<double> prob;
            for (std::size_t c = 0; c < kClasses[j].size(); ++c, at += step)
                prob.push_back(std::stod(f[at]));
            double total = 0;
            for (double v : prob)
                total += v;
            CHECK(total == Approx(1.0).epsilon(1e-6));
            const auto best = std::max_element(prob.begin(), prob.end()) - prob.begin();
            CHECK(predicted == kClasses[j][best]);
            const auto label = esol_two().labels[j].find(f[0]);
            if (label != esol_two().labels[j].end()) right[j] += predicted == label->second;
        }
        ++rows;
    }
    REQUIRE(rows == esol_two().test_rows);
    return {static_cast<double>(right[0]) / esol_two().labels[0].size(),
            static_cast<double>(right[1]) / esol_two().labels[1].size()};
}

/// The share of target j's labelled test rows in its most common training class.
double majority_accuracy(int j) {
    const auto& counts = esol_two().train_counts[j];
    const auto top =
        std::max_element(counts.begin(), counts.end(),
                         [](const auto& x, const auto& y) { return x.second < y.second; });
    int hits = 0;
    for (const auto& [id, label] : esol_two().labels[j])
        hits += label == top->first ? 1 : 0;
    return static_cast<double>(hits) / static_cast<double>(esol_two().labels[j].size());
}

void check_model(const std::string& model, bool spread) {
    const auto config = nlohmann::json::parse(read_file(model + "/config.json"));
    CHECK(config.at("targets") == nlohmann::json({"sol", "mw"}));
    // Per target its classes, numbers sorted by value.
    CHECK(config.at("classes") == nlohmann::json({{"sol", kClasses[0]}, {"mw", kClasses[1]}}));
    CHECK(config.at("model").at("output_dim") == 7);
    CHECK(config.at("class_prior").at("labelled_rows").size() == 2);
    const auto metrics = nlohmann::json::parse(read_file(model + "/metrics.json"));
    CHECK(esol_two().no_label == 9);
    CHECK(metrics.at("rejected") == esol_two().no_label);  // rows with no label at all
    CHECK_THAT(read_file(model + "/rejects.tsv"),
               Catch::Contains("esol2\tCC(C)=CCCC(C)=CC(=O)\tno target value"));
    const std::vector<double> acc = predicted_accuracy(model, spread);
    const std::string out = model + "_eval.json";
    auto e = run_plmkit({"evaluate", "--model", model, "--data", esol_two().test, "--output", out,
                         "--threads", "2"});
    INFO(e.err);
    REQUIRE(e.exit_code == 0);
    const auto j = nlohmann::json::parse(read_file(out));
    // evaluate rejects the test rows without any label.
    CHECK(j.at("n") == esol_two().test_rows - esol_two().test_no_label);
    CHECK(j.at("rejected") == esol_two().test_no_label);
    const auto& test = metrics.at("test");
    for (int t = 0; t < 2; ++t) {
        INFO(kTargets[t]);
        WARN(kTargets[t] << ": held-out accuracy " << acc[t] << ", majority class "
                         << majority_accuracy(t));
        CHECK(acc[t] > majority_accuracy(t) + 0.15);
        const auto& m = j.at("metrics").at(kTargets[t]);
        CHECK(m.at("n") == esol_two().labels[t].size());
        CHECK(m.at("accuracy").get<double>() == Approx(acc[t]));
        // The model train held in memory and the one evaluate loaded give
        // the same probabilities, so the same metrics to the last bit.
        for (const char* name : {"n", "accuracy", "macro_f1", "cross_entropy", "roc_auc"})
            CHECK(m.at(name) == test.at(kTargets[t]).at(name));
    }
    const auto& mean = j.at("metrics").at("mean");
    for (const char* name : {"accuracy", "macro_f1", "cross_entropy", "roc_auc"})
        CHECK(mean.at(name).get<double>() ==
              Approx((j.at("metrics").at("sol").at(name).get<double>() +
                      j.at("metrics").at("mw").at(name).get<double>()) /
                     2));
    CHECK(metrics.at("valid").at("mean").at("accuracy").get<double>() > 0.5);
}

/// The MLP model of the two targets (trained once).
const std::string& mlp_model() {
    static const std::string dir = train("mc2_esol_mlp", "mlp", {"--epochs", "15"});
    return dir;
}

}  // namespace

TEST_CASE("cli train multiclass two targets: an MLP with a softmax per target",
          "[cli][train][multiclass]") {
    check_model(mlp_model(), false);
}

TEST_CASE("cli train multiclass two targets: D-MPNNs and an MLP averaged",
          "[cli][train][multiclass][mpnn]") {
    const std::string model =
        train("mc2_esol_mlp_mpnn", "mlp+mpnn",
              {"--epochs", "15", "--mpnn-hidden", "64", "--mpnn-ffn", "64", "--mpnn-epochs", "20"});
    check_model(model, true);
}

TEST_CASE("cli evaluate multiclass two targets: a label outside a target's classes is a reject",
          "[cli][train][multiclass]") {
    const std::string& model = mlp_model();
    const std::string data = temp_path("mc2_unknown.csv");
    write_file(data, "id,smiles,sol,mw\na,CCO,low,50\nb,CCCO,mid,75\nc,CCCCO,,150\n");
    const std::string out = temp_path("mc2_unknown.json");
    auto e = run_plmkit({"evaluate", "--model", model, "--data", data, "--output", out});
    INFO(e.err);
    REQUIRE(e.exit_code == 0);
    const auto j = nlohmann::json::parse(read_file(out));
    CHECK(j.at("n") == 2);
    CHECK(j.at("rejected") == 1);
    CHECK_THAT(read_file(j.at("rejects").get<std::string>()),
               Catch::Contains("target 'mw' has label '75', which is not a class of the model "
                               "(trained on the 4 classes 50, 150, 250, 400)"));
    CHECK(j.at("metrics").at("sol").at("n") == 1);
    CHECK(j.at("metrics").at("mw").at("n") == 2);
}

TEST_CASE("cli screen: a multiclass model of two targets is refused, naming them",
          "[cli][multiclass][screen]") {
    const std::string yaml = temp_path("mc2_screen.yaml");
    write_file(yaml, "score:\n  models:\n    - {name: bands, model: " + mlp_model() + "}\n");
    auto s = run_plmkit({"screen", "-i", esol_two().test, "-c", yaml, "-o",
                         temp_path("mc2_screen_hits.csv"), "--threads", "1", "--no-progress"});
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.err,
               Catch::Contains("' is a multi-class model (targets 'sol' and 1 more, 7 classes)"));
}
