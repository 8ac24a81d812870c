// plmkit train / predict / evaluate with --task multiclass, as the user sees
// them: DeepLoc localisation labels (text) learned directly from their
// column with frozen ESM-2 features (the random tiny fixture model: the
// pipeline runs, the accuracy means nothing), the classes in config.json, a
// label outside the training classes rejected with its reason, predict's
// class and probability columns, evaluate's metrics equal to those
// recomputed by hand from predict's output, and the refusals.
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

/// A slice of DeepLoc (../shared/data/deeploc/deeploc_localization.csv:
/// protein_id,location,membrane,split,source_file,length,sequence): for
/// Nucleus, Cytoplasm and Extracellular the first 8 rows of its val set as
/// train, the next 2 as valid, the first 3 of its test set as test; one
/// Peroxisome test row (a class training never sees); sequences cut to
/// their first 50 residues so that featurizing is cheap.
struct Slice {
    std::string all, test;  ///< the CSV, and its test rows alone
};
const Slice& deeploc_slice() {
    static const Slice slice = [] {
        std::istringstream in(read_file(shared_path("data/deeploc/deeploc_localization.csv")));
        std::string line;
        std::getline(in, line);
        std::map<std::string, int> val, test;
        const std::string header = "protein_id,location,split,sequence\n";
        std::string all = header, test_rows = header;
        while (std::getline(in, line)) {
            const auto f = split_fields(line, ',');
            const std::string &loc = f[1], &set = f[3], seq = f[6].substr(0, 50);
            const bool known = loc == "Nucleus" || loc == "Cytoplasm" || loc == "Extracellular";
            std::string as;
            if (set == "val" && known && val[loc] < 10) as = val[loc]++ < 8 ? "train" : "valid";
            if (set == "test" && ((known && test[loc] < 3) || (loc == "Peroxisome" && !test[loc])))
                as = "test", ++test[loc];
            if (as.empty()) continue;
            const std::string row = f[0] + "," + loc + "," + as + "," + seq + "\n";
            all += row;
            if (as == "test") test_rows += row;
        }
        Slice s{temp_path("mc_deeploc.csv"), temp_path("mc_deeploc_test.csv")};
        write_file(s.all, all);
        write_file(s.test, test_rows);
        return s;
    }();
    return slice;
}

std::vector<std::string> train_args(const std::string& out) {
    return {"train",
            "--data",
            deeploc_slice().all,
            "--featurizer",
            "esm",
            "--esm-model",
            shared_path("fixtures/esm2_tiny/model"),
            "--target-col",
            "location",
            "--task",
            "multiclass",
            "--split",
            "column:split",
            "--hidden",
            "16",
            "--epochs",
            "8",
            "--ensemble",
            "2",
            "--threads",
            "1",
            "--output",
            out};
}

/// The model of the slice (trained once).
const std::string& deeploc_model() {
    static const std::string dir = [] {
        const std::string out = temp_path("mc_deeploc_model");
        fs::remove_all(out);
        auto r = run_plmkit(train_args(out));
        if (r.exit_code != 0) throw std::runtime_error("training the test model failed: " + r.err);
        return out;
    }();
    return dir;
}

nlohmann::json read_json(const std::string& path) {
    return nlohmann::json::parse(read_file(path));
}

const std::vector<std::string> kClasses = {"Cytoplasm", "Extracellular", "Nucleus"};

}  // namespace

TEST_CASE("cli train multiclass: DeepLoc labels train a softmax model; an unseen label is a reject",
          "[cli][train][multiclass][esm]") {
    const std::string& model = deeploc_model();
    const auto config = read_json(model + "/config.json");
    CHECK(config.at("task") == "multiclass");
    CHECK(config.at("classes") == nlohmann::json({{"location", kClasses}}));
    CHECK(config.at("model").at("output_dim") == 3);
    const auto metrics = read_json(model + "/metrics.json");
    CHECK(metrics.at("classes") == nlohmann::json({{"location", kClasses}}));
    CHECK(metrics.at("counts").at("train") == 24);
    CHECK(metrics.at("counts").at("valid") == 6);
    CHECK(metrics.at("counts").at("test") == 9);  // the Peroxisome row is not scored
    CHECK(metrics.at("rejected") == 1);
    for (const char* set : {"valid", "test"}) {
        const auto& m = metrics.at(set).at("location");
        INFO(set << ": " << m.dump());
        for (const char* name : {"accuracy", "macro_f1", "cross_entropy", "roc_auc"})
            CHECK(m.at(name).is_number());
        CHECK(m.at("accuracy").get<double>() >= 0.0);
        CHECK(m.at("accuracy").get<double>() <= 1.0);
        CHECK(m.at("cross_entropy").get<double>() > 0.0);
    }
    const std::string rejects = read_file(model + "/rejects.tsv");
    CHECK_THAT(rejects,
               Catch::Contains("target 'location' has label 'Peroxisome', which is not a class of "
                               "the model (trained on the 3 classes Cytoplasm, Extracellular, "
                               "Nucleus)"));
}

TEST_CASE("cli predict and evaluate multiclass: class and probability columns; metrics agree",
          "[cli][predict][multiclass][esm]") {
    const std::string& model = deeploc_model();
    const std::string preds = temp_path("mc_deeploc_preds.csv");
    auto p = run_plmkit({"predict", "--model", model, "--input", deeploc_slice().test, "--output",
                         preds, "--no-progress", "--threads", "1"});
    INFO(p.err);
    REQUIRE(p.exit_code == 0);
    std::istringstream in(read_file(preds));
    std::string line;
    std::getline(in, line);
    CHECK(line ==
          "id,sequence,location,location_prob_Cytoplasm,location_prob_Cytoplasm_std,"
          "location_prob_Extracellular,location_prob_Extracellular_std,location_prob_Nucleus,"
          "location_prob_Nucleus_std");
    // True labels of the test rows, by id.
    std::map<std::string, std::string> truth;
    {
        std::istringstream t(read_file(deeploc_slice().test));
        std::getline(t, line);
        while (std::getline(t, line)) {
            const auto f = split_fields(line, ',');
            truth[f[0]] = f[1];
        }
    }
    int rows = 0, scored = 0, right = 0;
    double ce = 0;
    while (std::getline(in, line)) {
        const auto f = split_fields(line, ',');
        REQUIRE(f.size() == 9);
        ++rows;
        const double prob[3] = {std::stod(f[3]), std::stod(f[5]), std::stod(f[7])};
        CHECK(prob[0] + prob[1] + prob[2] == Approx(1.0).epsilon(1e-6));
        int best = 0;
        for (int c = 1; c < 3; ++c)
            if (prob[c] > prob[best]) best = c;
        CHECK(f[2] == kClasses[best]);  // the class column is the most probable class
        const auto it = std::find(kClasses.begin(), kClasses.end(), truth.at(f[0]));
        if (it == kClasses.end()) continue;  // Peroxisome: predicted, not scored
        ++scored;
        right += f[2] == truth.at(f[0]) ? 1 : 0;
        ce -= std::log(prob[it - kClasses.begin()]);
    }
    CHECK(rows == 10);  // predict reads no labels: every row is predicted
    REQUIRE(scored == 9);
    const std::string out = temp_path("mc_deeploc_eval.json");
    auto e = run_plmkit({"evaluate", "--model", model, "--data", deeploc_slice().test, "--output",
                         out, "--threads", "1"});
    INFO(e.err);
    REQUIRE(e.exit_code == 0);
    const auto j = nlohmann::json::parse(e.out.empty() ? read_file(out) : e.out);
    CHECK(j.at("n") == 9);
    CHECK(j.at("rejected") == 1);
    const std::string rejects = read_file(j.at("rejects").get<std::string>());
    CHECK_THAT(rejects, Catch::Contains("label 'Peroxisome', which is not a class of the model"));
    const auto& m = j.at("metrics").at("location");
    CHECK(m.at("n") == 9);
    CHECK(m.at("accuracy").get<double>() == Approx(right / 9.0));
    CHECK(m.at("cross_entropy").get<double>() == Approx(ce / 9.0).epsilon(1e-6));
    // The same rows and model as train's test metrics.
    const auto train_metrics = read_json(model + "/metrics.json");
    const auto& t = train_metrics.at("test").at("location");
    for (const char* name : {"accuracy", "macro_f1", "cross_entropy", "roc_auc"})
        CHECK(m.at(name).get<double>() == Approx(t.at(name).get<double>()).epsilon(1e-6));
}

TEST_CASE("cli train multiclass: targets and data that cannot do it are refused",
          "[cli][train][multiclass][esm]") {
    const std::string out = temp_path("mc_refused");
    fs::remove_all(out);
    SECTION("two target columns with a forest") {
        auto args = train_args(out);
        args.insert(args.end(), {"--target-col", "split", "--head", "forest"});
        auto r = run_plmkit(args);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--task multiclass with several --target-col (2: "
                                          "'location', 'split') is for --head mlp, mpnn or "
                                          "mlp+mpnn"));
        CHECK_THAT(r.err, Catch::Contains("--head forest has forest"));
    }
    SECTION("one class among the training rows") {
        const std::string data = temp_path("mc_one_class.csv");
        write_file(data,
                   "sequence,location,split\nMKTAYIAK,Nucleus,train\nMKVLAAGI,Nucleus,train\n"
                   "MKTAYQRQ,Cytoplasm,test\n");
        auto r = run_plmkit({"train", "--data", data, "--featurizer", "esm", "--esm-model",
                             shared_path("fixtures/esm2_tiny/model"), "--target-col", "location",
                             "--task", "multiclass", "--split", "column:split", "--output", out});
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("target 'location' has only one class ('Nucleus') among "
                                          "the 2 labelled training rows; a multi-class "
                                          "classifier needs at least 2 classes"));
        CHECK(!file_exists(out + "/checkpoints"));
    }
    SECTION("--resume with another --task") {
        auto args = train_args(out);
        args.insert(args.end(), {"--stop-after-epochs", "1"});
        REQUIRE(run_plmkit(args).exit_code == 0);
        REQUIRE(file_exists(out + "/checkpoints/options.json"));
        auto again = train_args(out);
        again.push_back("--resume");
        for (auto& a : again)
            if (a == "multiclass") a = "classification";
        auto r = run_plmkit(again);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--resume: option 'task' was \"multiclass\" in the "
                                          "interrupted run, now \"classification\""));
    }
}

TEST_CASE("cli train multiclass: fine-tuned ESM-2 shares the softmax head",
          "[cli][train][multiclass][esm]") {
    const std::string out = temp_path("mc_finetuned");
    fs::remove_all(out);
    auto args = train_args(out);
    args.insert(args.end(), {"--finetune", "last:1"});
    for (auto it = args.begin(); it != args.end(); ++it)
        if (*it == "--epochs") *(it + 1) = "1";
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto metrics = read_json(out + "/metrics.json");
    CHECK(metrics.at("test").at("location").at("n") == 9);
    CHECK(read_json(out + "/config.json").at("member_encoders") == true);
    const std::string preds = temp_path("mc_finetuned_preds.csv");
    auto p = run_plmkit({"predict", "--model", out, "--input", deeploc_slice().test, "--output",
                         preds, "--no-progress", "--threads", "1"});
    REQUIRE(p.exit_code == 0);
    CHECK_THAT(read_file(preds),
               Catch::StartsWith("id,sequence,location,location_prob_Cytoplasm,"));
}

TEST_CASE("cli train multiclass: integer labels of a molecule table; screen refuses the model",
          "[cli][train][multiclass][screen]") {
    // ESOL's 'Number of Rings' (0..n) as classes, Morgan features: the
    // classes are the integers in numeric order.
    std::istringstream esol(read_file(shared_path("data/esol/delaney-processed.csv")));
    std::string line, data = "smiles,rings\n";
    std::getline(esol, line);
    for (int i = 0; i < 80 && std::getline(esol, line); ++i) {
        const auto f = split_fields(line, ',');
        data += f.back() + "," + f[f.size() - 5] + "\n";  // 5th from the end: the rings
    }
    const std::string csv = temp_path("mc_esol_rings.csv");
    write_file(csv, data);
    const std::string out = temp_path("mc_esol_rings_model");
    fs::remove_all(out);
    auto r = run_plmkit({"train", "--data", csv, "--target-col", "rings", "--task", "multiclass",
                         "--featurizer", "morgan", "--hidden", "16", "--epochs", "3",
                         "--split-sizes", "1,0,0", "--threads", "1", "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto classes = read_json(out + "/config.json").at("classes").at("rings");
    std::vector<int> values;
    for (const auto& c : classes)
        values.push_back(std::stoi(c.get<std::string>()));
    CHECK(values.size() >= 3);
    CHECK(std::is_sorted(values.begin(), values.end()));
    const std::string lib = temp_path("mc_screen_lib.csv");
    write_file(lib, "smiles,id\nCCO,ethanol\nc1ccccc1O,phenol\n");
    const std::string yaml = temp_path("mc_screen.yaml");
    write_file(yaml, "score:\n  models:\n    - {name: rings, model: " + out + "}\n");
    auto s = run_plmkit({"screen", "-i", lib, "-c", yaml, "-o", temp_path("mc_screen_hits.csv"),
                         "--threads", "1", "--no-progress"});
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.err, Catch::Contains("score.models 'rings': '" + out +
                                      "' is a multi-class model (target 'rings', "));
}
