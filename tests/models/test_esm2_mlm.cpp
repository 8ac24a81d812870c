// The differentiable ESM-2 masked LM of `plmkit pretrain --kind protein`
// against the fixture's fair-esm logits and the inference model.
#include <set>

#include "tests/models/esm2_fixture.hpp"

#include "models/esm2_loader.hpp"
#include "models/esm2_mlm.hpp"
#include "src/error.hpp"

using namespace plmkit;

namespace {

models::LoadedEsm2 load_tiny() {
    return models::load_esm2(test::esm_tiny_dir(), {});
}

/// Flat positions (into the padded [B,T] batch) of residues i % 5 == 2 of
/// every fixture sequence, and the residues' ids there.
void fixed_mask(const std::vector<std::vector<std::int64_t>>& seqs, std::int64_t T,
                std::vector<std::int64_t>& positions, std::vector<std::int64_t>& labels) {
    for (std::size_t b = 0; b < seqs.size(); ++b) {
        const auto L = static_cast<std::int64_t>(seqs[b].size()) - 2;
        for (std::int64_t i = 0; i < L; ++i) {
            if (i % 5 != 2) continue;
            positions.push_back(static_cast<std::int64_t>(b) * T + 1 + i);
            labels.push_back(seqs[b][static_cast<std::size_t>(1 + i)]);
        }
    }
}

}  // namespace

TEST_CASE("esm2 mlm: the initial loss is the cross-entropy of fair-esm's logits",
          "[models][esm2_mlm]") {
    // Expected: /usr/bin/python3 with numpy over expected.safetensors' logits
    // (fair-esm 2.0.1), residues i % 5 == 2 of the 7 sequences (first 1022
    // residues), labels the unmasked residues: 370 positions, mean 17.313270748,
    // 29 argmax hits. Unmasked input, so fair-esm's logits apply as they are.
    models::Esm2MaskedLM lm(load_tiny().model);
    CHECK(lm.tied());
    auto seqs = test::fixture_tokens();
    at::Tensor tokens = test::pad_batch(seqs);
    std::vector<std::int64_t> positions, labels;
    fixed_mask(seqs, tokens.size(1), positions, labels);
    REQUIRE(positions.size() == 370);
    std::int64_t correct = 0;
    at::Tensor loss = lm.loss(tokens, at::tensor(positions), at::tensor(labels), &correct);
    CHECK(loss.item<double>() == Approx(17.31327074845773).epsilon(1e-5));
    CHECK(correct == 29);
    CHECK(loss.requires_grad());
}

TEST_CASE("esm2 mlm: with <mask> tokens it gives the inference model's logits",
          "[models][esm2_mlm]") {
    // Token-dropout rescaling with masks present, padding and the tied decoder
    // all as in Esm2Impl::forward (itself checked against fair-esm).
    models::LoadedEsm2 loaded = load_tiny();
    auto seqs = test::fixture_tokens();
    seqs.resize(4);
    seqs[0][3] = seqs[0][7] = 32;
    seqs[1][2] = 32;
    seqs[3][5] = 32;
    at::Tensor tokens = test::pad_batch(seqs);
    models::Esm2ForwardOptions o;
    o.need_logits = true;
    o.need_contacts = true;  // the padded path
    at::Tensor want = loaded.model->forward(tokens, o).logits.reshape({-1, 33});
    std::vector<std::int64_t> positions;
    for (std::int64_t b = 0; b < 4; ++b)
        for (std::int64_t i : {1, 2, 3, 5, 7})
            positions.push_back(b * tokens.size(1) + i);
    at::Tensor pos = at::tensor(positions);
    models::Esm2MaskedLM lm(loaded.model);
    at::Tensor got = lm.logits_at(tokens, pos);
    CHECK(test::max_abs_diff(got.detach(), want.index_select(0, pos)) < 1e-4);
}

TEST_CASE("esm2 mlm: checkpoint tensors carry the checkpoint's names and values",
          "[models][esm2_mlm]") {
    models::Esm2MaskedLM lm(load_tiny().model);
    SafetensorsFile file(test::esm_tiny_dir() + "/model.safetensors");
    std::set<std::string> names;
    for (const auto& [name, t] : lm.checkpoint_tensors("esm.")) {
        INFO(name);
        REQUIRE(file.contains(name));
        names.insert(name);
        CHECK(test::max_abs_diff(t, test::stored_tensor(file, name)) == 0.0);
    }
    // Every checkpoint tensor but the rotary frequencies and the contact head
    // (not trained by the masked-LM loss) is trained.
    for (const auto& name : file.names())
        if (name.find("inv_freq") == std::string::npos &&
            name.find("contact_head") == std::string::npos)
            CHECK(names.count(name) == 1);
    CHECK(names.size() == file.names().size() - 3 - 2);
}

TEST_CASE("esm2 mlm: a checkpoint without the masked-LM head is refused", "[models][esm2_mlm]") {
    models::LoadedEsm2 loaded = load_tiny();
    loaded.model->set_has_lm_head(false);
    CHECK_THROWS_WITH(
        models::Esm2MaskedLM(loaded.model),
        Catch::Contains("no masked-LM head") && Catch::Contains("EsmForMaskedLM checkpoint"));
}
