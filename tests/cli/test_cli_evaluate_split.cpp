// plmkit evaluate --split-set: the held-out rows of a trained model scored
// from the training file, checked against evaluate on a table of just those
// rows cut by awk from the model's split.csv; and the refusals (another
// file, no split.csv, an unknown set, a model without the data file's hash).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::source_path;
using plmkit::test::temp_path;
using plmkit::test::train_model;
using plmkit::test::write_file;

namespace fs = std::filesystem;

namespace {

/// 80 ESOL rows (id, smiles, logS) and one unparsable SMILES after row 40
/// (tests/cli/data/make_esol_slice.py).
const std::string kData = source_path("tests/cli/data/esol_slice.csv");

/// A small forest on the slice, random 80/10/10 split (trained once).
const std::string& model() {
    static const std::string dir =
        train_model("cli_eval_split_model",
                    {"--data", kData, "--target-col", "logS", "--featurizer", "basic", "--head",
                     "forest", "--trees", "10", "--seed", "3", "--threads", "1"});
    return dir;
}

/// The header and the data rows of kData whose split.csv set is in `sets`
/// (a space-separated list), cut by awk: split.csv's row_index is the
/// 0-based data row, so data line FNR holds row FNR - 2.
std::string cut_with_awk(const std::string& split_csv, const std::string& sets,
                         const std::string& name) {
    const std::string out = temp_path(name);
    const std::string cmd = "awk -F, -v sets='" + sets +
                            "' 'BEGIN { n = split(sets, s, \" \"); for (i = 1; i <= n; i++) "
                            "want[s[i]] = 1 } NR == FNR { if (FNR > 1 && ($4 in want)) "
                            "keep[$1] = 1; next } FNR == 1 || ((FNR - 2) in keep)' '" +
                            split_csv + "' '" + kData + "' > '" + out + "'";
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("awk failed: " + cmd);
    return out;
}

std::size_t data_lines(const std::string& path) {
    std::ifstream in(path);
    std::size_t n = 0;
    for (std::string line; std::getline(in, line);)
        ++n;
    return n - 1;
}

plmkit::test::RunResult evaluate(const std::string& model_dir, const std::string& data,
                                 std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"evaluate",  "--model", model_dir,  "--data", data,
                                     "--threads", "1",       "--output", "-"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_plmkit(args);
}

/// A copy of the model directory (to damage).
std::string copy_model(const std::string& name) {
    const std::string d = temp_path(name);
    fs::remove_all(d);
    fs::copy(model(), d, fs::copy_options::recursive);
    return d;
}

/// kData with line `line` (1-based) replaced.
std::string data_with_line(const std::string& name, std::size_t line, const std::string& text) {
    std::ifstream in(kData);
    std::string out, l;
    for (std::size_t n = 1; std::getline(in, l); ++n)
        out += (n == line ? text : l) + "\n";
    const std::string path = temp_path(name);
    write_file(path, out);
    return path;
}

/// The number of the first data line (1-based file line) in `set`.
std::size_t first_line_in(const std::string& set) {
    std::ifstream in(model() + "/split.csv");
    std::string l;
    std::getline(in, l);
    while (std::getline(in, l))
        if (l.substr(l.rfind(',') + 1) == set) return std::stoul(l.substr(0, l.find(','))) + 2;
    throw std::runtime_error("no row in set " + set);
}

}  // namespace

TEST_CASE("cli evaluate --split-set: the metrics of the rows cut from split.csv by hand",
          "[cli][evaluate]") {
    for (const std::string sets : {"test", "valid test", "train"}) {
        DYNAMIC_SECTION("sets: " << sets) {
            const std::string cut = cut_with_awk(model() + "/split.csv", sets, "cli_eval_cut.csv");
            const std::size_t rows = data_lines(cut);
            REQUIRE(rows > 0);
            std::string flag = sets;
            std::replace(flag.begin(), flag.end(), ' ', ',');
            auto whole = evaluate(model(), kData, {"--split-set", flag});
            REQUIRE(whole.exit_code == 0);
            auto by_hand = evaluate(model(), cut);
            REQUIRE(by_hand.exit_code == 0);
            const auto a = nlohmann::json::parse(whole.out), b = nlohmann::json::parse(by_hand.out);
            CHECK(a["metrics"] == b["metrics"]);
            CHECK(a["n"] == rows);
            CHECK(a["rejected"] == 0);  // the unparsable row is in no set
            CHECK(a["split"]["rows"] == rows);
            CHECK(a["split"]["file"] == model() + "/split.csv");
            CHECK(a["split"]["data_check"].get<std::string>().find("XXH64") != std::string::npos);
            std::vector<std::string> expected;
            for (std::size_t b0 = 0; b0 < sets.size();) {
                const std::size_t e = sets.find(' ', b0);
                expected.push_back(sets.substr(b0, e == std::string::npos ? e : e - b0));
                b0 = e == std::string::npos ? sets.size() : e + 1;
            }
            CHECK(a["split"]["sets"] == expected);
            // Scoring the training file's held-out rows is what the user
            // asked for: no warning that the data holds the training rows.
            CHECK_THAT(whole.err, !Catch::Contains("trained on"));
        }
    }
    SECTION("the test metrics train wrote in metrics.json") {
        // A forest on RDKit features predicts each row alone: the same values.
        auto r = evaluate(model(), kData, {"--split-set", "test"});
        REQUIRE(r.exit_code == 0);
        const auto trained = nlohmann::json::parse(read_file(model() + "/metrics.json"));
        const auto a = nlohmann::json::parse(r.out);
        CHECK(a["metrics"]["mean"]["rmse"] == trained["test"]["mean"]["rmse"]);
        CHECK(a["n"] == trained["counts"]["test"]);
    }
    SECTION("the docs' names for the sets, any case") {
        auto a = evaluate(model(), kData, {"--split-set", "Validation"});
        REQUIRE(a.exit_code == 0);
        CHECK(nlohmann::json::parse(a.out)["split"]["sets"] == std::vector<std::string>{"valid"});
    }
}

TEST_CASE("cli evaluate --split-set refuses what it cannot match", "[cli][evaluate]") {
    SECTION("another file than the training file") {
        const std::string other =
            data_with_line("cli_eval_split_other.csv", first_line_in("test"), "x,CCO,-0.5");
        auto r = evaluate(model(), other, {"--split-set", "test"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("is not the file the model was trained on"));
        CHECK_THAT(r.err, Catch::Contains("esol_slice.csv"));
        CHECK(r.out.empty());
    }
    SECTION("a model directory without split.csv") {
        const std::string d = copy_model("cli_eval_split_nosplit");
        fs::remove(d + "/split.csv");
        auto r = evaluate(d, kData, {"--split-set", "test"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(d + " has no split.csv"));
    }
    SECTION("an unknown set") {
        auto r = evaluate(model(), kData, {"--split-set", "tset"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--split-set: unknown set 'tset'"));
    }
}

TEST_CASE("cli evaluate --split-set on a model without the data file's hash", "[cli][evaluate]") {
    // Models trained before config.json recorded training.data_file: the
    // rows' ids and SMILES are compared with split.csv instead.
    const std::string d = copy_model("cli_eval_split_old");
    auto cfg = nlohmann::json::parse(read_file(d + "/config.json"));
    cfg["training"].erase("data_file");
    write_file(d + "/config.json", cfg.dump(2));
    SECTION("the training file: the same metrics, and a note") {
        auto r = evaluate(d, kData, {"--split-set", "test"});
        REQUIRE(r.exit_code == 0);
        auto hashed = evaluate(model(), kData, {"--split-set", "test"});
        REQUIRE(hashed.exit_code == 0);
        const auto a = nlohmann::json::parse(r.out);
        CHECK(a["metrics"] == nlohmann::json::parse(hashed.out)["metrics"]);
        CHECK(a["split"]["data_check"].get<std::string>().find("ids and inputs") !=
              std::string::npos);
        CHECK_THAT(r.err, Catch::Contains("checked instead that the"));
    }
    SECTION("a file whose test row differs") {
        const std::size_t line = first_line_in("test");
        std::ifstream in(kData);
        std::string l;
        for (std::size_t n = 1; n <= line; ++n)
            std::getline(in, l);
        const std::string id = l.substr(0, l.find(','));
        const std::string other =
            data_with_line("cli_eval_split_old_other.csv", line, id + ",CCCCO,-0.5");
        auto r = evaluate(d, other, {"--split-set", "test"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("does not look like the file the model was trained on"));
        CHECK_THAT(r.err, Catch::Contains("data row " + std::to_string(line - 2)));
        CHECK_THAT(r.err, Catch::Contains("'CCCCO'"));
    }
    SECTION("a file that ends before the split's rows") {
        const std::string shorter = temp_path("cli_eval_split_short.csv");
        write_file(shorter, "id,smiles,logS\nesol_1,CCO,-0.5\n");
        auto r = evaluate(d, shorter, {"--split-set", "test"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("is past the end of"));
    }
}
