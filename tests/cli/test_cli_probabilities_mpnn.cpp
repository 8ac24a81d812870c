// plmkit predict / evaluate --probabilities prior end to end for a D-MPNN
// classifier (--head mpnn, the default --class-weights balanced) on a BBBP
// slice: the stored class balance counted here from the slice, each row's
// prior probability the balanced one with its odds divided by the stored
// weight, the mean over the training rows moved from balanced classes to the
// training positive rate, and the test rows' ROC-AUC (computed here by
// counting pairs) the same under both, as evaluate --split-set test says.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
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

struct Row {
    std::string id;
    int label = 0;
    bool train = false;
};

/// Every 5th BBBP row (BBBP lists most of its negatives first, so a stride
/// keeps its class balance, about 3 positives to 1 negative): id r<i>,
/// smiles, p_np, set (every 4th row test, the others train; no validation
/// rows, so the network keeps its last epoch).
const std::vector<Row>& bbbp_slice(std::string& path) {
    static std::string slice_path;
    static const std::vector<Row> rows = [] {
        std::vector<Row> out;
        slice_path = temp_path("cli_prob_mpnn_bbbp.csv");
        std::ifstream in(shared_path("data/bbbp/BBBP.csv"));
        std::string line;
        std::getline(in, line);  // num,name,p_np,smiles; names may hold quoted commas
        std::string text = "id,smiles,p_np,set\n";
        for (int n = 0; std::getline(in, line); ++n) {
            if (n % 5 != 0) continue;
            const auto last = line.rfind(',');
            const auto before = line.rfind(',', last - 1);
            Row r;
            r.id = "r" + std::to_string(out.size());
            r.label = std::stoi(line.substr(before + 1, last - before - 1));
            r.train = out.size() % 4 != 0;
            text += r.id + "," + line.substr(last + 1) + "," + std::to_string(r.label) + "," +
                    (r.train ? "train" : "test") + "\n";
            out.push_back(r);
        }
        write_file(slice_path, text);
        return out;
    }();
    path = slice_path;
    return rows;
}

/// predict's p_np by id.
std::map<std::string, double> predict(const std::string& model, const std::string& data,
                                      const std::string& probabilities, std::string& err) {
    const std::string out = model + "_" + probabilities + ".csv";
    const auto r = run_plmkit({"predict", "--model", model, "--input", data, "--output", out,
                               "--probabilities", probabilities});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    err = r.err;
    std::istringstream in(read_file(out));
    std::string line;
    std::getline(in, line);
    REQUIRE(line == "id,smiles,p_np");
    std::map<std::string, double> p;
    while (std::getline(in, line))
        p[line.substr(0, line.find(','))] = std::stod(line.substr(line.rfind(',') + 1));
    return p;
}

/// ROC-AUC by counting pairs: the share of (positive, negative) pairs the
/// positive scores higher, ties counting one half.
double pair_roc_auc(const std::vector<double>& pos, const std::vector<double>& neg) {
    double wins = 0;
    for (double a : pos)
        for (double b : neg)
            wins += a > b ? 1.0 : (a == b ? 0.5 : 0.0);
    return wins / (static_cast<double>(pos.size()) * static_cast<double>(neg.size()));
}

nlohmann::json evaluate_test_rows(const std::string& model, const std::string& data,
                                  const std::string& probabilities) {
    const auto r = run_plmkit({"evaluate", "--model", model, "--data", data, "--split-set", "test",
                               "--probabilities", probabilities});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out).at("metrics").at("p_np");
}

}  // namespace

TEST_CASE("cli predict/evaluate --probabilities prior: a D-MPNN classifier on BBBP",
          "[cli][probabilities][mpnn]") {
    std::string data;
    const auto& rows = bbbp_slice(data);
    const std::string model = temp_path("cli_prob_mpnn_model");
    std::filesystem::remove_all(model);
    const auto t = run_plmkit({"train",
                               "--data",
                               data,
                               "--target-col",
                               "p_np",
                               "--task",
                               "classification",
                               "--featurizer",
                               "basic",
                               "--head",
                               "mpnn",
                               "--mpnn-hidden",
                               "32",
                               "--mpnn-ffn",
                               "32",
                               "--mpnn-depth",
                               "2",
                               "--mpnn-epochs",
                               "10",
                               "--split",
                               "column:set",
                               "--threads",
                               "1",
                               "--output",
                               model});
    INFO(t.err);
    REQUIRE(t.exit_code == 0);

    // The rows RDKit cannot parse (two valence errors in this slice) are in
    // the rejects; every other row is counted here.
    std::set<std::string> rejected;
    {
        std::istringstream in(read_file(model + "/rejects.tsv"));
        std::string line;
        std::getline(in, line);  // index, id, smiles, reason
        while (std::getline(in, line)) {
            const auto tab = line.find('\t');
            rejected.insert(line.substr(tab + 1, line.find('\t', tab + 1) - tab - 1));
        }
    }
    CHECK(rejected.size() == 2);
    int train_rows = 0, train_positives = 0;
    for (const auto& r : rows) {
        if (!r.train || rejected.count(r.id)) continue;
        ++train_rows;
        train_positives += r.label;
    }
    const double rate = train_positives / static_cast<double>(train_rows);
    const double weight = (train_rows - train_positives) / static_cast<double>(train_positives);
    CAPTURE(train_rows, train_positives, rate, weight);
    REQUIRE(rate > 0.6);  // the slice keeps BBBP's balance: w < 1, prior raises the outputs
    const auto prior = nlohmann::json::parse(read_file(model + "/config.json")).at("class_prior");
    CHECK(prior.at("weighted_parts") == nlohmann::json({"mpnn"}));
    CHECK(prior.at("labelled_rows") == nlohmann::json({train_rows}));
    CHECK(prior.at("positive_rate")[0].get<double>() == Approx(rate).epsilon(1e-12));
    CHECK(prior.at("positive_weight")[0].get<double>() == Approx(weight).epsilon(1e-6));

    std::string err;
    const auto balanced = predict(model, data, "as-trained", err);
    const auto corrected = predict(model, data, "prior", err);
    CHECK_THAT(err, Catch::Contains("prior probabilities: the mpnn part corrected from balanced "
                                    "classes to the training rows' positive rate"));
    REQUIRE(balanced.size() == rows.size() - rejected.size());
    REQUIRE(corrected.size() == balanced.size());
    double sum_balanced = 0, sum_prior = 0;
    std::vector<double> pos_b, neg_b, pos_p, neg_p;
    for (const auto& r : rows) {
        if (rejected.count(r.id)) continue;
        INFO("row " << r.id);
        const double b = balanced.at(r.id), p = corrected.at(r.id);
        // One network: its odds divided by the weight of the positives.
        CHECK(p == Approx(b / (b + weight * (1 - b))).epsilon(1e-5).margin(1e-9));
        if (r.train) {
            sum_balanced += b;
            sum_prior += p;
        } else {
            (r.label ? pos_b : neg_b).push_back(b);
            (r.label ? pos_p : neg_p).push_back(p);
        }
    }
    const double mean_balanced = sum_balanced / train_rows, mean_prior = sum_prior / train_rows;
    CAPTURE(mean_balanced, mean_prior);
    // Balanced classes pull the training rows' mean towards 0.5, below the
    // positive rate; prior moves it to the rate.
    CHECK(mean_balanced < rate - 0.1);
    CHECK(mean_prior > mean_balanced);
    CHECK(std::fabs(mean_prior - rate) < 0.25 * std::fabs(mean_balanced - rate));

    // The correction is monotone: the test rows rank the same.
    REQUIRE(!pos_b.empty());
    REQUIRE(!neg_b.empty());
    const double auc_balanced = pair_roc_auc(pos_b, neg_b), auc_prior = pair_roc_auc(pos_p, neg_p);
    CHECK(auc_prior == Approx(auc_balanced).epsilon(1e-12));
    const auto e_bal = evaluate_test_rows(model, data, "as-trained");
    const auto e_prior = evaluate_test_rows(model, data, "prior");
    CAPTURE(e_bal.dump(), e_prior.dump());
    CHECK(e_bal.at("n") == pos_b.size() + neg_b.size());
    CHECK(e_bal.at("roc_auc").get<double>() == Approx(auc_balanced).epsilon(1e-9));
    CHECK(e_prior.at("roc_auc").get<double>() == Approx(auc_balanced).epsilon(1e-9));
    CHECK(e_prior.at("pr_auc").get<double>() == Approx(e_bal.at("pr_auc").get<double>()));
}
