#include "tests/models/esm2_fixture.hpp"

#include "models/esm2.hpp"
#include "models/esm2_loader.hpp"
#include "models/torch_runtime.hpp"
#include "src/error.hpp"

using namespace plmkit;

namespace {

constexpr int kLayers = 3;

const models::LoadedEsm2& tiny_f32() {
    static models::LoadedEsm2 loaded = models::load_esm2(test::esm_tiny_dir(), {});
    return loaded;
}

/// Runs every fixture sequence alone on `device` and compares with fair-esm.
/// All outputs except contacts: the packed (unpadded) path on the CPU.
models::Esm2ForwardOptions packed_outputs() {
    auto o = test::all_outputs(kLayers);
    o.need_contacts = false;
    return o;
}

void check_parity(models::Esm2& model, double rep_tol, double logit_tol, double contact_tol,
                  const models::Esm2ForwardOptions& options = test::all_outputs(kLayers)) {
    SafetensorsFile expected(test::shared_path("fixtures/esm2_tiny/expected.safetensors"));
    auto seqs = test::fixture_tokens();
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        const auto L = static_cast<std::int64_t>(seqs[i].size()) - 2;
        INFO("sequence " << i << " (" << L << " residues)");
        auto out = model->forward(test::pad_batch({seqs[i]}), options);
        auto got = test::extract(out, 0, L, kLayers);
        auto want = test::expected_outputs(expected, static_cast<std::int64_t>(i), kLayers);
        CHECK(test::max_abs_diff(got.mean, want.mean) < rep_tol);
        CHECK(test::max_abs_diff(got.bos, want.bos) < rep_tol);
        CHECK(test::max_abs_diff(got.per_tok, want.per_tok) < rep_tol);
        for (int k = 0; k <= kLayers; ++k) {
            INFO("layer_mean_" << k);
            CHECK(test::max_abs_diff(got.layer_means[k], want.layer_means[k]) < rep_tol);
        }
        CHECK(test::max_abs_diff(got.logits, want.logits) < logit_tol);
        if (options.need_contacts)
            CHECK(test::max_abs_diff(got.contacts, want.contacts) < contact_tol);
    }
}

}  // namespace

TEST_CASE("esm2: float32 CPU outputs match fair-esm 2.0.1 on esm2_tiny", "[models][esm2]") {
    auto model = tiny_f32().model;
    CHECK(model->has_lm_head());
    CHECK(model->has_contact_head());
    SECTION("with contacts (padded path)") {
        check_parity(model, 1e-4, 1e-3, 1e-4);
    }
    SECTION("without contacts (packed path)") {
        check_parity(model, 1e-4, 1e-3, 1e-4, packed_outputs());
    }
}

TEST_CASE("esm2: a padded batch gives the same outputs as each sequence alone", "[models][esm2]") {
    auto model = tiny_f32().model;
    auto seqs = test::fixture_tokens();
    const bool contacts = GENERATE(true, false);
    INFO((contacts ? "with contacts (padded path)" : "without contacts (packed path)"));
    auto options = contacts ? test::all_outputs(kLayers) : packed_outputs();
    auto batch = model->forward(test::pad_batch(seqs), options);
    REQUIRE(batch.logits.size(0) == 7);
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        const auto L = static_cast<std::int64_t>(seqs[i].size()) - 2;
        INFO("sequence " << i << " (" << L << " residues)");
        auto alone =
            test::extract(model->forward(test::pad_batch({seqs[i]}), options), 0, L, kLayers);
        auto padded = test::extract(batch, static_cast<std::int64_t>(i), L, kLayers);
        CHECK(test::max_abs_diff(alone.mean, padded.mean) < 1e-5);
        CHECK(test::max_abs_diff(alone.bos, padded.bos) < 1e-5);
        CHECK(test::max_abs_diff(alone.per_tok, padded.per_tok) < 1e-5);
        // Logits reach |26| where one float32 ulp is 1.9e-6: 1e-5 relative.
        const double logit_scale = std::max(1.0, alone.logits.abs().max().item<double>());
        CHECK(test::max_abs_diff(alone.logits, padded.logits) < 1e-5 * logit_scale);
        if (contacts) CHECK(test::max_abs_diff(alone.contacts, padded.contacts) < 1e-5);
        for (int k = 0; k <= kLayers; ++k)
            CHECK(test::max_abs_diff(alone.layer_means[k], padded.layer_means[k]) < 1e-5);
    }
}

TEST_CASE("esm2: <mask> tokens are zeroed and the rest rescaled (token dropout)",
          "[models][esm2]") {
    auto model = tiny_f32().model;
    // <cls> L A <mask> G <eos>: 1 of 6 non-pad tokens masked -> x * 0.88 / (1 - 1/6).
    auto tokens = at::tensor(std::vector<std::int64_t>{0, 4, 5, 32, 6, 2}).view({1, 6});
    models::Esm2ForwardOptions o;
    o.repr_layers = {0};
    auto x = model->forward(tokens, o).representations.at(0)[0];
    auto emb = model->word_embeddings.index_select(0, tokens[0]);
    const double scale = (1.0 - 0.15 * 0.8) / (1.0 - 1.0 / 6.0);
    CHECK(x[3].abs().max().item<double>() == 0.0);
    CHECK(test::max_abs_diff(x[1], emb[1] * scale) < 1e-6);
    CHECK(test::max_abs_diff(x[5], emb[5] * scale) < 1e-6);
}

TEST_CASE("esm2: packed and padded paths agree on a padded batch with <mask> tokens",
          "[models][esm2]") {
    auto model = tiny_f32().model;
    auto seqs = test::fixture_tokens();
    seqs.resize(4);
    seqs[1][3] = 32;  // <mask>: token dropout rescales that row only
    seqs[2][5] = seqs[2][9] = 32;
    auto tokens = test::pad_batch(seqs);
    auto padded = model->forward(tokens, test::all_outputs(kLayers));
    auto packed = model->forward(tokens, packed_outputs());
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        const auto L = static_cast<std::int64_t>(seqs[i].size()) - 2;
        INFO("sequence " << i);
        auto a = test::extract(padded, static_cast<std::int64_t>(i), L, kLayers);
        auto b = test::extract(packed, static_cast<std::int64_t>(i), L, kLayers);
        CHECK(test::max_abs_diff(a.per_tok, b.per_tok) < 1e-5);
        CHECK(test::max_abs_diff(a.bos, b.bos) < 1e-5);
        CHECK(test::max_abs_diff(a.logits, b.logits) < 1e-4);
        for (int k = 0; k <= kLayers; ++k)
            CHECK(test::max_abs_diff(a.layer_means[k], b.layer_means[k]) < 1e-5);
    }
}

TEST_CASE("esm2: forward rejects bad requests with a UsageError", "[models][esm2]") {
    auto model = tiny_f32().model;
    auto tokens = test::pad_batch({test::fixture_tokens()[3]});
    models::Esm2ForwardOptions o;
    o.repr_layers = {4};
    CHECK_THROWS_AS(model->forward(tokens, o), UsageError);
    o.repr_layers = {-1};
    CHECK_THROWS_WITH(model->forward(tokens, o), Catch::Contains("outside 0..3"));
    CHECK_THROWS_AS(model->forward(tokens.view({-1}), {}), UsageError);
}

TEST_CASE("esm2: bf16 compute keeps mean embeddings within cosine 0.999 of float32",
          "[models][esm2][bf16]") {
    models::Esm2LoadOptions opts;
    opts.dtype = ComputeDType::bf16;
    auto bf16 = models::load_esm2(test::esm_tiny_dir(), opts).model;
    auto f32 = tiny_f32().model;
    CHECK(bf16->word_embeddings.scalar_type() == at::kBFloat16);
    auto seqs = test::fixture_tokens();
    models::Esm2ForwardOptions o;
    o.repr_layers = {kLayers};
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        const auto L = static_cast<std::int64_t>(seqs[i].size()) - 2;
        auto tokens = test::pad_batch({seqs[i]});
        auto a = test::extract(bf16->forward(tokens, o), 0, L, kLayers).mean;
        auto b = test::extract(f32->forward(tokens, o), 0, L, kLayers).mean;
        double cosine = (at::dot(a, b) / (a.norm() * b.norm())).item<double>();
        INFO("sequence " << i << " cosine " << cosine);
        CHECK(cosine >= 0.999);
    }
}

TEST_CASE("esm2: CUDA outputs match fair-esm (skipped without a GPU)", "[models][esm2][cuda]") {
    if (!models::cuda_available()) {
        WARN("SKIPPED: no CUDA device visible; CUDA parity not run");
        SUCCEED("no GPU");
        return;
    }
    models::Esm2LoadOptions opts;
    opts.device = Device{DeviceKind::cuda, 0};
    auto model = models::load_esm2(test::esm_tiny_dir(), opts).model;
    // TF32 is off by default for matmuls in LibTorch; keep float32 tolerances.
    check_parity(model, 1e-4, 1e-3, 1e-4);
    SECTION("representations only (fused attention where available)") {
        SafetensorsFile expected(test::shared_path("fixtures/esm2_tiny/expected.safetensors"));
        auto seqs = test::fixture_tokens();
        models::Esm2ForwardOptions o;
        o.repr_layers = {kLayers};
        auto out = model->forward(test::pad_batch(seqs), o);
        for (std::size_t i = 0; i < seqs.size(); ++i) {
            const auto L = static_cast<std::int64_t>(seqs[i].size()) - 2;
            auto got = test::extract(out, static_cast<std::int64_t>(i), L, kLayers);
            auto want = test::expected_outputs(expected, static_cast<std::int64_t>(i), kLayers);
            CHECK(test::max_abs_diff(got.per_tok, want.per_tok) < 1e-4);
        }
    }
}

TEST_CASE("resolve_device: without CUDA, --device cuda is refused naming what was asked",
          "[models][device]") {
    if (models::cuda_available()) {
        SUCCEED("a GPU is visible: the refusal cannot happen here");
        return;
    }
    CHECK(models::resolve_device(parse_device("auto")).kind == DeviceKind::cpu);
    CHECK(models::resolve_device(parse_device("cpu")).kind == DeviceKind::cpu);
    CHECK_THROWS_WITH(models::resolve_device(parse_device("cuda")),
                      Catch::StartsWith("--device cuda: CUDA is not available"));
    CHECK_THROWS_WITH(models::resolve_device(parse_device("cuda:1")),
                      Catch::StartsWith("--device cuda:1: CUDA is not available"));
    CHECK_THROWS_AS(models::resolve_device(parse_device("cuda")), UsageError);
}
