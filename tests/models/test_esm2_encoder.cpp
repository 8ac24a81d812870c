// The differentiable ESM-2 encoder (fine-tuning) against fair-esm 2.0.1's
// outputs of the esm2_tiny fixture and against Esm2's inference forward on
// the same padded batch; gradients reach exactly the trainable parameters;
// a tiny training run lowers the loss and leaves the frozen base untouched.
#include <map>
#include <set>

#include "models/encoder_head.hpp"
#include "models/esm2_encoder.hpp"
#include "models/esm2_loader.hpp"
#include "models/trainer.hpp"
#include "src/error.hpp"
#include "tests/models/esm2_fixture.hpp"

#include "tests/catch.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

constexpr int kLayers = 3;

Esm2 tiny() {
    static LoadedEsm2 loaded = load_esm2(test::esm_tiny_dir(), {});
    return loaded.model;
}

/// Mean over residues 1..L of Esm2's final representation, per row.
at::Tensor inference_means(const at::Tensor& tokens, bool bos) {
    Esm2ForwardOptions fo;
    fo.repr_layers = {kLayers};
    at::Tensor rep = tiny()->forward(tokens, fo).representations.at(kLayers);
    std::vector<at::Tensor> rows;
    for (std::int64_t b = 0; b < tokens.size(0); ++b) {
        const auto L = tokens[b].ne(tokenizers::EsmTokenizer::kPad).sum().item<std::int64_t>() - 2;
        rows.push_back(bos ? rep[b][0] : rep[b].narrow(0, 1, L).mean(0));
    }
    return at::stack(rows).clone();
}

FinetuneMode mode(const char* text) {
    return parse_finetune(text);
}

/// Named base parameters, cloned (to compare after training).
std::map<std::string, at::Tensor> snapshot(const Esm2& m) {
    std::map<std::string, at::Tensor> out;
    for (const auto& p : m->named_parameters())
        out[p.key()] = p.value().detach().clone();
    return out;
}

}  // namespace

TEST_CASE("esm2 encoder: pooled output equals fair-esm and the inference forward",
          "[models][esm2_encoder]") {
    SafetensorsFile expected(test::shared_path("fixtures/esm2_tiny/expected.safetensors"));
    auto seqs = test::fixture_tokens();
    at::Tensor batch = test::pad_batch(seqs);  // padded: lengths 20..1024
    const char* modes[] = {"frozen", "last:1", "last:3", "full"};
    for (const char* m : modes) {
        for (bool bos : {false, true}) {
            INFO(m << (bos ? " bos" : " mean"));
            EsmSequenceEncoder enc(tiny(), mode(m), bos ? "bos" : "mean");
            at::Tensor got = enc.pooled(batch).detach();
            REQUIRE(got.sizes() == at::IntArrayRef({7, 64}));
            CHECK(test::max_abs_diff(got, inference_means(batch, bos)) < 1e-5);
            at::Tensor want = test::stored_tensor(expected, bos ? "bos" : "mean");
            CHECK(test::max_abs_diff(got, want) < 1e-4);
        }
    }
    SECTION("each sequence alone equals its row of the padded batch") {
        EsmSequenceEncoder enc(tiny(), mode("last:1"));
        at::Tensor all = enc.pooled(batch).detach();
        for (std::size_t i = 0; i < seqs.size(); ++i) {
            INFO("sequence " << i);
            at::Tensor one = enc.pooled(test::pad_batch({seqs[i]})).detach();
            CHECK(test::max_abs_diff(one[0], all[static_cast<std::int64_t>(i)]) < 1e-5);
        }
    }
    SECTION("under inference mode too") {
        EsmSequenceEncoder enc(tiny(), mode("full"));
        at::InferenceMode guard;
        CHECK(test::max_abs_diff(enc.pooled(batch), inference_means(batch, false)) < 1e-5);
    }
}

TEST_CASE("esm2 encoder: gradients reach exactly the trainable parameters",
          "[models][esm2_encoder]") {
    auto seqs = test::fixture_tokens();
    at::Tensor batch = test::pad_batch({seqs[0], seqs[3], seqs[4]});  // 99, 20, 80 residues
    std::set<std::string> base_names;
    for (const auto& p : tiny()->named_parameters())
        base_names.insert(p.key());

    SECTION("last:1: block 2 and the final LayerNorm") {
        EsmSequenceEncoder enc(tiny(), mode("last:1"));
        CHECK(enc.first_trainable_block() == 2);
        auto params = enc.trainable();
        CHECK(params.size() == 12 + 2);
        enc.pooled(batch).pow(2).sum().backward();
        for (const auto& [name, t] : params) {
            INFO(name);
            CHECK(base_names.count(name) == 1);
            CHECK((name.rfind("layer2.", 0) == 0 || name.rfind("final_ln_", 0) == 0));
            CHECK(t.requires_grad());
            REQUIRE(t.grad().defined());
            CHECK(t.grad().abs().sum().item<double>() > 0);
        }
        for (const auto& p : tiny()->named_parameters()) {
            INFO(p.key());
            CHECK_FALSE(p.value().requires_grad());
            CHECK_FALSE(p.value().grad().defined());
        }
    }
    SECTION("full: embeddings, every block, the final LayerNorm") {
        EsmSequenceEncoder enc(tiny(), mode("full"));
        auto params = enc.trainable();
        CHECK(params.size() == 1 + 12 * 3 + 2);
        CHECK(params.front().first == "word_embeddings");
        enc.pooled(batch).pow(2).sum().backward();
        for (const auto& [name, t] : params) {
            INFO(name);
            CHECK(base_names.count(name) == 1);
            REQUIRE(t.grad().defined());
            CHECK(t.grad().abs().sum().item<double>() > 0);
        }
    }
    SECTION("frozen: nothing trains, no graph") {
        EsmSequenceEncoder enc(tiny(), mode("frozen"));
        CHECK(enc.trainable().empty());
        CHECK_FALSE(enc.pooled(batch).requires_grad());
    }
    SECTION("last:N beyond the model's blocks") {
        CHECK_THROWS_AS(EsmSequenceEncoder(tiny(), mode("last:4")), UsageError);
        CHECK_THROWS_AS(EsmSequenceEncoder(tiny(), mode("full"), "max"), UsageError);
    }
}

TEST_CASE("esm2 encoder: a tiny training run lowers the loss, the base stays as loaded",
          "[models][esm2_encoder]") {
    const auto before = snapshot(tiny());
    // 16 short sequences (windows of the fixture's), target = fraction of
    // hydrophobic residues (AILMFVW), which the model must learn.
    auto seqs = test::fixture_tokens();
    auto rows = std::make_shared<std::vector<std::vector<std::int32_t>>>();
    std::vector<float> y;
    const std::string hydrophobic = "AILMFVW";
    tokenizers::EsmTokenizer tok;
    std::set<std::int64_t> hyd_ids;
    for (char c : hydrophobic)
        hyd_ids.insert(tok.encode(std::string(1, c)).ids.at(1));
    for (int w = 0; w < 16; ++w) {
        const auto& s = seqs[static_cast<std::size_t>(w % 2 == 0 ? 1 : 2)];  // 458, 1022 residues
        const std::size_t start = 1 + static_cast<std::size_t>(w) * 25, len = 30;
        std::vector<std::int32_t> ids{tokenizers::EsmTokenizer::kCls};
        int count = 0;
        for (std::size_t i = start; i < start + len; ++i) {
            ids.push_back(static_cast<std::int32_t>(s[i]));
            count += static_cast<int>(hyd_ids.count(s[i]));
        }
        ids.push_back(tokenizers::EsmTokenizer::kEos);
        rows->push_back(ids);
        y.push_back(static_cast<float>(count) / len);
    }
    TrainTensors data;
    data.tokens = rows;
    data.y = at::tensor(y).view({16, 1});
    data.y = (data.y - data.y.mean()) / data.y.std();
    data.mask = at::ones_like(data.y);

    at::manual_seed(3);
    auto encoder = std::make_shared<EsmSequenceEncoder>(tiny(), mode("last:1"));
    MlpOptions mo;
    mo.input_dim = 64;
    mo.hidden = {16};
    mo.dropout = 0.0;
    auto model = std::make_shared<EncoderHead>(encoder, Mlp(mo));
    TrainerOptions to;
    to.epochs = 25;
    to.batch_size = 4;
    to.lr = 3e-3;
    to.weight_decay = 0.0;
    to.patience = 0;
    to.log_epochs = false;
    std::map<std::string, at::Tensor> initial;
    for (const auto& [name, t] : encoder->trainable())
        initial[name] = t.detach().clone();
    Trainer trainer(model, to);
    trainer.fit(data, data);
    const auto& h = trainer.history();
    REQUIRE(h.size() == 25);
    INFO("train loss " << h.front().train_loss << " -> " << h.back().train_loss);
    CHECK(h.back().train_loss < 0.5 * h.front().train_loss);

    // The trainable copies moved; the shared base did not change at all.
    for (const auto& [name, t] : encoder->trainable()) {
        INFO(name);
        CHECK_FALSE(at::equal(t, initial[name]));
    }
    for (const auto& p : tiny()->named_parameters()) {
        INFO(p.key());
        CHECK(at::equal(p.value(), before.at(p.key())));
    }

    // The trained tensors, loaded into a fresh encoder on the same base,
    // give identical outputs.
    std::vector<std::pair<std::string, at::Tensor>> state;
    for (const auto& [name, t] : encoder->trainable())
        state.emplace_back(name, t.detach().clone());
    EsmSequenceEncoder fresh(tiny(), mode("last:1"));
    fresh.load_trainable(state, "test");
    at::Tensor batch = test::pad_batch({seqs[0], seqs[3]});
    at::InferenceMode guard;
    CHECK(at::equal(fresh.pooled(batch), encoder->pooled(batch)));
    CHECK_FALSE(at::equal(fresh.pooled(batch), inference_means(batch, false)));
}
