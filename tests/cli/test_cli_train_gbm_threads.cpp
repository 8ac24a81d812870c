// plmkit train --head gbm writes the same model file on any --threads:
// ESOL regression (morgan+rdkit2d, whose root leaves are large enough to be
// shared between threads) on 1, 2 and 3 threads, and BBBP 0/1
// classification (Morgan counts) on 1 and 2.
#include <filesystem>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;

namespace fs = std::filesystem;

namespace {

/// Trains a 15-round gbm with `data_args` on `threads`; returns the bytes
/// of its model.safetensors.
std::string gbm_model(const std::string& name, std::vector<std::string> args,
                      const std::string& threads) {
    const std::string out = temp_path(name + "_t" + threads);
    fs::remove_all(out);
    args.insert(args.begin(), "train");
    for (const char* a : {"--head", "gbm", "--gbm-rounds", "15", "--seed", "2", "--threads",
                          threads.c_str(), "--output"})
        args.push_back(a);
    args.push_back(out);
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string bytes = read_file(out + "/model.safetensors");
    REQUIRE(bytes.size() > 1000);
    return bytes;
}

}  // namespace

TEST_CASE("cli train gbm: the same model file on 1, 2 and 3 threads",
          "[cli][train][gbm][threads]") {
    SECTION("ESOL regression") {
        const std::vector<std::string> esol = {
            "--data", shared_path("data/esol/delaney-processed.csv"), "--target-col",
            "measured log solubility in mols per litre"};
        const std::string one = gbm_model("gbm_threads_esol", esol, "1");
        CHECK(gbm_model("gbm_threads_esol", esol, "2") == one);
        CHECK(gbm_model("gbm_threads_esol", esol, "3") == one);
    }
    SECTION("BBBP classification") {
        const std::vector<std::string> bbbp = {"--data",       shared_path("data/bbbp/BBBP.csv"),
                                               "--target-col", "p_np",
                                               "--task",       "classification",
                                               "--featurizer", "morgan"};
        const std::string one = gbm_model("gbm_threads_bbbp", bbbp, "1");
        CHECK(gbm_model("gbm_threads_bbbp", bbbp, "2") == one);
    }
}
