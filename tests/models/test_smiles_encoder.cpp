#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "models/smiles_encoder.hpp"
#include "src/error.hpp"
#include "src/safetensors.hpp"
#include "tests/test_support.hpp"

#include "tests/catch.hpp"

using namespace plmkit;
using models::SmilesEncoder;
using models::SmilesEncoderConfig;

namespace {

SmilesEncoderConfig tiny_config() {
    SmilesEncoderConfig c;
    c.vocab_size = 12;
    c.hidden = 16;
    c.layers = 2;
    c.heads = 4;
    c.ffn = 32;
    c.max_len = 10;
    c.dropout = 0.1;
    return c;
}

tokenizers::Vocab tiny_vocab() {
    std::vector<std::string> t = tokenizers::Vocab::special_tokens();
    for (const char* s : {"C", "c", "O", "N", "(", ")", "1"})
        t.push_back(s);
    return tokenizers::Vocab(t);
}

at::Tensor tokens(const std::vector<std::vector<std::int64_t>>& rows, std::int64_t t) {
    at::Tensor out = at::zeros({static_cast<std::int64_t>(rows.size()), t}, at::kLong);
    for (std::size_t b = 0; b < rows.size(); ++b)
        for (std::size_t i = 0; i < rows[b].size(); ++i)
            out[b][i] = rows[b][i];
    return out;
}

}  // namespace

TEST_CASE("SMILES encoder shapes, padding and pooling", "[smiles_encoder]") {
    at::manual_seed(7);
    SmilesEncoder model(tiny_config());
    model->eval();
    at::NoGradGuard no_grad;
    // <cls> C C O <eos> and <cls> c 1 c c 1 N <eos>
    std::vector<std::int64_t> a{2, 5, 5, 7, 3}, b{2, 6, 11, 6, 6, 11, 8, 3};

    SECTION("hidden states and logits have the documented shapes") {
        at::Tensor x = tokens({a, b}, 8);
        at::Tensor h = model->forward(x);
        CHECK(h.sizes() == at::IntArrayRef({2, 8, 16}));
        CHECK(model->mlm_logits(h).sizes() == at::IntArrayRef({2, 8, 12}));
        CHECK(model->pooled(x).sizes() == at::IntArrayRef({2, 16}));
    }
    SECTION("padding does not change the real tokens' states or the pooled vector") {
        at::Tensor alone = model->forward(tokens({a}, 5));
        at::Tensor batched = model->forward(tokens({a, b}, 8));
        CHECK(at::allclose(alone[0], batched[0].narrow(0, 0, 5), 1e-5, 1e-5));
        at::Tensor pooled_alone = model->pooled(tokens({a}, 5));
        at::Tensor pooled_batched = model->pooled(tokens({a, b}, 8));
        CHECK(at::allclose(pooled_alone[0], pooled_batched[0], 1e-5, 1e-5));
        // pooled = plain mean of the 5 real positions
        CHECK(at::allclose(pooled_alone[0], alone[0].mean(0), 1e-5, 1e-6));
    }
    SECTION("eval mode is deterministic, train mode applies dropout") {
        at::Tensor x = tokens({b}, 8);
        CHECK(at::equal(model->forward(x), model->forward(x)));
        model->train();
        CHECK_FALSE(at::allclose(model->forward(x), model->forward(x)));
        model->eval();
    }
    SECTION("too many positions is a usage error") {
        CHECK_THROWS_AS(model->forward(at::full({1, 11}, 5, at::kLong)), UsageError);
    }
}

TEST_CASE("SMILES encoder config validation", "[smiles_encoder]") {
    SmilesEncoderConfig c = tiny_config();
    c.heads = 3;
    CHECK_THROWS_AS(c.validate(), UsageError);
    nlohmann::json j = tiny_config().to_json();
    j["hidden"] = -4;
    CHECK_THROWS_WITH(SmilesEncoderConfig::from_json(j, "x/config.json"),
                      Catch::Contains("x/config.json") && Catch::Contains("hidden"));
}

TEST_CASE("encode_smiles wraps in <cls>/<eos> and rejects with a reason", "[smiles_encoder]") {
    tokenizers::Vocab vocab = tiny_vocab();
    std::vector<std::int32_t> ids;
    CHECK(models::encode_smiles(vocab, "CC(O)Br", 10, ids).empty());
    // Br is not in the vocabulary: <unk> (1)
    CHECK(ids == std::vector<std::int32_t>{2, 5, 5, 9, 7, 10, 1, 3});
    CHECK_THAT(models::encode_smiles(vocab, "CC O", 10, ids), Catch::Contains("position 3"));
    CHECK_THAT(models::encode_smiles(vocab, "CCCCCCCCC", 10, ids),
               Catch::Contains("9 tokens") && Catch::Contains("at most 8"));
}

TEST_CASE("SMILES encoder save/load round trip", "[smiles_encoder]") {
    at::manual_seed(11);
    SmilesEncoder model(tiny_config());
    model->eval();
    const std::string dir = test::temp_path("smiles_lm_roundtrip");
    models::save_smiles_encoder(model, tiny_vocab(), dir, {{"epochs", 3}});
    at::Tensor x = tokens({{2, 5, 5, 7, 3}, {2, 6, 11, 6, 6, 11, 8, 3}}, 8);

    SECTION("identical pooled embeddings and vocabulary") {
        models::LoadedSmilesEncoder loaded = models::load_smiles_encoder(dir);
        at::NoGradGuard no_grad;
        CHECK(at::equal(model->pooled(x), loaded.model->pooled(x)));
        CHECK(loaded.vocab.tokens() == tiny_vocab().tokens());
        CHECK_FALSE(loaded.model->is_training());
        auto j = nlohmann::json::parse(test::read_file(dir + "/config.json"));
        CHECK(j["pretrain"]["epochs"] == 3);
        // saving again replaces the directory in place
        models::save_smiles_encoder(model, tiny_vocab(), dir);
        CHECK(std::filesystem::exists(dir + "/model.safetensors"));
    }
    SECTION("a wrong tensor shape names the tensor") {
        const std::string bad = test::temp_path("smiles_lm_bad");
        SmilesEncoderConfig c = tiny_config();
        c.ffn = 24;
        models::save_smiles_encoder(SmilesEncoder(c), tiny_vocab(), bad);
        nlohmann::json j = c.to_json();
        j["ffn"] = 32;
        test::write_file(bad + "/config.json", j.dump());
        CHECK_THROWS_WITH(models::load_smiles_encoder(bad),
                          Catch::Contains("layers.0.fc1_weight") && Catch::Contains("[24,16]"));
    }
    SECTION("a vocabulary of the wrong size is a model error") {
        const std::string bad = test::temp_path("smiles_lm_badvocab");
        models::save_smiles_encoder(model, tiny_vocab(), bad);
        test::write_file(bad + "/vocab.txt", "<pad>\n<unk>\n<cls>\n<eos>\n<mask>\nC\n");
        CHECK_THROWS_AS(models::load_smiles_encoder(bad), ModelError);
    }
    SECTION("a missing directory is an I/O error") {
        CHECK_THROWS_AS(models::load_smiles_encoder(dir + "-missing"), IoError);
    }
}
