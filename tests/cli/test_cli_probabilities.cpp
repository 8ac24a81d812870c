// plmkit predict / evaluate --probabilities prior on a real imbalanced
// target (Tox21 NR-Aromatase, 4% positives in the slice): the stored class
// balance, the mean corrected probability near the training positive rate
// with ROC-AUC unchanged, the mlp part of an mlp+forest model corrected and
// the forest part not (checked against single-head models trained with the
// same seed and the correction worked here from the training rows' counts),
// and the refusal of a model trained before config.json had "class_prior".
#include <cmath>
#include <filesystem>
#include <fstream>
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
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace {

constexpr int kTrain = 600, kTest = 200;

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::istringstream in(line);
    for (std::string f; std::getline(in, f, ',');)
        out.push_back(f);
    if (!line.empty() && line.back() == ',') out.emplace_back();
    return out;
}

/// The first 800 Tox21 rows labelled for NR-Aromatase: id, smiles, label,
/// set (600 train, then 200 test; no validation rows, so each network keeps
/// its last epoch). Counts the training positives.
struct Slice {
    std::string path;
    int train_positives = 0;
    std::vector<double> labels;  ///< every row's, in order
};

const Slice& tox21_slice() {
    static const Slice slice = [] {
        Slice s;
        s.path = temp_path("cli_prob_tox21.csv");
        std::ifstream in(shared_path("data/tox21/tox21.csv"));
        std::string line;
        std::getline(in, line);
        const auto header = split(line);
        std::size_t col = 0, smiles = 0;
        for (std::size_t k = 0; k < header.size(); ++k) {
            if (header[k] == "NR-Aromatase") col = k;
            if (header[k] == "smiles") smiles = k;
        }
        std::string text = "id,smiles,aromatase,set\n";
        int n = 0;
        while (n < kTrain + kTest && std::getline(in, line)) {
            const auto f = split(line);
            if (f.size() <= smiles || f[col].empty()) continue;
            const double y = std::stod(f[col]);
            if (n < kTrain && y > 0.5) ++s.train_positives;
            s.labels.push_back(y);
            text += "r" + std::to_string(n) + "," + f[smiles] + "," + f[col] + "," +
                    (n < kTrain ? "train" : "test") + "\n";
            ++n;
        }
        write_file(s.path, text);
        return s;
    }();
    return slice;
}

void train(const std::string& out, const std::string& head) {
    std::filesystem::remove_all(out);
    const auto r = run_plmkit({"train",
                               "--data",
                               tox21_slice().path,
                               "--target-col",
                               "aromatase",
                               "--task",
                               "classification",
                               "--featurizer",
                               "basic",
                               "--head",
                               head,
                               "--hidden",
                               "32",
                               "--epochs",
                               "30",
                               "--batch-size",
                               "32",
                               "--lr",
                               "1e-3",
                               "--trees",
                               "20",
                               "--split",
                               "column:set",
                               "--seed",
                               "3",
                               "--threads",
                               "1",
                               "--output",
                               out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

/// predict's columns by name, as numbers (id and smiles left out).
std::map<std::string, std::vector<double>> predict(const std::string& model,
                                                   const std::string& probabilities,
                                                   std::string* err = nullptr) {
    const std::string out = model + "_" + probabilities + ".csv";
    const auto r = run_plmkit({"predict", "--model", model, "--input", tox21_slice().path,
                               "--output", out, "--probabilities", probabilities});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    if (err) *err = r.err;
    std::istringstream in(read_file(out));
    std::string line;
    std::getline(in, line);
    const auto header = split(line);
    std::map<std::string, std::vector<double>> cols;
    while (std::getline(in, line)) {
        const auto f = split(line);
        for (std::size_t k = 2; k < header.size(); ++k)
            cols[header[k]].push_back(std::stod(f[k]));
    }
    REQUIRE(cols["aromatase"].size() == static_cast<std::size_t>(kTrain + kTest));
    return cols;
}

double mean(const std::vector<double>& v, std::size_t begin, std::size_t end) {
    double s = 0;
    for (std::size_t i = begin; i < end; ++i)
        s += v[i];
    return s / static_cast<double>(end - begin);
}

/// One mlp model on the slice, trained once for the tests below.
const std::string& mlp_model() {
    static const std::string dir = [] {
        const std::string d = temp_path("cli_prob_mlp");
        train(d, "mlp");
        return d;
    }();
    return dir;
}

nlohmann::json evaluate(const std::string& model, const std::string& probabilities) {
    const auto r = run_plmkit({"evaluate", "--model", model, "--data", tox21_slice().path,
                               "--probabilities", probabilities});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("cli predict --probabilities prior: an mlp on Tox21 NR-Aromatase",
          "[cli][probabilities]") {
    const Slice& s = tox21_slice();
    const std::string& model = mlp_model();
    // config.json: the training rows' positive rate and weight, counted here.
    const double rate = s.train_positives / static_cast<double>(kTrain);
    const double weight = (kTrain - s.train_positives) / static_cast<double>(s.train_positives);
    const auto config = nlohmann::json::parse(read_file(model + "/config.json"));
    const auto& prior = config.at("class_prior");
    CHECK(prior.at("weighted_parts") == nlohmann::json({"mlp"}));
    CHECK(prior.at("labelled_rows") == nlohmann::json({kTrain}));
    CHECK(prior.at("positive_rate")[0].get<double>() == Approx(rate).epsilon(1e-12));
    CHECK(prior.at("positive_weight")[0].get<double>() == Approx(weight).epsilon(1e-6));

    std::string err;
    const auto balanced = predict(model, "as-trained");
    const auto corrected = predict(model, "prior", &err);
    CHECK_THAT(err, Catch::Contains("prior probabilities: the mlp part corrected from balanced "
                                    "classes to the training rows' positive rate"));
    const auto& b = balanced.at("aromatase");
    const auto& p = corrected.at("aromatase");
    for (std::size_t i = 0; i < p.size(); ++i) {
        INFO("row " << i);
        // One member: p' = p / (p + w (1 - p)), w from the counts above.
        CHECK(p[i] == Approx(b[i] / (b[i] + weight * (1 - b[i]))).epsilon(1e-5).margin(1e-9));
    }
    const double train_balanced = mean(b, 0, kTrain), train_prior = mean(p, 0, kTrain);
    const double test_prior = mean(p, kTrain, kTrain + kTest);
    CAPTURE(rate, train_balanced, train_prior, test_prior);
    CHECK(train_balanced > 4 * rate);  // balanced classes: far above the base rate
    CHECK(train_prior == Approx(rate).epsilon(0.5));
    CHECK(test_prior == Approx(rate).epsilon(0.75));

    // evaluate: ROC-AUC and PR-AUC unchanged (one member: the correction is
    // monotone), log-loss and Brier lower; the JSON says which.
    const auto e_bal = evaluate(model, "as-trained"), e_prior = evaluate(model, "prior");
    CHECK(e_bal.at("probabilities") == "as-trained");
    CHECK(e_prior.at("probabilities") == "prior");
    const auto& mb = e_bal.at("metrics").at("aromatase");
    const auto& mp = e_prior.at("metrics").at("aromatase");
    CAPTURE(mb.dump(), mp.dump());
    CHECK(mp.at("roc_auc").get<double>() == Approx(mb.at("roc_auc").get<double>()).epsilon(1e-9));
    CHECK(mp.at("pr_auc").get<double>() == Approx(mb.at("pr_auc").get<double>()).epsilon(1e-9));
    CHECK(mp.at("log_loss").get<double>() < mb.at("log_loss").get<double>());
    CHECK(mp.at("brier").get<double>() < mb.at("brier").get<double>());
}

TEST_CASE("cli predict --probabilities prior: mlp+forest corrects only the mlp part",
          "[cli][probabilities]") {
    const Slice& s = tox21_slice();
    const std::string mix = temp_path("cli_prob_mix"), forest = temp_path("cli_prob_mix_forest");
    train(mix, "mlp+forest");
    const std::string& mlp = mlp_model();  // the same seed: the mix's parts, trained alone
    train(forest, "forest");
    const auto prior = nlohmann::json::parse(read_file(mix + "/config.json")).at("class_prior");
    CHECK(prior.at("weighted_parts") == nlohmann::json({"mlp"}));
    const double weight = (kTrain - s.train_positives) / static_cast<double>(s.train_positives);
    const auto a = predict(mlp, "as-trained").at("aromatase");
    const auto f = predict(forest, "as-trained").at("aromatase");
    std::string err;
    const auto m_bal = predict(mix, "as-trained"), m_prior = predict(mix, "prior", &err);
    CHECK_THAT(err, Catch::Contains("the forest part (unweighted) as trained"));
    // A forest alone has no weighted part: prior changes nothing.
    const auto f_prior = predict(forest, "prior").at("aromatase");
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO("row " << i);
        CHECK(f_prior[i] == f[i]);
        // As trained: the mean of the parts; their spread is half the difference.
        CHECK(m_bal.at("aromatase")[i] == Approx((a[i] + f[i]) / 2).epsilon(1e-5).margin(1e-9));
        const double q = a[i] / (a[i] + weight * (1 - a[i]));  // the mlp part, corrected
        CHECK(m_prior.at("aromatase")[i] == Approx((q + f[i]) / 2).epsilon(1e-5).margin(1e-9));
        CHECK(m_prior.at("aromatase_std")[i] ==
              Approx(std::fabs(q - f[i]) / 2).epsilon(1e-5).margin(1e-7));
    }
}

TEST_CASE("cli predict --probabilities prior: models without class_prior refuse it",
          "[cli][probabilities]") {
    // A model from before "class_prior" was written: the same without it.
    const std::string model = temp_path("cli_prob_old");
    std::filesystem::remove_all(model);
    std::filesystem::copy(mlp_model(), model, std::filesystem::copy_options::recursive);
    const std::string path = model + "/config.json";
    auto config = nlohmann::json::parse(read_file(path));
    REQUIRE(config.erase("class_prior") == 1);
    write_file(path, config.dump(2));
    const std::string out = temp_path("cli_prob_old.csv");
    auto r = run_plmkit({"predict", "--model", model, "--input", tox21_slice().path, "--output",
                         out, "--probabilities", "prior"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(model + "/config.json has no \"class_prior\"") &&
                          Catch::Contains("train it again to add it"));
    r = run_plmkit(
        {"evaluate", "--model", model, "--data", tox21_slice().path, "--probabilities", "prior"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("has no \"class_prior\""));
    // As trained, it still predicts.
    r = run_plmkit({"predict", "--model", model, "--input", tox21_slice().path, "--output", out});
    CHECK(r.exit_code == 0);
    r = run_plmkit({"predict", "--model", model, "--input", tox21_slice().path, "--output", out,
                    "--probabilities", "calibrated"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--probabilities must be as-trained or prior, got "
                                      "'calibrated'"));
    // The screen's score.models refuses it too, before reading a molecule.
    const std::string lib = temp_path("cli_prob_old_lib.csv"),
                      yaml = temp_path("cli_prob_old.yaml");
    write_file(lib, "smiles,id\nCCO,ethanol\n");
    write_file(yaml, "score:\n  models:\n    - {name: arom, model: " + model +
                         ", probabilities: prior}\n");
    r = run_plmkit({"screen", "-i", lib, "-c", yaml, "-o", temp_path("cli_prob_old_hits.csv"),
                    "--threads", "1", "--no-progress"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("has no \"class_prior\""));
}

TEST_CASE("cli screen: score.models probabilities: prior scores as predict --probabilities prior",
          "[cli][probabilities]") {
    const std::string lib = temp_path("cli_prob_screen_lib.csv");
    write_file(lib, "smiles,id\nCCO,ethanol\nc1ccccc1O,phenol\nCCCCCCCCO,octanol\n");
    const std::string yaml = temp_path("cli_prob_screen.yaml"),
                      hits = temp_path("cli_prob_screen_hits.csv"),
                      preds = temp_path("cli_prob_screen_preds.csv");
    write_file(yaml, "score:\n  models:\n    - {name: arom, model: " + mlp_model() +
                         ", probabilities: prior}\n");
    auto r = run_plmkit(
        {"screen", "-i", lib, "-c", yaml, "-o", hits, "--threads", "1", "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("score.models 'arom': prior probabilities"));
    r = run_plmkit({"predict", "--model", mlp_model(), "--input", lib, "--output", preds,
                    "--probabilities", "prior"});
    REQUIRE(r.exit_code == 0);
    // id -> value of a column.
    auto column = [](const std::string& file, const std::string& name) {
        std::istringstream in(read_file(file));
        std::string line;
        std::getline(in, line);
        const auto header = split(line);
        std::size_t id = 0, col = header.size();
        for (std::size_t k = 0; k < header.size(); ++k) {
            if (header[k] == "id") id = k;
            if (header[k] == name) col = k;
        }
        REQUIRE(col < header.size());
        std::map<std::string, double> out;
        while (std::getline(in, line)) {
            const auto f = split(line);
            out[f[id]] = std::stod(f[col]);
        }
        return out;
    };
    const auto screened = column(hits, "pred_arom"), predicted = column(preds, "aromatase");
    REQUIRE(screened.size() == 3);
    for (const auto& [id, p] : predicted) {
        INFO(id);
        CHECK(screened.at(id) == Approx(p).margin(5.01e-5));  // hits.csv: 4 decimals
    }
}
