// plmkit predict / evaluate with a model directory whose weights are damaged
// or missing: a clear model error (exit 5) naming the file, and rows whose
// prediction is not a finite number rejected, never written as "nan".
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::temp_path;
using plmkit::test::train_model;
using plmkit::test::write_file;

namespace {

/// A one-member MLP (basic features, 4 hidden units) on 20 small molecules.
const std::string& mlp_model() {
    static const std::string dir = [] {
        std::string text = "id,smiles,y\n";
        const char* smiles[] = {"CCO", "CCCO", "CCCCO", "c1ccccc1", "c1ccccc1O",
                                "CCN", "CCCN", "CCCCN", "CC(=O)O",  "c1ccncc1"};
        for (int i = 0; i < 20; ++i)
            text += "m" + std::to_string(i) + "," + smiles[i % 10] + std::string(i / 10, 'C') +
                    "," + std::to_string(0.1 * i) + "\n";
        const std::string data = temp_path("cli_model_files.csv");
        write_file(data, text);
        return train_model(
            "cli_model_files_mlp",
            {"--data", data, "--target-col", "y", "--featurizer", "basic", "--head", "mlp",
             "--hidden", "4", "--epochs", "2", "--ensemble", "1", "--threads", "1"});
    }();
    return dir;
}

/// A fresh copy of the MLP model at temp_path(name).
std::string copy_model(const std::string& name) {
    namespace fs = std::filesystem;
    const std::string dir = temp_path(name);
    fs::remove_all(dir);
    fs::copy(mlp_model(), dir, fs::copy_options::recursive);
    return dir;
}

/// Overwrites float32 tensor `name` of `dir`/model.safetensors: element i
/// becomes value(i).
template <class F>
void set_tensor(const std::string& dir, const std::string& name, F value) {
    const std::string path = dir + "/model.safetensors";
    std::string bytes = read_file(path);
    std::uint64_t n = 0;
    std::memcpy(&n, bytes.data(), sizeof n);
    const auto header = nlohmann::json::parse(bytes.substr(8, n));
    const auto& t = header.at(name);
    REQUIRE(t.at("dtype") == "F32");
    const std::size_t begin = t.at("data_offsets")[0], end = t.at("data_offsets")[1];
    for (std::size_t i = 0; i < (end - begin) / 4; ++i) {
        const float v = value(i);
        std::memcpy(&bytes[8 + n + begin + 4 * i], &v, 4);
    }
    write_file(path, bytes);
}

}  // namespace

TEST_CASE("cli predict: NaN or inf weights are a model error naming the tensor (5)",
          "[cli][predict]") {
    const std::string dir = copy_model("cli_model_files_nan");
    set_tensor(dir, "members.0.layers.1.weight",
               [](std::size_t i) { return i == 2 ? std::nanf("") : 0.5f; });
    const std::string lib = temp_path("cli_model_files_nan.csv");
    write_file(lib, "smiles\nCCO\nCCCCO\n");
    const std::string out = temp_path("cli_model_files_nan_out.csv");
    auto r = run_plmkit({"predict", "--model", dir, "--input", lib, "--output", out});
    CHECK(r.exit_code == 5);  // was exit 0 with "nan" predictions
    CHECK_THAT(r.err, Catch::Contains(dir + "/model.safetensors holds NaN/inf weights: tensor "
                                            "'members.0.layers.1.weight'"));
    CHECK_FALSE(plmkit::test::file_exists(out));
    r = run_plmkit({"evaluate", "--model", dir, "--data", lib});
    CHECK(r.exit_code == 5);
    CHECK_THAT(r.err, Catch::Contains("holds NaN/inf weights"));
}

TEST_CASE("cli predict: a row whose prediction is not finite is rejected with the reason",
          "[cli][predict]") {
    // Finite weights that overflow float32 for large molecules only: the
    // hidden units take 1e30 x the (normalized) molecular weight, positive
    // above the training set's mean weight, cut to 0 by the ReLU below it;
    // the output layer multiplies them by 1e30 again (1e60 > FLT_MAX: inf).
    // Small molecules get the output layer's bias: a finite prediction.
    const std::string dir = copy_model("cli_model_files_inf");
    const std::size_t features = 12;  // basic: mw is feature 0
    set_tensor(dir, "members.0.layers.0.weight",
               [&](std::size_t i) { return i % features == 0 ? 1e30f : 0.f; });
    set_tensor(dir, "members.0.layers.0.bias", [](std::size_t) { return 0.f; });
    set_tensor(dir, "members.0.layers.1.weight", [](std::size_t) { return 1e30f; });
    const std::string big(30, 'C');
    const std::string lib = temp_path("cli_model_files_inf.csv");
    write_file(lib,
               "id,smiles,y\nsmall,C,1\nbig1," + big + ",2\nsmall2,CC,3\nbig2," + big + "C,4\n");
    const std::string out = temp_path("cli_model_files_inf_out.csv");
    const std::string rejects = out.substr(0, out.size() - 4) + ".rejects.tsv";
    auto r = run_plmkit({"predict", "--model", dir, "--input", lib, "--output", out});
    REQUIRE(r.exit_code == 0);
    const std::string pred = read_file(out);
    CHECK(pred.find("small,C,") != std::string::npos);
    CHECK(pred.find("small2,CC,") != std::string::npos);
    CHECK(pred.find("big") == std::string::npos);
    CHECK(pred.find("inf") == std::string::npos);
    CHECK(pred.find("nan") == std::string::npos);
    const std::string rej = read_file(rejects);
    CHECK_THAT(rej, Catch::Contains("1\tbig1\t" + big +
                                    "\tthe model's output is not finite (NaN/inf): target 'y' = "
                                    "inf"));
    CHECK_THAT(rej, Catch::Contains("3\tbig2\t"));
    CHECK_THAT(r.err, Catch::Contains("4 records: 2 predicted, 2 rejected"));
    // One warning, naming the first such row.
    CHECK_THAT(r.err, Catch::Contains("warning: predict: record 2 (id 'big1'): the model's "
                                      "output is not finite"));
    CHECK(r.err.find("id 'big2'") == std::string::npos);

    const std::string json = temp_path("cli_model_files_inf_eval.json");
    r = run_plmkit({"evaluate", "--model", dir, "--data", lib, "--output", json});
    REQUIRE(r.exit_code == 0);
    const auto j = nlohmann::json::parse(read_file(json));
    CHECK(j["n"] == 2);  // was 4, with null metrics
    CHECK(j["rejected"] == 2);
    CHECK(j["metrics"]["y"]["n"] == 2);
    CHECK(j["metrics"]["y"]["rmse"].is_number());
    CHECK_THAT(read_file(j["rejects"].get<std::string>()),
               Catch::Contains("1\tbig1\t" + big + "\tthe model's output is not finite"));
    CHECK_THAT(r.err, Catch::Contains("warning: evaluate: record 2 (id 'big1')"));
}

TEST_CASE("cli predict: a model directory without model.safetensors is a model error (5)",
          "[cli][predict]") {
    const std::string dir = copy_model("cli_model_files_nosafe");
    std::filesystem::remove(dir + "/model.safetensors");
    const std::string lib = temp_path("cli_model_files_nosafe.csv");
    write_file(lib, "smiles,y\nCCO,1\n");
    const std::string out = temp_path("cli_model_files_nosafe_out.csv");
    auto r = run_plmkit({"predict", "--model", dir, "--input", lib, "--output", out});
    CHECK(r.exit_code == 5);  // was 4, as for an unreadable input
    CHECK_THAT(r.err, Catch::Contains(dir + ": the model directory is incomplete: cannot open '" +
                                      dir + "/model.safetensors'"));
    CHECK_FALSE(plmkit::test::file_exists(out));
    r = run_plmkit({"evaluate", "--model", dir, "--data", lib});
    CHECK(r.exit_code == 5);
    CHECK_THAT(r.err, Catch::Contains("the model directory is incomplete"));
}
