// plmkit screen with a trained model of several targets as the score.
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
using plmkit::test::train_model;
using plmkit::test::write_file;

namespace {

/// A model with two targets whose names have a '-' (as Tox21's NR-AR).
const std::string& two_target_model() {
    static const std::string dir = [] {
        std::istringstream esol(read_file(shared_path("data/esol/delaney-processed.csv")));
        std::string line, data = "smiles,y-a,y-b\n";
        std::getline(esol, line);
        for (int i = 0; i < 60 && std::getline(esol, line); ++i) {
            auto f = split_fields(line, ',');
            data += f.back() + "," + f[8] + "," + f[3] + "\n";
        }
        const std::string csv = temp_path("cli_screen_two.csv");
        write_file(csv, data);
        return train_model(
            "cli_screen_two_model",
            {"--data", csv, "--target-col", "y-a", "--target-col", "y-b", "--featurizer", "basic",
             "--head", "forest", "--trees", "10", "--threads", "1"});
    }();
    return dir;
}

}  // namespace

TEST_CASE("cli screen: without an expression, a model of several targets scores by its first",
          "[cli][screen]") {
    const std::string lib = temp_path("cli_screen_two_lib.csv");
    write_file(lib, "smiles,id\nCCO,ethanol\nc1ccccc1O,phenol\nCCCCCCCCO,octanol\n");
    const std::string yaml = temp_path("cli_screen_two.yaml");
    const std::string hits = temp_path("cli_screen_two_hits.csv");
    write_file(yaml, "score:\n  models:\n    - {name: two, model: " + two_target_model() + "}\n");
    auto r = run_plmkit(
        {"screen", "-i", lib, "-c", yaml, "-o", hits, "--threads", "1", "--no-progress"});
    REQUIRE(r.exit_code == 0);
    std::istringstream in(read_file(hits));
    std::string line;
    std::getline(in, line);
    auto header = split_fields(line, ',');
    // '-' in a target name becomes '_' in the column name.
    auto col = [&](const std::string& name) {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return static_cast<int>(i);
        return -1;
    };
    REQUIRE(col("pred_two_y_a") >= 0);
    REQUIRE(col("pred_two_y_b") >= 0);
    int rows = 0;
    while (std::getline(in, line)) {
        auto f = split_fields(line, ',');
        CHECK(std::stod(f[col("score")]) == Approx(std::stod(f[col("pred_two_y_a")])).margin(1e-4));
        ++rows;
    }
    CHECK(rows == 3);
    auto summary =
        nlohmann::json::parse(read_file(hits.substr(0, hits.size() - 4) + ".summary.json"));
    CHECK(summary["config"]["score"]["expression"] == nlohmann::json{{"pred_two_y_a", 1.0}});

    SECTION("an expression naming the model's bare column is refused, listing the columns") {
        write_file(yaml, "score:\n  models:\n    - {name: two, model: " + two_target_model() +
                             "}\n  expression: {pred_two: 1.0}\n");
        auto e = run_plmkit(
            {"screen", "-i", lib, "-c", yaml, "-o", hits, "--threads", "1", "--no-progress"});
        CHECK(e.exit_code == 2);
        CHECK_THAT(e.err, Catch::Contains("unknown column 'pred_two'"));
        CHECK_THAT(e.err, Catch::Contains("pred_two_y_a"));
    }
}
