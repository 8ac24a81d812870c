#include "tests/models/esm2_fixture.hpp"

#include <filesystem>
#include <functional>

#include <nlohmann/json.hpp>

#include "models/esm2_loader.hpp"
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
    CHECK(loaded.weights_hash.size() == 16);
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
        CHECK_THROWS_WITH(model->forward(tokens, o), Catch::Contains("no contact head"));
    }
    SECTION("sharded checkpoint with model.safetensors.index.json") {
        std::string dir = test::temp_path("sharded");
        fs::create_directories(dir);
        fs::copy_file(test::esm_tiny_dir() + "/config.json", dir + "/config.json");
        fs::copy_file(test::esm_tiny_dir() + "/vocab.txt", dir + "/vocab.txt");
        auto ts = fixture_tensors();
        std::vector<OwnedTensor> a(ts.begin(), ts.begin() + 10), b(ts.begin() + 10, ts.end());
        write_tensors(dir + "/model-00001-of-00002.safetensors", a);
        write_tensors(dir + "/model-00002-of-00002.safetensors", b);
        nlohmann::json index;
        for (const auto& t : a)
            index["weight_map"][t.name] = "model-00001-of-00002.safetensors";
        for (const auto& t : b)
            index["weight_map"][t.name] = "model-00002-of-00002.safetensors";
        test::write_file(dir + "/model.safetensors.index.json", index.dump());
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
