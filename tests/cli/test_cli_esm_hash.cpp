// The ESM-2 weights hash covers the tensor data: embed records another
// model_hash for a checkpoint with one weight changed, and a model trained
// on a checkpoint refuses that checkpoint at predict time (exit 5).
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_file;
using plmkit::test::write_temp;

namespace fs = std::filesystem;

namespace {
const std::string kModel = shared_path("fixtures/esm2_tiny/model");

/// Changes the lowest byte of the first tensor value: same header, same
/// config, one weight different.
void change_one_weight(const std::string& dir) {
    const std::string path = dir + "/model.safetensors";
    std::string bytes = read_file(path);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    bytes[8 + n] = static_cast<char>(bytes[8 + n] ^ 0x10);
    write_file(path, bytes);
}

std::string model_hash(const std::string& h5) {
    plmkit::Hdf5Reader r(h5);
    auto a = r.attribute("model_hash");
    REQUIRE(a);
    return a->text;
}
}  // namespace

TEST_CASE("cli embed: model_hash differs when one weight differs", "[cli][embed][hash]") {
    auto same = plmkit::test::copy_fixture_model("hash_same");
    auto changed = plmkit::test::copy_fixture_model("hash_changed");
    change_one_weight(changed);
    auto fa = write_temp("hash.fa", ">a\nMKTAY\n");
    std::vector<std::string> hashes;
    for (const auto& dir : {kModel, same, changed}) {
        auto out = temp_path("hash.h5");
        auto r = run_plmkit({"embed", "--model", dir, "--input", fa, "--output", out});
        REQUIRE(r.exit_code == 0);
        hashes.push_back(model_hash(out));
    }
    CHECK(hashes[0].size() == 16);
    CHECK(hashes[1] == hashes[0]);  // the same bytes elsewhere
    CHECK(hashes[2] != hashes[0]);
}

TEST_CASE("cli predict: a model trained on an ESM-2 checkpoint refuses it once a weight changed",
          "[cli][predict][hash]") {
    auto esm = plmkit::test::copy_fixture_model("hash_train_esm");
    std::string data;  // the training rows
    const std::string model = plmkit::test::train_tiny_esm_forest("hash_esm_model", esm, &data);
    const std::string out = temp_path("hash_pred.csv");
    auto ok = run_plmkit({"predict", "--model", model, "--input", data, "--output", out});
    REQUIRE(ok.exit_code == 0);

    change_one_weight(esm);
    fs::remove(out);
    auto r = run_plmkit({"predict", "--model", model, "--input", data, "--output", out});
    CHECK(r.exit_code == 5);
    CHECK_THAT(r.err, Catch::Contains("the ESM-2 checkpoint '" + fs::absolute(esm).string() +
                                      "' is not the one the model was trained on"));
    CHECK_FALSE(plmkit::test::file_exists(out));

    SECTION("a model that recorded the old header-only hash loads, with a warning") {
        // Earlier plmkit builds recorded FNV-1a of config.json and the
        // safetensors header: 021da6d9731d57ac for the fixture, whose header
        // the changed copy keeps. Such a model is accepted, but says so.
        auto config = nlohmann::json::parse(read_file(model + "/config.json"));
        REQUIRE(config["featurizer"]["weights_hash"].is_string());
        config["featurizer"]["weights_hash"] = "021da6d9731d57ac";
        write_file(model + "/config.json", config.dump(2));
        auto old = run_plmkit({"predict", "--model", model, "--input", data, "--output", out});
        CHECK(old.exit_code == 0);
        CHECK_THAT(old.err, Catch::Contains("the model records the checkpoint hash of an older "
                                            "plmkit") &&
                                Catch::Contains("the weights cannot be verified"));
    }
}
