#include "tests/models/esm2_fixture.hpp"

#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "models/esm2_loader.hpp"
#include "models/layers/esm2_layer.hpp"
#include "src/error.hpp"

using namespace plmkit;
namespace fs = std::filesystem;

namespace {

constexpr int kLayers = 3;

struct OwnedTensor {
    std::string name;
    at::Tensor data;  ///< contiguous CPU
};

StoredDType stored_dtype(at::ScalarType t) {
    switch (t) {
        case at::kHalf:
            return StoredDType::f16;
        case at::kBFloat16:
            return StoredDType::bf16;
        case at::kLong:
            return StoredDType::i64;
        case at::kInt:
            return StoredDType::i32;
        default:
            return StoredDType::f32;
    }
}

std::vector<OwnedTensor> fixture_tensors() {
    SafetensorsFile f(test::esm_tiny_dir() + "/model.safetensors");
    std::vector<OwnedTensor> out;
    for (const auto& n : f.names())
        out.push_back({n, test::stored_tensor(f, n)});
    return out;
}

void write_tensors(const std::string& path, const std::vector<OwnedTensor>& tensors) {
    std::vector<TensorView> views;
    for (const auto& t : tensors) {
        TensorView v;
        v.name = t.name;
        v.dtype = stored_dtype(t.data.scalar_type());
        v.shape.assign(t.data.sizes().begin(), t.data.sizes().end());
        v.data = t.data.data_ptr();
        v.nbytes = t.data.nbytes();
        views.push_back(v);
    }
    write_safetensors(path, views, {{"format", "pt"}});
}

/// A copy of the fixture model directory with `edit` applied to its tensors.
std::string variant(const std::string& name,
                    const std::function<void(std::vector<OwnedTensor>&)>& edit) {
    std::string dir = test::temp_path(name);
    fs::create_directories(dir);
    fs::copy_file(test::esm_tiny_dir() + "/config.json", dir + "/config.json");
    fs::copy_file(test::esm_tiny_dir() + "/vocab.txt", dir + "/vocab.txt");
    auto tensors = fixture_tensors();
    edit(tensors);
    write_tensors(dir + "/model.safetensors", tensors);
    return dir;
}

/// A two-shard copy of the fixture; `edit_index` may change the index JSON
/// before it is written.
std::string sharded_variant(const std::string& name,
                            const std::function<void(nlohmann::json&)>& edit_index) {
    std::string dir = test::temp_path(name);
    fs::create_directories(dir);
    fs::copy_file(test::esm_tiny_dir() + "/config.json", dir + "/config.json");
    fs::copy_file(test::esm_tiny_dir() + "/vocab.txt", dir + "/vocab.txt");
    auto ts = fixture_tensors();
    std::vector<OwnedTensor> a(ts.begin(), ts.begin() + 10), b(ts.begin() + 10, ts.end());
    write_tensors(dir + "/model-00001-of-00002.safetensors", a);
    write_tensors(dir + "/model-00002-of-00002.safetensors", b);
    nlohmann::json index;
    index["metadata"]["total_size"] = 0;
    for (const auto& t : a)
        index["weight_map"][t.name] = "model-00001-of-00002.safetensors";
    for (const auto& t : b)
        index["weight_map"][t.name] = "model-00002-of-00002.safetensors";
    edit_index(index);
    test::write_file(dir + "/model.safetensors.index.json", index.dump());
    return dir;
}

/// Rewrites the JSON header of a safetensors file (the data section, whose
/// offsets are relative to its start, is kept byte for byte).
void edit_header(const std::string& path, const std::function<void(nlohmann::json&)>& edit) {
    std::string bytes = test::read_file(path);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | static_cast<unsigned char>(bytes[i]);
    auto header = nlohmann::json::parse(bytes.substr(8, n));
    edit(header);
    std::string text = header.dump();
    text.resize((text.size() + 7) / 8 * 8, ' ');
    std::string len(8, '\0');
    for (int i = 0; i < 8; ++i)
        len[i] = static_cast<char>((text.size() >> (8 * i)) & 0xff);
    test::write_file(path, len + text + bytes.substr(8 + n));
}

void drop(std::vector<OwnedTensor>& ts, const std::string& prefix) {
    ts.erase(std::remove_if(ts.begin(), ts.end(),
                            [&](const OwnedTensor& t) { return t.name.rfind(prefix, 0) == 0; }),
             ts.end());
}

/// Max abs difference of mean/per_tok (and logits when present) to fair-esm over all sequences.
double max_error(models::Esm2& model, bool logits) {
    SafetensorsFile expected(test::shared_path("fixtures/esm2_tiny/expected.safetensors"));
    auto seqs = test::fixture_tokens();
    models::Esm2ForwardOptions o;
    o.repr_layers = {kLayers};
    o.need_logits = logits;
    double err = 0;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        const auto L = static_cast<std::int64_t>(seqs[i].size()) - 2;
        auto got = test::extract(model->forward(test::pad_batch({seqs[i]}), o), 0, L, kLayers);
        auto want = test::expected_outputs(expected, static_cast<std::int64_t>(i), kLayers);
        err = std::max(err, test::max_abs_diff(got.mean, want.mean));
        err = std::max(err, test::max_abs_diff(got.per_tok, want.per_tok));
        if (logits) err = std::max(err, test::max_abs_diff(got.logits, want.logits) / 10);
    }
    return err;
}

}  // namespace

TEST_CASE("esm2 loader: the fixture loads with config, tokenizer and hash", "[models][loader]") {
    auto loaded = models::load_esm2(test::esm_tiny_dir(), {});
    CHECK(loaded.config.hidden_size == 64);
    CHECK(loaded.config.num_layers == 3);
    CHECK(loaded.ignored_keys.empty());
    // Independent value: xxhsum -H1 (Debian xxhash 0.8.1) of the bytes
    // u64le(size of config.json) + config.json + u64le(size) + model.safetensors.
    CHECK(loaded.weights_hash == "0ac612b0b0406c99");
    CHECK(loaded.tokenizer.tokens().size() == 33);
    auto again = models::load_esm2(test::esm_tiny_dir(), {});
    CHECK(again.weights_hash == loaded.weights_hash);
}

TEST_CASE("esm2 loader: checkpoint variants that must still load", "[models][loader]") {
    SECTION("F16 stored weights") {
        auto dir = variant("f16", [](auto& ts) {
            for (auto& t : ts)
                t.data = t.data.to(at::kHalf);
        });
        auto model = models::load_esm2(dir, {}).model;
        CHECK(model->word_embeddings.scalar_type() == at::kFloat);
        CHECK(max_error(model, true) < 2e-2);
    }
    SECTION("BF16 stored weights") {
        auto dir = variant("bf16", [](auto& ts) {
            for (auto& t : ts)
                t.data = t.data.to(at::kBFloat16);
        });
        auto model = models::load_esm2(dir, {}).model;
        CHECK(max_error(model, true) < 1e-1);
    }
    SECTION("absent lm_head.decoder.weight is tied to the word embeddings") {
        auto dir = variant("tied", [](auto& ts) { drop(ts, "lm_head.decoder.weight"); });
        auto model = models::load_esm2(dir, {}).model;
        CHECK(model->has_lm_head());
        CHECK(max_error(model, true) < 1e-4);
    }
    SECTION("an extra esm.embeddings.position_ids is ignored and reported") {
        auto dir = variant("posids", [](auto& ts) {
            ts.push_back(
                {"esm.embeddings.position_ids", at::arange(1026, at::kLong).view({1, -1})});
        });
        auto loaded = models::load_esm2(dir, {});
        CHECK(loaded.ignored_keys == std::vector<std::string>{"esm.embeddings.position_ids"});
        CHECK(max_error(loaded.model, true) < 1e-4);
    }
    SECTION("no LM or contact head: embeddings work, logits/contacts are a UsageError") {
        auto dir = variant("nohead", [](auto& ts) {
            drop(ts, "lm_head.");
            drop(ts, "esm.contact_head.");
        });
        auto model = models::load_esm2(dir, {}).model;
        CHECK_FALSE(model->has_lm_head());
        CHECK_FALSE(model->has_contact_head());
        CHECK(max_error(model, false) < 1e-4);
        auto tokens = test::pad_batch({test::fixture_tokens()[3]});
        models::Esm2ForwardOptions o;
        o.need_logits = true;
        CHECK_THROWS_AS(model->forward(tokens, o), UsageError);
        o.need_logits = false;
        o.need_contacts = true;
        CHECK_THROWS_WITH(model->forward(tokens, o),
                          Catch::Contains("no contact head (no tensors "
                                          "esm.contact_head.regression.weight, "
                                          "esm.contact_head.regression.bias)"));
    }
    SECTION("a base EsmModel checkpoint without the contact head names its own tensor names") {
        // EsmModel saves its tensors without the "esm." prefix of EsmForMaskedLM.
        auto dir = variant("base_nohead", [](auto& ts) {
            drop(ts, "lm_head.");
            drop(ts, "esm.contact_head.");
            for (auto& t : ts)
                if (t.name.rfind("esm.", 0) == 0) t.name = t.name.substr(4);
        });
        auto model = models::load_esm2(dir, {}).model;
        CHECK(model->checkpoint_prefix().empty());
        CHECK_FALSE(model->has_contact_head());
        CHECK(max_error(model, false) < 1e-4);
        auto tokens = test::pad_batch({test::fixture_tokens()[3]});
        models::Esm2ForwardOptions o;
        o.need_contacts = true;
        try {
            model->forward(tokens, o);
            FAIL("contacts without a contact head");
        } catch (const UsageError& e) {
            const std::string msg = e.what();
            CHECK_THAT(msg, Catch::Contains("no tensors contact_head.regression.weight, "
                                            "contact_head.regression.bias") &&
                                Catch::Contains("base EsmModel checkpoint") &&
                                Catch::Contains("Use an EsmForMaskedLM checkpoint"));
            CHECK(msg.find("esm.contact_head.regression.weight,") == std::string::npos);
        }
    }
    SECTION("sharded checkpoint with model.safetensors.index.json") {
        auto dir = sharded_variant("sharded", [](nlohmann::json&) {});
        auto model = models::load_esm2(dir, {}).model;
        CHECK(max_error(model, true) < 1e-4);
    }
    SECTION("rotary inv_freq is read from the checkpoint") {
        const std::string key = "esm.encoder.layer.1.attention.self.rotary_embeddings.inv_freq";
        at::Tensor stored;
        auto dir = variant("invfreq", [&](auto& ts) {
            for (auto& t : ts)
                if (t.name == key) {
                    t.data = t.data * 0.5;
                    stored = t.data;
                }
        });
        REQUIRE(stored.defined());
        auto model = models::load_esm2(dir, {}).model;
        CHECK(model->layers[1]->inv_freq.equal(stored));
        CHECK_FALSE(model->layers[0]->inv_freq.equal(stored));
        // Halved frequencies change the outputs: the stored ones are used.
        CHECK(max_error(model, false) > 1e-3);
    }
    SECTION("checkpoint without inv_freq computes the frequencies") {
        auto dir = variant("noinvfreq", [](auto& ts) {
            ts.erase(std::remove_if(ts.begin(), ts.end(),
                                    [](const OwnedTensor& t) {
                                        return t.name.find("inv_freq") != std::string::npos;
                                    }),
                     ts.end());
        });
        auto model = models::load_esm2(dir, {}).model;
        CHECK(max_error(model, true) < 1e-4);
    }
}

TEST_CASE("esm2 loader: broken checkpoints are ModelErrors naming file and tensor",
          "[models][loader]") {
    const std::string key = "esm.encoder.layer.1.attention.self.key.weight";
    SECTION("missing tensor") {
        auto dir = variant("missing", [&](auto& ts) { drop(ts, key); });
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}), Catch::Contains(key) &&
                                                          Catch::Contains("[64,64]") &&
                                                          Catch::Contains(dir));
    }
    SECTION("wrong shape") {
        auto dir = variant("shape", [](auto& ts) {
            for (auto& t : ts)
                if (t.name == "esm.encoder.layer.2.intermediate.dense.weight")
                    t.data = at::zeros({255, 64});
        });
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains("esm.encoder.layer.2.intermediate.dense.weight") &&
                              Catch::Contains("[255,64]") && Catch::Contains("expected [256,64]") &&
                              Catch::Contains("model.safetensors"));
    }
    SECTION("wrong dtype") {
        auto dir = variant("dtype", [](auto& ts) {
            for (auto& t : ts)
                if (t.name == "lm_head.bias") t.data = at::zeros({33}, at::kInt);
        });
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains("lm_head.bias") && Catch::Contains("I32"));
    }
    SECTION("truncated file") {
        auto dir = variant("truncated", [](auto&) {});
        auto path = dir + "/model.safetensors";
        fs::resize_file(path, fs::file_size(path) / 2);
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}), Catch::Contains(path));
    }
    SECTION("header lying about offsets") {
        auto dir = variant("offsets", [](auto&) {});
        auto path = dir + "/model.safetensors";
        std::string bytes = test::read_file(path);
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i)
            n = (n << 8) | static_cast<unsigned char>(bytes[i]);
        auto header = nlohmann::json::parse(bytes.substr(8, n));
        auto& entry = header["lm_head.bias"]["data_offsets"];
        entry[1] = entry[1].get<std::int64_t>() + 4000000;
        std::string text = header.dump();
        text.resize(n, ' ');  // same length: only the offsets lie
        REQUIRE(text.size() == n);
        test::write_file(path, bytes.substr(0, 8) + text + bytes.substr(8 + n));
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains(path) && Catch::Contains("lm_head.bias"));
    }
    SECTION("header that is not JSON") {
        auto dir = variant("notjson", [](auto&) {});
        auto path = dir + "/model.safetensors";
        std::string bytes = test::read_file(path);
        bytes[8] = '[';
        bytes[9] = '{';
        test::write_file(path, bytes);
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains(path) && Catch::Contains("corrupt safetensors header"));
    }
    SECTION("header entry without a dtype") {
        auto dir = variant("nodtype", [](auto&) {});
        auto path = dir + "/model.safetensors";
        edit_header(path, [](nlohmann::json& h) { h["lm_head.dense.bias"].erase("dtype"); });
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains(path) && Catch::Contains("lm_head.dense.bias"));
    }
    SECTION("header whose tensors overlap") {
        auto dir = variant("overlap", [](auto&) {});
        auto path = dir + "/model.safetensors";
        edit_header(path, [](nlohmann::json& h) {
            // Same size, moved onto the word embeddings' bytes.
            auto& off = h["lm_head.dense.bias"]["data_offsets"];
            auto size = off[1].get<std::int64_t>() - off[0].get<std::int64_t>();
            auto start = h["esm.embeddings.word_embeddings.weight"]["data_offsets"][0];
            off = {start.get<std::int64_t>(), start.get<std::int64_t>() + size};
        });
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}), Catch::Contains(path) &&
                                                          Catch::Contains("overlap") &&
                                                          Catch::Contains("lm_head.dense.bias"));
    }
    SECTION("header whose byte count does not match shape and dtype") {
        auto dir = variant("size", [](auto&) {});
        auto path = dir + "/model.safetensors";
        edit_header(path, [](nlohmann::json& h) { h["lm_head.bias"]["shape"] = {32}; });
        CHECK_THROWS_WITH(models::load_esm2(dir, {}), Catch::Contains(path) &&
                                                          Catch::Contains("lm_head.bias") &&
                                                          Catch::Contains("expected 128"));
    }
    SECTION("header with an absurd shape (element count overflow)") {
        auto dir = variant("huge", [](auto&) {});
        auto path = dir + "/model.safetensors";
        edit_header(path, [](nlohmann::json& h) {
            // (2^62 + 33) x 4 bytes wraps around 2^64 to the 132 bytes stored.
            h["lm_head.bias"]["shape"] = {(std::int64_t{1} << 62) + 33};
        });
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains(path) && Catch::Contains("lm_head.bias"));
    }
    SECTION("sharded index naming a missing shard") {
        auto dir = sharded_variant("noshard", [](nlohmann::json& index) {
            index["weight_map"]["lm_head.bias"] = "model-00003-of-00002.safetensors";
        });
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains("model.safetensors.index.json") &&
                              Catch::Contains("model-00003-of-00002.safetensors") &&
                              Catch::Contains("lm_head.bias"));
    }
    SECTION("sharded index naming a tensor absent from its shard") {
        auto dir = sharded_variant("notinshard", [](nlohmann::json& index) {
            index["weight_map"]["esm.encoder.layer.9.attention.self.key.weight"] =
                "model-00002-of-00002.safetensors";
        });
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains("esm.encoder.layer.9.attention.self.key.weight") &&
                              Catch::Contains("model-00002-of-00002.safetensors") &&
                              Catch::Contains("does not contain it"));
    }
    SECTION("sharded index mapping a tensor to the wrong shard") {
        auto dir = sharded_variant("wrongshard", [](nlohmann::json& index) {
            index["weight_map"]["lm_head.bias"] = "model-00001-of-00002.safetensors";
        });
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains("lm_head.bias") && Catch::Contains("but it is in"));
    }
    SECTION("sharded index that is not JSON or has a bad weight_map") {
        auto dir = sharded_variant("badindex", [](nlohmann::json&) {});
        const auto index = dir + "/model.safetensors.index.json";
        test::write_file(index, "{\"weight_map\": {");
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains(index) && Catch::Contains("invalid JSON"));
        test::write_file(index, R"({"weight_map": {"lm_head.bias": 3}})");
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains(index) && Catch::Contains("lm_head.bias"));
        test::write_file(index, R"({"metadata": {}})");
        CHECK_THROWS_WITH(models::load_esm2(dir, {}), Catch::Contains("weight_map"));
    }
    SECTION("sharded checkpoint missing a required tensor names the shards") {
        const std::string key = "esm.encoder.emb_layer_norm_after.weight";
        auto dir = sharded_variant("shardmissing", [&](nlohmann::json&) {});
        // Rewrite the shards without the key (and the index without it).
        for (const char* shard :
             {"/model-00001-of-00002.safetensors", "/model-00002-of-00002.safetensors"}) {
            std::vector<OwnedTensor> kept;
            {
                SafetensorsFile f(dir + shard);
                for (const auto& n : f.names())
                    if (n != key) kept.push_back({n, test::stored_tensor(f, n)});
            }
            write_tensors(dir + shard, kept);
        }
        auto index = nlohmann::json::parse(test::read_file(dir + "/model.safetensors.index.json"));
        REQUIRE(index["weight_map"].erase(key) == 1);
        test::write_file(dir + "/model.safetensors.index.json", index.dump());
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}), Catch::Contains(key) &&
                                                          Catch::Contains("model-00001-of-00002") &&
                                                          Catch::Contains("model-00002-of-00002"));
    }
    SECTION("config.json declaring fewer layers than the checkpoint holds") {
        auto dir = variant("fewlayers", [](auto&) {});
        auto config = nlohmann::json::parse(test::read_file(dir + "/config.json"));
        REQUIRE(config["num_hidden_layers"] == kLayers);
        config["num_hidden_layers"] = 2;
        test::write_file(dir + "/config.json", config.dump());
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::StartsWith("'" + dir +
                                            "/config.json' declares num_hidden_layers "
                                            "2, but the checkpoint has tensors of 3 encoder "
                                            "layers (e.g. 'esm.encoder.layer.2."));
        // One layer fewer in the weights than declared stays a missing tensor.
        config["num_hidden_layers"] = 4;
        test::write_file(dir + "/config.json", config.dump());
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          Catch::Contains("no tensor 'esm.encoder.layer.3."));
    }
    SECTION("vocabulary that is not the ESM alphabet") {
        auto dir = variant("vocab", [](auto&) {});
        std::string vocab = test::read_file(dir + "/vocab.txt");
        auto pos = vocab.find("\nL\nA\n");
        REQUIRE(pos != std::string::npos);
        vocab.replace(pos, 5, "\nA\nL\n");
        test::write_file(dir + "/vocab.txt", vocab);
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}), Catch::Contains("vocab.txt"));
    }
    SECTION("no config.json / no weights") {
        std::string dir = test::temp_path("empty");
        fs::create_directories(dir);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}), Catch::Contains("config.json"));
        fs::copy_file(test::esm_tiny_dir() + "/config.json", dir + "/config.json");
        fs::copy_file(test::esm_tiny_dir() + "/vocab.txt", dir + "/vocab.txt");
        CHECK_THROWS_AS(models::load_esm2(dir, {}), Error);
    }
}

TEST_CASE("esm2 loader: a --model that is not a directory says what it is", "[models][loader]") {
    SECTION("a path that does not exist") {
        const std::string dir = test::temp_path("no_such_model");
        CHECK_THROWS_AS(models::load_esm2(dir, {}), ModelError);
        CHECK_THROWS_WITH(models::load_esm2(dir, {}),
                          "model directory '" + dir + "' does not exist");
    }
    SECTION("a Hugging Face Hub id gets the download hint") {
        CHECK_THROWS_WITH(
            models::load_esm2("facebook/esm2_t6_8M_UR50D", {}),
            "model directory 'facebook/esm2_t6_8M_UR50D' does not exist (it looks like a Hugging "
            "Face Hub id: plmkit reads a local download of the repository, e.g. on a machine "
            "with network: huggingface-cli download facebook/esm2_t6_8M_UR50D --local-dir "
            "esm2_t6_8M_UR50D, then --model esm2_t6_8M_UR50D)");
    }
    SECTION("a file of the model directory") {
        const std::string file = test::esm_tiny_dir() + "/config.json";
        CHECK_THROWS_WITH(models::load_esm2(file, {}),
                          "model directory '" + file +
                              "' is not a directory (expected the folder holding config.json, "
                              "vocab.txt and model.safetensors: give --model " +
                              test::esm_tiny_dir() + ", the folder, not one of its files)");
    }
}

TEST_CASE("esm2 loader: the weights hash covers every tensor byte", "[models][loader][hash]") {
    auto base = models::load_esm2(test::esm_tiny_dir(), {});
    SECTION("one weight changed, same config and headers: another hash") {
        auto same = models::load_esm2(variant("hash_rewritten", [](auto&) {}), {});
        auto dir = variant("hash_one_weight", [](auto& ts) {
            for (auto& t : ts)
                if (t.name == "esm.encoder.layer.1.intermediate.dense.weight")
                    t.data.view(-1)[7] += 1e-3;
        });
        auto changed = models::load_esm2(dir, {});
        // The headers are the same: the old header-only hash could not tell.
        CHECK(changed.header_hash == same.header_hash);
        CHECK(changed.weights_hash.size() == 16);
        CHECK(changed.weights_hash != same.weights_hash);
        CHECK_FALSE(models::weights_hash_matches(changed, same.weights_hash, dir));
        CHECK(models::weights_hash_matches(changed, changed.weights_hash, dir));
    }
    SECTION("an identical copy in another directory: the same hash") {
        std::string dir = test::temp_path("hash_copy");
        fs::create_directories(dir);
        for (const char* f : {"config.json", "vocab.txt", "model.safetensors"})
            fs::copy_file(test::esm_tiny_dir() + "/" + f, dir + "/" + f);
        CHECK(models::load_esm2(dir, {}).weights_hash == base.weights_hash);
    }
    SECTION("a sharded checkpoint: a weight changed in the second shard") {
        auto dir = sharded_variant("hash_shards", [](nlohmann::json&) {});
        auto before = models::load_esm2(dir, {});
        const std::string shard = dir + "/model-00002-of-00002.safetensors";
        std::string bytes = test::read_file(shard);
        bytes.back() = static_cast<char>(bytes.back() ^ 1);  // a tensor byte, not the header
        test::write_file(shard, bytes);
        auto after = models::load_esm2(dir, {});
        CHECK(after.header_hash == before.header_hash);
        CHECK(after.weights_hash != before.weights_hash);
    }
    SECTION("a hash recorded by an older plmkit still matches its checkpoint, with a warning") {
        // 021da6d9731d57ac: the model_hash earlier plmkit builds wrote for this fixture
        // (FNV-1a of config.json and the header), as docs/embed.md quoted it.
        CHECK(base.header_hash == "021da6d9731d57ac");
        CHECK(models::weights_hash_matches(base, "021da6d9731d57ac", test::esm_tiny_dir()));
        CHECK_FALSE(models::weights_hash_matches(base, "0123456789abcdef", test::esm_tiny_dir()));
        CHECK_FALSE(models::weights_hash_matches(base, "", test::esm_tiny_dir()));
    }
}
