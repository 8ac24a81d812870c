// plmkit train on habits of lab data and batch jobs, as a Chemprop user
// meets them: censored values ('<0.5', '>10') in a regression target are
// rejected with a reason that says what they are, and train warns about
// them once; a run interrupted by a signal says that --resume continues it,
// and the resumed run finishes the model.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::temp_path;
using plmkit::test::write_file;
namespace fs = std::filesystem;

namespace {

/// 40 small molecules with a target y; `special` replaces y on some rows.
std::string lab_csv(const std::string& name,
                    const std::vector<std::pair<int, std::string>>& special) {
    const char* smiles[] = {"CCO",     "CCCO", "CCCCO", "c1ccccc1", "c1ccccc1O",
                            "CC(=O)O", "CCN",  "CCCN",  "CCCCN",    "c1ccncc1"};
    std::string text = "id,smiles,y\n";
    for (int i = 0; i < 40; ++i) {
        std::string y = std::to_string(0.1 * i);
        for (const auto& [row, value] : special)
            if (row == i) y = value;
        text += "m" + std::to_string(i) + "," + smiles[i % 10] + std::string(i / 10, 'C') + "," +
                y + "\n";
    }
    const std::string path = temp_path(name);
    write_file(path, text);
    return path;
}

}  // namespace

TEST_CASE("cli train: censored target values are rejected as such, with one warning",
          "[cli][train][lab_data]") {
    // Data rows 1, 4, 7 and 9 hold bounds (one with U+2265, as some
    // spreadsheets write it); row 12 a unit, which stays "not a number".
    const std::string data =
        lab_csv("lab_censored.csv",
                {{1, "<0.5"}, {4, "> 3"}, {7, ">=2"}, {9, "\u2265 1e1"}, {12, "3.2 uM"}});
    const std::string out = temp_path("lab_censored_model");
    fs::remove_all(out);
    auto r = run_plmkit({"train", "--data", data, "--target-col", "y", "--featurizer", "basic",
                         "--head", "forest", "--trees", "5", "--threads", "1", "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("40 rows, 5 rejected"));
    CHECK_THAT(r.err, Catch::Contains("warning: train: 4 rows have a censored target value (row 1 "
                                      "'<0.5', row 4 '> 3', row 7 '>=2', ...) and are rejected "
                                      "(reasons in '" +
                                      out + "/rejects.tsv')"));
    CHECK_THAT(r.err, Catch::Contains("replace each bound by a number"));
    const std::string rejects = read_file(out + "/rejects.tsv");
    CHECK_THAT(rejects, Catch::Contains("1\tm1\tCCCO\ttarget 'y' is a censored value '<0.5' (a "
                                        "bound, not a measured value)"));
    CHECK_THAT(rejects, Catch::Contains("\ttarget 'y' is a censored value '\u2265 1e1' (a bound"));
    CHECK_THAT(rejects, Catch::Contains("12\tm12\tCCCCOC\ttarget 'y' is not a number: '3.2 uM'"));
    CHECK(nlohmann::json::parse(read_file(out + "/metrics.json")).at("rejected") == 5);

    SECTION("evaluate gives the same reason") {
        const std::string json = temp_path("lab_censored_eval.json");
        const std::string rejected = temp_path("lab_censored_eval.rejects.tsv");
        auto e = run_plmkit(
            {"evaluate", "--model", out, "--data", data, "--output", json, "--rejects", rejected});
        INFO(e.err);
        REQUIRE(e.exit_code == 0);
        CHECK_THAT(read_file(rejected), Catch::Contains("target 'y' is a censored value '> 3'"));
    }
    SECTION("without censored values there is no warning") {
        const std::string plain = lab_csv("lab_plain.csv", {{12, "3.2 uM"}});
        fs::remove_all(out);
        auto p =
            run_plmkit({"train", "--data", plain, "--target-col", "y", "--featurizer", "basic",
                        "--head", "forest", "--trees", "5", "--threads", "1", "--output", out});
        REQUIRE(p.exit_code == 0);
        CHECK_THAT(p.err, !Catch::Contains("censored target value"));
    }
}

TEST_CASE("cli train: an interrupted run says that --resume continues it",
          "[cli][train][lab_data][resume]") {
    const std::string data = lab_csv("lab_interrupt.csv", {});
    const std::string out = temp_path("lab_interrupt_model"), log = out + ".log";
    fs::remove_all(out);
    const std::string args = " train --data " + data +
                             " --target-col y --featurizer basic --hidden 16 --epochs 100000 "
                             "--patience 100000 --threads 1 --output " +
                             out;
    // Interrupted (SIGINT, as Ctrl-C) once the second epoch is done. timeout
    // --foreground passes the signal on once: without it, timeout also sends
    // it to its process group, and a second SIGINT makes plmkit die at once
    // without its message (seen once in a fresh-clone CI run under load).
    const std::string script = "timeout --foreground 300 " + plmkit::test::plmkit_bin() + args +
                               " 2> " + log +
                               " & pid=$!; for i in $(seq 1200); do grep -q \"epoch 2/\" " + log +
                               " && break; sleep 0.1; done; kill -INT $pid; wait $pid; exit $?";
    const int status = std::system(("bash -c '" + script + "'").c_str());
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 130);
    const std::string err = read_file(log);
    CHECK_THAT(err, Catch::Contains("train: interrupted; '" + out +
                                    "/checkpoints' keeps the work done so far: the same command "
                                    "with --resume continues from it"));
    CHECK_THAT(err, Catch::EndsWith("plmkit: error: interrupted\n"));
    REQUIRE(file_exists(out + "/checkpoints/member_0.pt"));
    CHECK_FALSE(file_exists(out + "/config.json"));

    // The same command with --resume goes on from the checkpoint (and stops
    // after one more epoch, as asked).
    auto r = run_plmkit({"train",
                         "--data",
                         data,
                         "--target-col",
                         "y",
                         "--featurizer",
                         "basic",
                         "--hidden",
                         "16",
                         "--epochs",
                         "100000",
                         "--patience",
                         "100000",
                         "--threads",
                         "1",
                         "--output",
                         out,
                         "--resume",
                         "--stop-after-epochs",
                         "1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("model: resuming after epoch "));
    CHECK_THAT(r.err, Catch::Contains("stopped after 1 epoch as asked"));
}

TEST_CASE("cli train: text class labels rejected on every row give the hint once",
          "[cli][train][lab_data]") {
    // 'active' / 'inactive', as an assay export writes them: every row is a
    // reject, and the error quotes three of them.
    std::vector<std::pair<int, std::string>> labels;
    for (int i = 0; i < 40; ++i)
        labels.emplace_back(i, i % 3 ? "active" : "inactive");
    const std::string data = lab_csv("lab_text_labels.csv", labels);
    const std::string out = temp_path("lab_text_labels_model");
    fs::remove_all(out);
    auto r = run_plmkit({"train", "--data", data, "--target-col", "y", "--task", "classification",
                         "--featurizer", "basic", "--head", "forest", "--trees", "5", "--threads",
                         "1", "--output", out});
    INFO(r.err);
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains("no usable rows: all 40 rows rejected, e.g. row 0: target "
                                      "'y' is not a number: 'inactive'; row 1: target 'y' is not "
                                      "a number: 'active'; row 2: target 'y' is not a number: "
                                      "'active'; classification is binary per target (0 or 1): "
                                      "for multi-class labels use --task multiclass"));
    const std::string hint = "classification is binary per target";
    const auto first = r.err.find(hint);
    REQUIRE(first != std::string::npos);
    CHECK(r.err.find(hint, first + 1) == std::string::npos);  // once, not three times
}

TEST_CASE("cli train: a validation or test set of a few rows is warned about",
          "[cli][train][lab_data]") {
    // 40 rows with the default 0.8,0.1,0.1: 4 valid and 4 test rows.
    const std::string data = lab_csv("lab_small_sets.csv", {});
    const std::string out = temp_path("lab_small_sets_model");
    fs::remove_all(out);
    auto r = run_plmkit({"train", "--data", data, "--target-col", "y", "--featurizer", "basic",
                         "--head", "forest", "--trees", "5", "--threads", "1", "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("32 train, 4 valid, 4 test"));
    // A forest has no epochs: its validation metrics are what the rows decide.
    CHECK_THAT(r.err, Catch::Contains("warning: train: the validation set (split random) has "
                                      "only 4 rows: its metrics in metrics.json rest on 4 rows"));
    CHECK_THAT(r.err, Catch::Contains("warning: train: the test set (split random) has only 4 "
                                      "rows: its metrics in metrics.json rest on 4 rows"));

    // An MLP picks its best epoch on those 4 rows.
    const std::string out_mlp = temp_path("lab_small_sets_mlp");
    fs::remove_all(out_mlp);
    r = run_plmkit({"train", "--data", data, "--target-col", "y", "--featurizer", "basic",
                    "--epochs", "2", "--threads", "1", "--output", out_mlp});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("warning: train: the validation set (split random) has "
                                      "only 4 rows: early stopping and the best epoch are "
                                      "chosen on 4 rows"));

    // Shares that give each set 10 rows or more: no such warning.
    const std::string out2 = temp_path("lab_small_sets_model2");
    fs::remove_all(out2);
    r = run_plmkit({"train", "--data", data, "--target-col", "y", "--featurizer", "basic", "--head",
                    "forest", "--trees", "5", "--threads", "1", "--split-sizes", "0.5,0.25,0.25",
                    "--output", out2});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("20 train, 10 valid, 10 test"));
    CHECK_THAT(r.err, !Catch::Contains("has only"));
}
