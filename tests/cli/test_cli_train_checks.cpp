// plmkit train refuses what it cannot train on, as the user sees it: the
// exit code, a one-line error naming the option, file or target, and no
// LibTorch stack trace.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace {

/// 40 small molecules with a regression target y and a class c.
std::string small_csv() {
    const char* smiles[] = {"CCO",     "CCCO", "CCCCO", "c1ccccc1", "c1ccccc1O",
                            "CC(=O)O", "CCN",  "CCCN",  "CCCCN",    "c1ccncc1"};
    std::string text = "id,smiles,y,c\n";
    for (int i = 0; i < 40; ++i)
        text += "m" + std::to_string(i) + "," + smiles[i % 10] + std::string(i / 10, 'C') + "," +
                std::to_string(0.1 * i) + "," + (i % 3 ? "1" : "0") + "\n";
    const std::string path = temp_path("cli_checks.csv");
    write_file(path, text);
    return path;
}

std::vector<std::string> train(const std::string& data, const std::string& out,
                               std::vector<std::string> extra) {
    std::vector<std::string> args = {"train",  "--data",  data, "--featurizer", "basic", "--head",
                                     "forest", "--trees", "5",  "--output",     out};
    if (std::find(extra.begin(), extra.end(), "--threads") == extra.end())
        args.insert(args.end(), {"--threads", "1"});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace

TEST_CASE("cli train: option values out of range are usage errors, not stack traces",
          "[cli][train_checks]") {
    const std::string data = small_csv(), out = temp_path("cli_checks_opts");
    const std::vector<std::vector<std::string>> bad = {
        {"--dropout", "1.5"},   {"--dropout", "1.0"},     {"--dropout", "-0.5"},
        {"--morgan-size", "0"}, {"--weight-decay", "-1"}, {"--patience", "-1"},
        {"--threads", "-1"},    {"--max-tokens", "0"},    {"--morgan-radius", "50"}};
    for (const auto& flag : bad) {
        INFO(flag[0] << " " << flag[1]);
        auto extra = flag;
        extra.insert(extra.end(), {"--target-col", "y"});
        auto r = run_plmkit(train(data, out, extra));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: " + flag[0] + " must be"));
        CHECK_THAT(r.err, !Catch::Contains("frame #"));
    }
    {
        // 0 trained to the end, as if the option were not given.
        auto r = run_plmkit(train(data, out, {"--target-col", "y", "--stop-after-epochs", "0"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--stop-after-epochs") &&
                              Catch::Contains("expected an integer >= 1, got 0"));
    }
    for (const char* flag : {"--seed", "--max-tokens", "--truncate"}) {
        INFO(flag);  // unsigned: CLI11 alone would wrap -1 to a huge number
        auto r = run_plmkit(train(data, out, {"--target-col", "y", flag, "-1"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(flag) && Catch::Contains("-1"));
    }
    auto r = run_plmkit(train(data, out, {"--target-col", "y", "--target-col", "y"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--target-col 'y' is given twice"));
    CHECK_FALSE(plmkit::test::file_exists(out));
}

TEST_CASE("cli train: --split column: and file: without a name are usage errors",
          "[cli][train_checks]") {
    const std::string out = temp_path("cli_checks_split_empty");
    // A header whose last column has no name: 'column:' must not match it.
    const std::string blank = temp_path("cli_checks_blank_name.csv");
    write_file(blank, "id,smiles,y,\na,CCO,1,train\nb,CCC,2,train\nc,CCN,3,test\n");
    for (const std::string& data : {small_csv(), blank}) {
        INFO(data);
        auto r = run_plmkit(train(data, out, {"--target-col", "y", "--split", "column:"}));
        CHECK(r.exit_code == 2);  // was a segmentation fault (139)
        CHECK_THAT(r.err, Catch::Contains("--split column: needs a column name"));
    }
    auto r = run_plmkit(train(small_csv(), out, {"--target-col", "y", "--split", "file:"}));
    CHECK(r.exit_code == 2);  // was exit 4 "cannot open ''"
    CHECK_THAT(r.err, Catch::Contains("--split file: needs a path"));
    CHECK_FALSE(plmkit::test::file_exists(out));
}

TEST_CASE("cli train --split PATH: a hint to write file:PATH", "[cli][train_checks]") {
    const std::string out = temp_path("cli_checks_split_path");
    const std::string split = temp_path("cli_checks_split_path.csv");
    write_file(split, "row_index,split\n0,train\n");
    auto r = run_plmkit(train(small_csv(), out, {"--target-col", "y", "--split", split}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--split must be random, scaffold, column:NAME or "
                                      "file:PATH, got '" +
                                      split + "'; did you mean --split file:" + split + "?"));
    // No hint for a path that is not there.
    r = run_plmkit(train(small_csv(), out, {"--target-col", "y", "--split", split + ".nope"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--split must be random"));
    CHECK_THAT(r.err, !Catch::Contains("did you mean"));
    CHECK_FALSE(plmkit::test::file_exists(out));
}

TEST_CASE("cli train: rows a split column leaves out are counted in the summary",
          "[cli][train_checks]") {
    // small_csv() with a set column: rows 0-27 train, 28-33 valid, 34-36
    // test, and 37, 38, 39 left out (none, exclude, invalid).
    std::istringstream in(read_file(small_csv()));
    std::string text, line;
    std::getline(in, line);
    text = line + ",set\n";
    const char* out_names[] = {"none", "EXCLUDE", "invalid"};
    for (int i = 0; std::getline(in, line); ++i)
        text += line + "," +
                (i < 28   ? "train"
                 : i < 34 ? "valid"
                 : i < 37 ? "test"
                          : out_names[i - 37]) +
                "\n";
    const std::string data = temp_path("cli_checks_left_out.csv");
    write_file(data, text);
    const std::string out = temp_path("cli_checks_left_out");
    auto r = run_plmkit(train(data, out, {"--target-col", "y", "--split", "column:set"}));
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("train: 40 rows, 0 rejected; split column:set: 28 train, 6 "
                                      "valid, 3 test, 3 left out by the split; "));
    auto m = nlohmann::json::parse(read_file(out + "/metrics.json"));
    CHECK(m["counts"] ==
          nlohmann::json({{"train", 28}, {"valid", 6}, {"test", 3}, {"left_out", 3}}));
}

TEST_CASE("cli train: a --split-sizes share that rounds to no row is warned about",
          "[cli][train_checks]") {
    const std::string data = small_csv();  // 40 rows
    // valid: floor(0.99 * 40) - floor(0.98 * 40) = 39 - 39 = 0 rows.
    auto r = run_plmkit(train(data, temp_path("cli_checks_sizes_valid"),
                              {"--target-col", "y", "--split-sizes", "0.98,0.01,0.01"}));
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("39 train, 0 valid, 1 test"));
    CHECK_THAT(r.err, Catch::Contains("warning: train: --split-sizes gives valid 0.01 of 40 rows, "
                                      "which the random split rounds to 0 rows: there is no "
                                      "valid set"));
    // test: 40 - floor(1.0 * 40) = 0 rows (the sum is 1 within 1e-6).
    r = run_plmkit(train(data, temp_path("cli_checks_sizes_test"),
                         {"--target-col", "y", "--split-sizes", "0.9,0.1,0.0000005"}));
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("36 train, 4 valid, 0 test"));
    CHECK_THAT(r.err, Catch::Contains("--split-sizes gives test 5e-07 of 40 rows, which the "
                                      "random split rounds to 0 rows: there is no test set (no "
                                      "test metrics)"));
    // A share of 0 asked for is not warned about.
    r = run_plmkit(train(data, temp_path("cli_checks_sizes_zero"),
                         {"--target-col", "y", "--split-sizes", "0.9,0.1,0"}));
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, !Catch::Contains("--split-sizes gives"));
}

TEST_CASE("cli train: a single-class target and a short split file are input errors",
          "[cli][train_checks]") {
    const std::string data = small_csv(), out = temp_path("cli_checks_data");
    SECTION("one class") {
        const std::string one = temp_path("cli_one_class.csv");
        std::string text = read_file(data);
        for (std::size_t p = text.find(",0\n"); p != std::string::npos; p = text.find(",0\n"))
            text.replace(p, 3, ",1\n");
        write_file(one, text);
        auto r = run_plmkit(train(one, out, {"--target-col", "c", "--task", "classification"}));
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("target 'c' has only class 1 among the"));
    }
    SECTION("a split file that misses rows") {
        const std::string split = temp_path("cli_split_short.csv");
        std::string text = "row_index,split\n";
        for (int i = 0; i < 30; ++i)
            text += std::to_string(i) + (i < 24 ? ",train\n" : ",test\n");
        write_file(split, text);
        auto r = run_plmkit(train(data, out, {"--target-col", "y", "--split", "file:" + split}));
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("data rows 30..39 have no entry in split file"));
    }
    CHECK_FALSE(plmkit::test::file_exists(out + "/checkpoints"));
}

TEST_CASE("cli train: --resume after the data file changed is refused", "[cli][train_checks]") {
    const std::string data = temp_path("cli_resume.csv"), out = temp_path("cli_checks_resume");
    write_file(data, read_file(small_csv()));
    std::vector<std::string> args = {"train", "--data",   data, "--target-col", "y", "--featurizer",
                                     "basic", "--hidden", "16", "--epochs",     "4", "--threads",
                                     "1",     "--output", out};
    auto first = args;
    first.insert(first.end(), {"--stop-after-epochs", "1"});
    REQUIRE(run_plmkit(first).exit_code == 0);
    std::string text = read_file(data);
    text.replace(text.find("m0,"), 3, "m9,");
    write_file(data, text);
    auto resume = args;
    resume.push_back("--resume");
    auto r = run_plmkit(resume);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--data '" + data + "' changed since the interrupted run"));
    CHECK_FALSE(plmkit::test::file_exists(out + "/config.json"));
    // Starting again (without --resume) in the same directory is fine.
    CHECK(run_plmkit(args).exit_code == 0);
    CHECK(plmkit::test::file_exists(out + "/config.json"));
}

namespace {

/// small_csv() with a split column `set` (train for the first 32 rows, test
/// for the rest) and a column `v` holding `flag(i)` for row i.
std::string with_flags(const std::string& name, const std::function<std::string(int)>& flag) {
    std::istringstream in(read_file(small_csv()));
    std::string line, text;
    std::getline(in, line);
    text = line + ",set,v\n";
    for (int i = 0; std::getline(in, line); ++i)
        text += line + (i < 32 ? ",train," : ",test,") + flag(i) + "\n";
    const std::string path = temp_path(name);
    write_file(path, text);
    return path;
}

/// The number of rows of split.csv in `set`.
int count_set(const std::string& model, const std::string& set) {
    std::istringstream in(read_file(model + "/split.csv"));
    int n = 0;
    for (std::string line; std::getline(in, line);)
        n += line.size() > set.size() &&
             line.compare(line.size() - set.size() - 1, set.size() + 1, "," + set) == 0;
    return n;
}

}  // namespace

TEST_CASE("cli train: --valid-col takes true/false spellings and refuses anything else",
          "[cli][train_checks]") {
    SECTION("the documented spellings, any case; blank is false") {
        const char* yes[] = {"true", "TRUE", "1", "Yes"};
        const char* no[] = {"false", "No", "0", "", "FALSE"};
        // Rows 0..7 flagged true in some spelling, the other train rows false.
        const std::string data = with_flags(
            "cli_valid_ok.csv", [&](int i) { return std::string(i < 8 ? yes[i % 4] : no[i % 5]); });
        const std::string out = temp_path("cli_valid_ok");
        auto r = run_plmkit(
            train(data, out, {"--target-col", "y", "--split", "column:set", "--valid-col", "v"}));
        REQUIRE(r.exit_code == 0);
        CHECK(count_set(out, "valid") == 8);
        CHECK(count_set(out, "train") == 24);
        CHECK(count_set(out, "test") == 8);
    }
    SECTION("missing-value spellings count as blank (not validation)") {
        const char* yes[] = {"true", "TRUE", "1", "Yes"};
        const char* missing[] = {"NA", "nan", "null", "None", "#N/A", "N/A"};
        const std::string data = with_flags("cli_valid_na.csv", [&](int i) {
            return std::string(i < 8 ? yes[i % 4] : missing[i % 6]);
        });
        const std::string out = temp_path("cli_valid_na");
        auto r = run_plmkit(
            train(data, out, {"--target-col", "y", "--split", "column:set", "--valid-col", "v"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(count_set(out, "valid") == 8);
        CHECK(count_set(out, "train") == 24);
    }
    for (const std::string bad : {"maybe", "T", "1.0"}) {
        DYNAMIC_SECTION("'" << bad << "'") {
            // Row 5 (file line 7) holds the bad value.
            const std::string data = with_flags("cli_valid_bad.csv", [&](int i) {
                return i == 5 ? bad : std::string(i < 3 ? "True" : "");
            });
            const std::string out = temp_path("cli_valid_bad");
            auto r = run_plmkit(train(
                data, out, {"--target-col", "y", "--split", "column:set", "--valid-col", "v"}));
            CHECK(r.exit_code == 3);
            CHECK_THAT(r.err, Catch::Contains(data + ": line 7 (id 'm5'): --valid-col 'v' holds '" +
                                              bad + "'; expected true/false, 1/0, yes/no"));
            CHECK_FALSE(plmkit::test::file_exists(out + "/checkpoints"));
        }
    }
}

TEST_CASE("cli train: classification targets are binary; class codes are refused up front",
          "[cli][train_checks]") {
    const std::string out = temp_path("cli_multiclass");
    SECTION("integer class codes") {
        // Classes 0..10 like a label-encoded multi-class column.
        const std::string data =
            with_flags("cli_classes.csv", [](int i) { return std::to_string(i % 11); });
        auto r = run_plmkit(train(data, out, {"--target-col", "v", "--task", "classification"}));
        CHECK(r.exit_code == 3);
        // Rows 0 and 1 hold 0 and 1; row 2 (file line 4) holds the first other code.
        CHECK_THAT(r.err, Catch::Contains(data + ": line 4 (id 'm2'): classification target 'v' "
                                                 "holds '2'; classification is binary per "
                                                 "target (0 or 1)"));
        CHECK_THAT(r.err, Catch::Contains("for multi-class labels use --task multiclass (one "
                                          "column of class labels), or make one 0/1 column per "
                                          "class (one-vs-rest)"));
        CHECK_FALSE(plmkit::test::file_exists(out + "/checkpoints"));
    }
    SECTION("-1 as the negative class") {
        const std::string data =
            with_flags("cli_minus1.csv", [](int i) { return i % 2 ? "1" : "-1"; });
        auto r = run_plmkit(train(data, out, {"--target-col", "v", "--task", "classification"}));
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err,
                   Catch::Contains("line 2 (id 'm0'): classification target 'v' holds '-1'"));
    }
    SECTION("class names") {
        const char* names[] = {"Nucleus", "Cytoplasm", "Membrane"};
        const std::string data =
            with_flags("cli_names.csv", [&](int i) { return std::string(names[i % 3]); });
        auto r = run_plmkit(train(data, out, {"--target-col", "v", "--task", "classification"}));
        CHECK(r.exit_code == 3);
        // Three rows' reasons, then the hint they share, once.
        CHECK_THAT(r.err, Catch::Contains("row 0: target 'v' is not a number: 'Nucleus'; row 1: "
                                          "target 'v' is not a number: 'Cytoplasm'; row 2: "));
        CHECK_THAT(r.err, Catch::Contains("'Membrane'; classification is binary per target (0 or "
                                          "1): for multi-class labels use --task multiclass"));
    }
    SECTION("missing labels are rejected as before, 0/1 labels train") {
        // Every 4th label blank: with a single target those rows have no
        // label at all and go to rejects.tsv.
        const std::string data = with_flags("cli_binary.csv", [](int i) {
            return i % 4 == 3 ? "" : i % 2 ? "1" : "0.0";
        });
        auto r = run_plmkit(train(data, out, {"--target-col", "v", "--task", "classification"}));
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("40 rows, 10 rejected"));
        CHECK_THAT(read_file(out + "/rejects.tsv"), Catch::Contains("\tno target value"));
    }
}

TEST_CASE("cli train: no validation rows is said once; the last epoch is kept",
          "[cli][train_checks]") {
    // The split column has train and test rows only, and no --valid-col.
    const std::string data = with_flags("cli_no_valid.csv", [](int) { return ""; });
    const std::string out = temp_path("cli_no_valid");
    auto r = run_plmkit({"train", "--data", data, "--target-col", "y", "--featurizer", "basic",
                         "--hidden", "8", "--epochs", "4", "--patience", "1", "--split",
                         "column:set", "--threads", "1", "--output", out});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("warning: train: no validation rows (split column:set "
                                      "without --valid-col): early stopping and best-epoch "
                                      "selection are off"));
    CHECK_THAT(r.err, Catch::Contains("model epoch 4/4: train loss "));
    CHECK_THAT(r.err, Catch::Contains("no validation rows (keeping the last epoch)"));
    CHECK_THAT(r.err, !Catch::Contains("nan"));
    CHECK_THAT(r.err, !Catch::Contains("inf"));
    auto metrics = nlohmann::json::parse(read_file(out + "/metrics.json"));
    CHECK(metrics["members"][0]["epochs"] == 4);  // --patience 1 could not stop it
    CHECK(metrics["members"][0]["best_epoch"] == 4);
    CHECK_FALSE(metrics.contains("valid"));
}

TEST_CASE("cli train: the epoch line's val rmse is in target units, as metrics.json's",
          "[cli][train_checks]") {
    // y spans 0..3.9 (std about 1.15), scaled by 100: standardized and target
    // units differ a hundredfold.
    std::istringstream in(read_file(small_csv()));
    std::string line, text;
    std::getline(in, line);
    text = line + "\n";
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::istringstream cells(line);
        for (std::string c; std::getline(cells, c, ',');)
            f.push_back(c);
        text += f[0] + "," + f[1] + "," + std::to_string(100 * std::stod(f[2])) + "," + f[3] + "\n";
    }
    const std::string data = temp_path("cli_units.csv"), out = temp_path("cli_units");
    write_file(data, text);
    // One epoch: the model kept is that epoch's, so metrics.json's valid
    // RMSE (from the saved model) is the RMSE the epoch line reports.
    auto r = run_plmkit({"train", "--data", data, "--target-col", "y", "--featurizer", "basic",
                         "--hidden", "8", "--epochs", "1", "--split-sizes", "0.6,0.4,0",
                         "--threads", "1", "--output", out});
    REQUIRE(r.exit_code == 0);
    const auto at = r.err.find("val rmse ");
    REQUIRE(at != std::string::npos);
    const double shown = std::stod(r.err.substr(at + 9));
    auto metrics = nlohmann::json::parse(read_file(out + "/metrics.json"));
    const double rmse = metrics["valid"]["mean"]["rmse"].get<double>();
    CHECK(rmse > 10);  // target units
    CHECK(shown == Approx(rmse).margin(1e-4));
}

TEST_CASE("cli train: classification labels true/false and yes/no (any case) read as 1/0",
          "[cli][train_checks]") {
    // The --valid-col spellings; they used to be refused with the
    // multi-class hint ("make one 0/1 column per class"), which does not apply.
    const char* labels[] = {"true", "False", "YES", "no", "TRUE", "false", "Yes", "NO"};
    const std::string data =
        with_flags("cli_bool_labels.csv", [&](int i) { return std::string(labels[i % 8]); });
    const std::string out = temp_path("cli_bool_labels");
    auto r = run_plmkit(train(data, out, {"--target-col", "v", "--task", "classification"}));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(read_file(out + "/rejects.tsv").find("not a number") == std::string::npos);
}

TEST_CASE("cli train: after --resume, metrics.json's seconds include the interrupted run",
          "[cli][train_checks][resume]") {
    // "seconds" counted only the resumed process.
    const std::string data = small_csv(), out = temp_path("cli_checks_seconds");
    std::vector<std::string> args = {"train", "--data",   data, "--target-col", "y", "--featurizer",
                                     "basic", "--hidden", "16", "--epochs",     "3", "--threads",
                                     "1",     "--output", out};
    auto first = args;
    first.insert(first.end(), {"--stop-after-epochs", "1"});
    auto r = run_plmkit(first);
    REQUIRE(r.exit_code == 0);
    // The first part's seconds: in its log line and in the checkpoints.
    const std::string elapsed = out + "/checkpoints/elapsed.json";
    REQUIRE(plmkit::test::file_exists(elapsed));
    const double part = nlohmann::json::parse(read_file(elapsed))["seconds"].get<double>();
    CHECK(part > 0);
    char shown[32];
    std::snprintf(shown, sizeof shown, "%.1f", part);
    CHECK_THAT(r.err, Catch::Contains("stopped after 1 epoch as asked (" + std::string(shown) +
                                      " s of training so far)"));
    // A second part adds to it.
    auto resume = args;
    resume.push_back("--resume");
    auto second = resume;
    second.insert(second.end(), {"--stop-after-epochs", "1"});
    REQUIRE(run_plmkit(second).exit_code == 0);
    const double parts = nlohmann::json::parse(read_file(elapsed))["seconds"].get<double>();
    CHECK(parts > part);
    // Earlier parts of 1000 s (a long interrupted job): the resumed run's
    // figure includes them.
    write_file(elapsed, nlohmann::json{{"seconds", 1000.0 + parts}}.dump());
    r = run_plmkit(resume);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto metrics = nlohmann::json::parse(read_file(out + "/metrics.json"));
    CHECK(metrics["seconds"].get<double>() >= 1000.0 + parts);
    CHECK(metrics["seconds"].get<double>() < 1000.0 + parts + 60);
    CHECK_THAT(r.err, Catch::Contains(" in 100"));  // "model written to ... in 1000 s"
    CHECK_FALSE(plmkit::test::file_exists(out + "/checkpoints"));
}
