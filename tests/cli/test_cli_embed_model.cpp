// What embed says about the model directory: a checkpoint whose config.json
// declares fewer layers than it holds, ignored tensors listed once with -v.
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/catch.hpp"

#include "src/safetensors.hpp"
#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_file;
using plmkit::test::write_temp;

namespace {
const std::string kModel = shared_path("fixtures/esm2_tiny/model");
}  // namespace

TEST_CASE("cli embed: config.json with fewer layers than the weights is a model error",
          "[cli][embed][model]") {
    auto dir = plmkit::test::copy_fixture_model("embed_fewlayers");
    auto config = nlohmann::json::parse(read_file(dir + "/config.json"));
    config["num_hidden_layers"] = 2;
    write_file(dir + "/config.json", config.dump());
    auto fa = write_temp("embed_fewlayers.fa", ">a\nMKTAY\n");
    auto out = temp_path("embed_fewlayers.h5");
    auto r = run_plmkit({"embed", "--model", dir, "--input", fa, "--output", out});
    CHECK(r.exit_code == 5);
    CHECK_THAT(r.err, Catch::Contains(dir + "/config.json' declares num_hidden_layers 2, but the "
                                            "checkpoint has tensors of 3 encoder layers"));
    CHECK_FALSE(plmkit::test::file_exists(out));
}

TEST_CASE("cli embed -v: each ignored checkpoint tensor is listed once", "[cli][embed][model]") {
    auto dir = plmkit::test::copy_fixture_model("embed_extra_tensor");
    {
        // The fixture's tensors plus one the model does not use.
        plmkit::SafetensorsFile f(kModel + "/model.safetensors");
        std::vector<plmkit::TensorView> views;
        for (const auto& n : f.names())
            views.push_back(f.get(n));
        std::vector<std::int64_t> ids(8, 0);
        plmkit::TensorView extra;
        extra.name = "esm.embeddings.position_ids";
        extra.dtype = plmkit::StoredDType::i64;
        extra.shape = {1, 8};
        extra.data = ids.data();
        extra.nbytes = ids.size() * sizeof(std::int64_t);
        views.push_back(extra);
        plmkit::write_safetensors(dir + "/model.safetensors", views, {{"format", "pt"}});
    }
    auto fa = write_temp("embed_extra.fa", ">a\nMKTAY\n");
    auto r = run_plmkit(
        {"-v", "embed", "--model", dir, "--input", fa, "--output", temp_path("embed_extra.h5")});
    REQUIRE(r.exit_code == 0);
    auto first = r.err.find("esm.embeddings.position_ids");
    REQUIRE(first != std::string::npos);
    CHECK(r.err.find("esm.embeddings.position_ids", first + 1) == std::string::npos);
    CHECK_THAT(r.err, Catch::Contains("ignoring checkpoint tensor 'esm.embeddings.position_ids'"));
}

// A --model one folder too high (the fixture's own folder, a download's
// parent) or a Hugging Face cache folder (models--org--name, files under
// snapshots/<revision>/) was told only "has no config.json".
TEST_CASE("cli embed: a --model above the model folder names the folder that has config.json",
          "[cli][embed][model]") {
    namespace fs = std::filesystem;
    auto fa = write_temp("embed_above.fa", ">a\nMKTAY\n");
    auto out = temp_path("embed_above.h5");
    SECTION("the folder above") {
        const std::string above = shared_path("fixtures/esm2_tiny");
        auto r = run_plmkit({"embed", "--model", above, "--input", fa, "--output", out});
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains("model directory '" + above +
                                          "' has no config.json; a folder inside it has one: '" +
                                          above + "/model' (give that folder as --model)\n"));
    }
    SECTION("a Hugging Face cache folder") {
        const std::string cache = temp_path("models--facebook--esm2_tiny");
        fs::remove_all(cache);
        fs::create_directories(cache + "/snapshots/0123abc");
        fs::create_directories(cache + "/refs");
        write_file(cache + "/refs/main", "0123abc");
        for (const char* f : {"config.json", "vocab.txt", "model.safetensors"})
            fs::create_symlink(kModel + "/" + f, cache + "/snapshots/0123abc/" + f);
        auto r = run_plmkit({"embed", "--model", cache, "--input", fa, "--output", out});
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err,
                   Catch::Contains("has no config.json; a folder inside it has one: '" + cache +
                                   "/snapshots/0123abc' (give that folder as --model; this "
                                   "is a Hugging Face cache folder"));
        // ... and that folder works.
        auto ok = run_plmkit(
            {"embed", "--model", cache + "/snapshots/0123abc", "--input", fa, "--output", out});
        CHECK(ok.exit_code == 0);
    }
}
