#include "tests/models/esm2_fixture.hpp"

#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "models/esm2_config.hpp"
#include "src/error.hpp"

using namespace plmkit;

namespace {

/// The fixture's config.json with `edit` applied, written to a temp file.
std::string edited_config(const std::function<void(nlohmann::json&)>& edit) {
    auto j = nlohmann::json::parse(test::read_file(test::esm_tiny_dir() + "/config.json"));
    edit(j);
    auto path = test::temp_path("config.json");
    test::write_file(path, j.dump());
    return path;
}

}  // namespace

TEST_CASE("esm2 config: the fixture's config.json", "[models][config]") {
    auto c = models::Esm2Config::from_json_file(test::esm_tiny_dir() + "/config.json");
    CHECK(c.hidden_size == 64);
    CHECK(c.num_layers == 3);
    CHECK(c.num_heads == 4);
    CHECK(c.intermediate_size == 256);
    CHECK(c.head_dim() == 16);
    CHECK(c.vocab_size == 33);
    CHECK(c.mask_token_id == 32);
    CHECK(c.pad_token_id == 1);
    CHECK(c.layer_norm_eps == 1e-5);
    CHECK(c.token_dropout);
    CHECK_FALSE(c.emb_layer_norm_before);
    auto j = nlohmann::json::parse(c.to_json());
    CHECK(j["num_hidden_layers"] == 3);
    CHECK(j["position_embedding_type"] == "rotary");
}

TEST_CASE("esm2 config: invalid files are ModelErrors naming file and key", "[models][config]") {
    SECTION("missing key") {
        auto path = edited_config([](auto& j) { j.erase("hidden_size"); });
        CHECK_THROWS_AS(models::Esm2Config::from_json_file(path), ModelError);
        CHECK_THROWS_WITH(models::Esm2Config::from_json_file(path),
                          Catch::Contains(path) && Catch::Contains("'hidden_size' is missing"));
    }
    SECTION("wrong type") {
        auto path = edited_config([](auto& j) { j["num_attention_heads"] = "four"; });
        CHECK_THROWS_WITH(models::Esm2Config::from_json_file(path),
                          Catch::Contains("num_attention_heads") && Catch::Contains("integer"));
    }
    SECTION("absolute positions (ESM-1b style) are rejected") {
        auto path = edited_config([](auto& j) { j["position_embedding_type"] = "absolute"; });
        CHECK_THROWS_WITH(models::Esm2Config::from_json_file(path),
                          Catch::Contains("position_embedding_type") && Catch::Contains("rotary"));
    }
    SECTION("heads not dividing the hidden size") {
        auto path = edited_config([](auto& j) { j["num_attention_heads"] = 5; });
        CHECK_THROWS_WITH(models::Esm2Config::from_json_file(path),
                          Catch::Contains("not a multiple"));
    }
    SECTION("special token ids that are not the ESM alphabet's") {
        // pad_token_id 0 padded batches with <cls> and masked every real <cls>;
        // mask_token_id 5 counted every 'A' as masked in token dropout: both
        // ran and gave wrong numbers (vocab.txt is always the ESM alphabet).
        auto pad = edited_config([](auto& j) { j["pad_token_id"] = 0; });
        CHECK_THROWS_AS(models::Esm2Config::from_json_file(pad), ModelError);
        CHECK_THROWS_WITH(models::Esm2Config::from_json_file(pad),
                          Catch::Contains(pad) && Catch::Contains("pad_token_id is 0, expected 1"));
        auto mask = edited_config([](auto& j) { j["mask_token_id"] = 5; });
        CHECK_THROWS_WITH(
            models::Esm2Config::from_json_file(mask),
            Catch::Contains(mask) && Catch::Contains("mask_token_id is 5, expected 32"));
    }
    SECTION("not JSON") {
        auto path = test::temp_path("config.json");
        test::write_file(path, "{ \"hidden_size\": 64,");
        CHECK_THROWS_WITH(models::Esm2Config::from_json_file(path),
                          Catch::Contains(path) && Catch::Contains("invalid JSON"));
    }
    SECTION("missing file") {
        CHECK_THROWS_AS(models::Esm2Config::from_json_file(test::temp_path("none.json")),
                        ModelError);
    }
}

TEST_CASE("esm2 config: plmkit's own model folders are named, with the command that takes them",
          "[models][config]") {
    // `embed --model` given a `plmkit train` or `plmkit pretrain` output said
    // "key 'hidden_size' is missing" (or model_type is not "esm").
    const std::string dir = test::temp_path("own_model");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/config.json";
    SECTION("a property model of plmkit train") {
        test::write_file(path, R"({"format": "plmkit-property-model", "format_version": 1})");
        CHECK_THROWS_AS(models::Esm2Config::from_json_file(path), ModelError);
        CHECK_THROWS_WITH(models::Esm2Config::from_json_file(path),
                          Catch::Contains("'" + path +
                                          "' is a property model of plmkit train, "
                                          "not an ESM-2 checkpoint") &&
                              Catch::Contains("plmkit predict --model " + dir) &&
                              !Catch::Contains("plmkit export"));
    }
    SECTION("a property model with a fine-tuned ESM-2 encoder: export is named") {
        test::write_file(path, R"({"format": "plmkit-property-model", "member_encoders": true,
                                   "featurizer": {"name": "esm", "finetune": "last:1"}})");
        CHECK_THROWS_WITH(
            models::Esm2Config::from_json_file(path),
            Catch::Contains("plmkit predict --model " + dir) &&
                Catch::Contains("plmkit export --model " + dir + " --output ESM_DIR"));
    }
    SECTION("a SMILES encoder of plmkit pretrain") {
        test::write_file(path, R"({"model_type": "plmkit-smiles-encoder", "hidden": 32})");
        CHECK_THROWS_WITH(models::Esm2Config::from_json_file(path),
                          Catch::Contains("is a SMILES encoder of plmkit pretrain, not an ESM-2") &&
                              Catch::Contains("--featurizer smiles-lm --lm-model " + dir));
    }
}
