// plmkit train --task multiclass with several --target-col, fine-tuned and
// resumed (the cases test_cli_train_multiclass_multi.cpp leaves out):
// - a fine-tuned ESM-2 (--finetune last:1, the random tiny fixture: the
//   pipeline runs, the accuracy means nothing) under one softmax per target,
//   on DeepLoc's `location` and `membrane` columns: predict's columns per
//   target, evaluate's per-target metrics equal to train's metrics.json and
//   to the accuracy counted here from predict's output;
// - a run stopped after some epochs (--stop-after-epochs) and resumed
//   (--resume) gives the uninterrupted run's model.safetensors byte for
//   byte, for a fine-tuned ESM-2, a SMILES encoder trained from scratch, and
//   an MLP + D-MPNN head on fixed features; a resume that swaps the targets
//   is refused.
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::split_fields;
using plmkit::test::temp_path;
using plmkit::test::write_file;
namespace fs = std::filesystem;

namespace {

/// A DeepLoc slice (../shared/data/deeploc/deeploc_localization.csv:
/// protein_id,location,membrane,split,source_file,length,sequence) as
/// protein_id,location,membrane,set,sequence: for Nucleus, Cytoplasm and
/// Cell.membrane the first 8 rows of its val set as train and the next 2 as
/// valid, the first 3 of its test set as test; `membrane` (M, S or U)
/// blanked on every fifth row; sequences cut to their first 40 residues.
/// `labels[id]` holds a test row's {location, membrane}.
struct Slice {
    std::string all, test;
    std::map<std::string, std::vector<std::string>> labels;
};
const Slice& deeploc_two() {
    static const Slice slice = [] {
        std::istringstream in(read_file(shared_path("data/deeploc/deeploc_localization.csv")));
        std::string line;
        std::getline(in, line);
        std::map<std::string, int> val, test;
        const std::string header = "protein_id,location,membrane,set,sequence\n";
        Slice s;
        std::string all = header, test_rows = header;
        for (int n = 0; std::getline(in, line);) {
            const auto f = split_fields(line, ',');
            const std::string &loc = f[1], &set = f[3], seq = f[6].substr(0, 40);
            if (loc != "Nucleus" && loc != "Cytoplasm" && loc != "Cell.membrane") continue;
            std::string as;
            if (set == "val" && val[loc] < 10) as = val[loc]++ < 8 ? "train" : "valid";
            if (set == "test" && test[loc] < 3) as = "test", ++test[loc];
            if (as.empty()) continue;
            const std::string membrane = n++ % 5 == 2 ? "" : f[2];
            const std::string row = f[0] + "," + loc + "," + membrane + "," + as + "," + seq + "\n";
            all += row;
            if (as != "test") continue;
            test_rows += row;
            s.labels[f[0]] = {loc, membrane};
        }
        s.all = temp_path("mc2r_deeploc.csv");
        s.test = temp_path("mc2r_deeploc_test.csv");
        write_file(s.all, all);
        write_file(s.test, test_rows);
        return s;
    }();
    return slice;
}

/// The first 150 rows of ESOL as id,smiles,sol,mw,split: log-solubility in
/// three bands (low < -4 <= mid < -2 <= high), molecular weight in three
/// (light < 200 <= mid < 300 <= heavy); `sol` blank when i % 11 == 3, `mw`
/// when i % 13 == 4; row i to test when i % 5 == 0, valid when i % 10 == 1.
std::string esol_two() {
    static const std::string path = [] {
        std::istringstream in(read_file(shared_path("data/esol/delaney-processed.csv")));
        std::string line, text = "id,smiles,sol,mw,split\n";
        std::getline(in, line);
        for (int i = 0; i < 150 && std::getline(in, line); ++i) {
            const auto f = split_fields(line, ',');
            // Counted from the end: some compound names hold quoted commas.
            const double logs = std::stod(f[f.size() - 2]), mw = std::stod(f[f.size() - 7]);
            std::string sol = logs < -4 ? "low" : (logs < -2 ? "mid" : "high");
            std::string weight = mw < 200 ? "light" : (mw < 300 ? "mid" : "heavy");
            if (i % 11 == 3) sol.clear();
            if (i % 13 == 4) weight.clear();
            std::string smiles = f.back();
            smiles.erase(smiles.find_last_not_of(" \r") + 1);
            const std::string set = i % 5 == 0 ? "test" : (i % 10 == 1 ? "valid" : "train");
            text += "e" + std::to_string(i) + "," + smiles + "," + sol + "," + weight + "," + set +
                    "\n";
        }
        const std::string p = temp_path("mc2r_esol.csv");
        write_file(p, text);
        return p;
    }();
    return path;
}

std::vector<std::string> esm_args(const std::string& out) {
    return {"train",        deeploc_two().all,
            "--target-col", "location",
            "--target-col", "membrane",
            "--task",       "multiclass",
            "--split",      "column:set",
            "--featurizer", "esm",
            "--esm-model",  shared_path("fixtures/esm2_tiny/model"),
            "--finetune",   "last:1",
            "--hidden",     "16",
            "--batch-size", "8",
            "--epochs",     "3",
            "--seed",       "4",
            "--threads",    "1",
            "--output",     out};
}

/// `args` with "--data" put before the data file (kept apart above so that
/// the lists read as option / value pairs).
std::vector<std::string> with_data(std::vector<std::string> args) {
    args.insert(args.begin() + 1, "--data");
    return args;
}

nlohmann::json read_json(const std::string& path) {
    return nlohmann::json::parse(read_file(path));
}

/// Trains `args` without a break into `whole`, and in three runs (stopped
/// after 1 epoch, resumed and stopped after 1 more, resumed to the end) into
/// `parts`; the two model files must be the same bytes.
void check_resume_equals_whole(std::vector<std::string> args, const std::string& whole,
                               const std::string& parts) {
    args = with_data(std::move(args));
    fs::remove_all(whole);
    fs::remove_all(parts);
    args.back() = whole;
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    args.back() = parts;
    auto first = args;
    first.insert(first.end(), {"--stop-after-epochs", "1"});
    auto a = run_plmkit(first);
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    CHECK_THAT(a.err, Catch::Contains("continue with --resume"));
    CHECK_FALSE(file_exists(parts + "/config.json"));
    auto second = first;
    second.push_back("--resume");
    auto b = run_plmkit(second);
    INFO(b.err);
    REQUIRE(b.exit_code == 0);
    CHECK_THAT(b.err, Catch::Contains("resuming after epoch 1"));
    auto last = args;
    last.push_back("--resume");
    auto c = run_plmkit(last);
    INFO(c.err);
    REQUIRE(c.exit_code == 0);
    CHECK_THAT(c.err, Catch::Contains("resuming after epoch 2"));
    CHECK(read_file(parts + "/model.safetensors") == read_file(whole + "/model.safetensors"));
    CHECK(read_file(parts + "/split.csv") == read_file(whole + "/split.csv"));
    CHECK(read_json(parts + "/metrics.json").at("test") ==
          read_json(whole + "/metrics.json").at("test"));
    CHECK(read_json(parts + "/config.json").at("classes") ==
          read_json(whole + "/config.json").at("classes"));
}

const std::vector<std::string> kLocations = {"Cell.membrane", "Cytoplasm", "Nucleus"};

}  // namespace

TEST_CASE("cli train multiclass two targets: a fine-tuned ESM-2 under a softmax per target",
          "[cli][train][multiclass][esm]") {
    const std::string out = temp_path("mc2r_esm_ft");
    fs::remove_all(out);
    auto r = run_plmkit(with_data(esm_args(out)));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("val cross_entropy (mean of 2 targets)"));
    const auto config = read_json(out + "/config.json");
    CHECK(config.at("member_encoders") == true);
    // Each target's classes, from its labelled training rows (byte order).
    CHECK(config.at("classes") ==
          nlohmann::json({{"location", kLocations}, {"membrane", {"M", "S", "U"}}}));
    CHECK(config.at("model").at("output_dim") == 6);

    const std::string preds = temp_path("mc2r_esm_ft_preds.csv");
    auto p = run_plmkit({"predict", "--model", out, "--input", deeploc_two().test, "--output",
                         preds, "--no-progress", "--threads", "1"});
    INFO(p.err);
    REQUIRE(p.exit_code == 0);
    std::istringstream in(read_file(preds));
    std::string line;
    std::getline(in, line);
    CHECK(line ==
          "id,sequence,location,location_prob_Cell.membrane,location_prob_Cytoplasm,"
          "location_prob_Nucleus,membrane,membrane_prob_M,membrane_prob_S,membrane_prob_U");
    // Each target's accuracy over its labelled test rows, counted here.
    int right[2] = {0, 0}, labelled[2] = {0, 0}, rows = 0;
    const std::vector<std::string> classes[2] = {kLocations, {"M", "S", "U"}};
    while (std::getline(in, line)) {
        const auto f = split_fields(line, ',');
        REQUIRE(f.size() == 10);
        ++rows;
        for (std::size_t j = 0, at = 2; j < 2; ++j) {
            const std::string predicted = f[at++];
            double total = 0, best = -1;
            std::string argmax;
            for (const auto& c : classes[j]) {
                const double v = std::stod(f[at++]);
                total += v;
                if (v > best) best = v, argmax = c;
            }
            CHECK(total == Approx(1.0).epsilon(1e-6));
            CHECK(predicted == argmax);
            const std::string& label = deeploc_two().labels.at(f[0])[j];
            if (label.empty()) continue;
            ++labelled[j];
            right[j] += predicted == label ? 1 : 0;
        }
    }
    CHECK(rows == 9);
    const std::string json = temp_path("mc2r_esm_ft_eval.json");
    auto e = run_plmkit({"evaluate", "--model", out, "--data", deeploc_two().test, "--output", json,
                         "--threads", "1"});
    INFO(e.err);
    REQUIRE(e.exit_code == 0);
    const auto metrics = read_json(out + "/metrics.json").at("test");
    const auto scored = read_json(json).at("metrics");
    const char* targets[2] = {"location", "membrane"};
    for (int j = 0; j < 2; ++j) {
        INFO(targets[j]);
        CHECK(scored.at(targets[j]).at("n") == labelled[j]);
        CHECK(scored.at(targets[j]).at("accuracy").get<double>() ==
              Approx(static_cast<double>(right[j]) / labelled[j]));
        for (const char* name : {"n", "accuracy", "macro_f1", "cross_entropy", "roc_auc"})
            CHECK(scored.at(targets[j]).at(name) == metrics.at(targets[j]).at(name));
    }
}

TEST_CASE("cli train multiclass two targets: --resume of a fine-tuned ESM-2 gives the same model",
          "[cli][train][multiclass][esm][resume]") {
    check_resume_equals_whole(esm_args(""), temp_path("mc2r_esm_whole"),
                              temp_path("mc2r_esm_parts"));
}

TEST_CASE("cli train multiclass two targets: --resume of a SMILES encoder trained from scratch",
          "[cli][train][multiclass][resume]") {
    check_resume_equals_whole({"train",        esol_two(),
                               "--target-col", "sol",
                               "--target-col", "mw",
                               "--task",       "multiclass",
                               "--split",      "column:split",
                               "--featurizer", "smiles-lm",
                               "--finetune",   "full",
                               "--lm-hidden",  "32",
                               "--lm-layers",  "1",
                               "--lm-heads",   "2",
                               "--lm-ffn",     "64",
                               "--hidden",     "16",
                               "--batch-size", "32",
                               "--epochs",     "3",
                               "--ensemble",   "2",
                               "--seed",       "6",
                               "--threads",    "1",
                               "--output",     ""},
                              temp_path("mc2r_lm_whole"), temp_path("mc2r_lm_parts"));
}

TEST_CASE("cli train multiclass two targets: --resume of MLPs and D-MPNNs; swapped targets refused",
          "[cli][train][multiclass][mpnn][resume]") {
    const std::vector<std::string> args = {"train",         esol_two(),
                                           "--target-col",  "sol",
                                           "--target-col",  "mw",
                                           "--task",        "multiclass",
                                           "--split",       "column:split",
                                           "--featurizer",  "morgan",
                                           "--head",        "mlp+mpnn",
                                           "--hidden",      "16",
                                           "--epochs",      "2",
                                           "--mpnn-epochs", "2",
                                           "--mpnn-hidden", "16",
                                           "--mpnn-ffn",    "16",
                                           "--seed",        "8",
                                           "--threads",     "1",
                                           "--output",      ""};
    check_resume_equals_whole(args, temp_path("mc2r_mpnn_whole"), temp_path("mc2r_mpnn_parts"));

    // The checkpoints of a run of sol, mw do not resume a run of mw, sol.
    const std::string out = temp_path("mc2r_mpnn_swap");
    fs::remove_all(out);
    auto first = with_data(args);
    first.back() = out;
    first.insert(first.end(), {"--stop-after-epochs", "1"});
    REQUIRE(run_plmkit(first).exit_code == 0);
    auto swapped = with_data(args);
    swapped.back() = out;
    swapped[4] = "mw";
    swapped[6] = "sol";
    swapped.push_back("--resume");
    auto r = run_plmkit(swapped);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("target"));
    CHECK_FALSE(file_exists(out + "/config.json"));
}
