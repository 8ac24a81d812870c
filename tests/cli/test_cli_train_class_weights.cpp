// plmkit train --class-weights: the default (balanced) and none as the user
// sees them: the log line, config.json, the predictions, the refusals (a bad
// value, a task or head it does nothing for, a --resume that changes it).
#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace {

/// 60 rows in decades: rows 10k..10k+2 are one molecule (phenol with k
/// extra carbons), class c = 1 on the first of them only, and the other 7
/// rows of a decade are other molecules of class 0; y is a regression target.
/// Split column `set`: 50 train rows (5 positives: positive weight 45 / 5 =
/// 9), 10 test, no validation rows (each network keeps its last epoch).
/// The best output for a phenol is 1/3 unweighted and 9 / (9 + 2) = 0.82
/// with balanced weights; for the other molecules 0. So the mean over the
/// rows goes to 18 * (1/3) / 60 = 0.10 (the positive rate) unweighted and
/// to 18 * 0.82 / 60 = 0.25 balanced.
std::string rare_class_csv() {
    const char* smiles[] = {"c1ccccc1O", "c1ccccc1O", "c1ccccc1O", "CCO",  "CCCO",
                            "CCCCO",     "CC(=O)O",   "CCN",       "CCCN", "c1ccncc1"};
    std::string text = "id,smiles,y,c,set\n";
    for (int i = 0; i < 60; ++i)
        text += "m" + std::to_string(i) + "," + smiles[i % 10] + std::string(i / 10, 'C') + "," +
                std::to_string(0.1 * i) + "," + (i % 10 == 0 ? "1" : "0") + "," +
                (i < 50 ? "train" : "test") + "\n";
    const std::string path = temp_path("cli_class_weights.csv");
    write_file(path, text);
    return path;
}

std::vector<std::string> train_args(const std::string& data, const std::string& out,
                                    std::vector<std::string> extra) {
    std::vector<std::string> args = {"train", "--data", data, "--target-col", "c", "--output", out};
    args.insert(args.end(),
                {"--task", "classification", "--featurizer", "basic", "--hidden", "16"});
    args.insert(args.end(), {"--epochs", "100", "--batch-size", "10", "--lr", "3e-3"});
    args.insert(args.end(), {"--split", "column:set", "--threads", "1"});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

nlohmann::json config_of(const std::string& model) {
    return nlohmann::json::parse(read_file(model + "/config.json"));
}

/// The mean of predict's column `c` over `data`'s rows.
double mean_prediction(const std::string& model, const std::string& data) {
    const std::string out = model + "_pred.csv";
    const auto r = run_plmkit({"predict", "--model", model, "--input", data, "--output", out});
    REQUIRE(r.exit_code == 0);
    std::istringstream in(read_file(out));
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header;
    std::istringstream h(line);
    for (std::string f; std::getline(h, f, ',');)
        header.push_back(f);
    const auto col = std::find(header.begin(), header.end(), "c") - header.begin();
    REQUIRE(col < static_cast<long>(header.size()));
    double sum = 0;
    int n = 0;
    while (std::getline(in, line)) {
        std::istringstream row(line);
        std::string f;
        for (long k = 0; k <= col; ++k)
            std::getline(row, f, ',');
        sum += std::stod(f);
        ++n;
    }
    REQUIRE(n == 60);
    return sum / n;
}

}  // namespace

TEST_CASE("cli train: --class-weights none is stored and gives lower, calibrated probabilities",
          "[cli][class_weights]") {
    const std::string data = rare_class_csv();
    const std::string balanced = temp_path("cli_cw_balanced"), none = temp_path("cli_cw_none");
    std::filesystem::remove_all(balanced);
    std::filesystem::remove_all(none);
    auto b = run_plmkit(train_args(data, balanced, {}));
    REQUIRE(b.exit_code == 0);
    CHECK_THAT(b.err, Catch::Contains("--class-weights balanced: positives weighted by "
                                      "negatives / positives of the training rows (c 9)"));
    CHECK_THAT(b.err, Catch::Contains("probabilities under balanced classes"));
    CHECK(config_of(balanced)["training"]["class_weights"] == "balanced");
    auto n = run_plmkit(train_args(data, none, {"--class-weights", "none"}));
    REQUIRE(n.exit_code == 0);
    CHECK_THAT(n.err, Catch::Contains("--class-weights none: unweighted loss"));
    CHECK(config_of(none)["training"]["class_weights"] == "none");
    // rare_class_csv() works out 0.10 and 0.25 at the optimum; 100 epochs
    // get near it (measured: 0.107 and 0.30, the pyridines sharing some of
    // the phenols' output under the basic features).
    const double mean_balanced = mean_prediction(balanced, data);
    const double mean_none = mean_prediction(none, data);
    CAPTURE(mean_balanced, mean_none);
    CHECK(mean_none == Approx(0.10).margin(0.04));
    CHECK(mean_balanced > 0.2);
    // A forest-only model trains no network: nothing to record.
    const std::string forest = temp_path("cli_cw_forest");
    std::filesystem::remove_all(forest);
    REQUIRE(run_plmkit(train_args(data, forest, {"--head", "forest", "--trees", "5"})).exit_code ==
            0);
    CHECK_FALSE(config_of(forest)["training"].contains("class_weights"));
}

TEST_CASE("cli train: --class-weights refuses a bad value and runs it does nothing for",
          "[cli][class_weights]") {
    const std::string data = rare_class_csv(), out = temp_path("cli_cw_refused");
    std::filesystem::remove_all(out);
    auto r = run_plmkit(train_args(data, out, {"--class-weights", "calibrated"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err,
               Catch::Contains("--class-weights must be balanced or none, got 'calibrated'"));
    auto regression = train_args(data, out, {"--class-weights", "none"});
    std::replace(regression.begin(), regression.end(), std::string("classification"),
                 std::string("regression"));
    r = run_plmkit(regression);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--class-weights is used by --task classification, not by "
                                      "--task regression"));
    r = run_plmkit(train_args(data, out, {"--class-weights", "none", "--head", "forest"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--head forest has neither"));
    CHECK_FALSE(plmkit::test::file_exists(out + "/config.json"));
}

TEST_CASE("cli train: --resume with another --class-weights is refused", "[cli][class_weights]") {
    const std::string data = rare_class_csv(), out = temp_path("cli_cw_resume");
    std::filesystem::remove_all(out);  // each SECTION starts a new run
    REQUIRE(run_plmkit(train_args(data, out, {"--stop-after-epochs", "1"})).exit_code == 0);
    auto r = run_plmkit(train_args(data, out, {"--resume", "--class-weights", "none"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--resume: option 'class_weights' was \"balanced\" in the "
                                      "interrupted run, now \"none\""));
    SECTION("checkpoints from before the flag read as balanced") {
        const std::string path = out + "/checkpoints/options.json";
        nlohmann::json options = nlohmann::json::parse(read_file(path));
        REQUIRE(options.erase("class_weights") == 1);
        write_file(path, options.dump());
        r = run_plmkit(train_args(data, out, {"--resume", "--class-weights", "none"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("was \"balanced\""));
        CHECK(run_plmkit(train_args(data, out, {"--resume"})).exit_code == 0);
        CHECK(config_of(out)["training"]["class_weights"] == "balanced");
    }
    SECTION("the same value resumes") {
        CHECK(run_plmkit(train_args(data, out, {"--resume", "--class-weights", "balanced"}))
                  .exit_code == 0);
    }
}
