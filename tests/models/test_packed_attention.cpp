#include "tests/catch.hpp"

#include <ATen/ATen.h>

#include "models/layers/packed_attention.hpp"
#include "src/error.hpp"

using namespace plmkit;

namespace {

/// fair-esm's rotary attention of one sequence in float64 with plain ATen ops:
/// q*scaling, x*cos + rotate_half(x)*sin on q and k, softmax(q k^T) v.
at::Tensor reference(const at::Tensor& qkv, std::int64_t heads, const at::Tensor& positions,
                     const at::Tensor& inv_freq, double scaling) {
    const auto L = qkv.size(0), E = qkv.size(1) / 3, D = E / heads;
    auto x = qkv.to(at::kDouble).view({L, 3, heads, D}).permute({1, 2, 0, 3});  // [3,H,L,D]
    auto freqs = at::outer(positions.to(at::kDouble), inv_freq.to(at::kDouble));
    auto emb = at::cat({freqs, freqs}, -1);  // [L,D]
    auto rotate_half = [&](const at::Tensor& t) {
        return at::cat({-t.narrow(-1, D / 2, D / 2), t.narrow(-1, 0, D / 2)}, -1);
    };
    auto rot = [&](const at::Tensor& t) { return t * emb.cos() + rotate_half(t) * emb.sin(); };
    auto q = rot(x[0] * scaling), k = rot(x[1]), v = x[2];
    auto p = at::softmax(at::matmul(q, k.transpose(-1, -2)), -1);
    return at::matmul(p, v).permute({1, 0, 2}).reshape({L, E});  // [L,E]
}

}  // namespace

TEST_CASE("packed attention: each packed sequence attends only to itself, as fair-esm",
          "[models][attention]") {
    const std::int64_t heads = GENERATE(2, 4);
    const std::int64_t D = GENERATE(8, 16, 24, 32, 64);
    // The CPU's widest kernel, then each one it runs (AVX-512, AVX2, baseline).
    const int width = GENERATE(0, 16, 8, 4);
    if (!models::packed_attention_has_width(width)) return;
    const std::int64_t E = heads * D;
    INFO("heads " << heads << " head size " << D << " vector width " << width);
    at::manual_seed(3);
    // Lengths around the kernels' 4-row and 16- or 32-key blocks, one empty.
    const std::vector<std::int64_t> lengths = {1, 3, 17, 0, 33, 64, 5, 31, 32, 65};
    models::PackedAttentionInput in;
    in.offsets = {0};
    std::vector<at::Tensor> pos;
    for (auto L : lengths) {
        in.offsets.push_back(in.offsets.back() + L);
        pos.push_back(at::arange(L, at::kInt) + (L == 5 ? 7 : 0));  // a row that starts later
    }
    const auto N = in.offsets.back();
    in.qkv = at::randn({N, 3 * E});
    in.positions = at::cat(pos).contiguous();
    auto inv_freq =
        1.0 / at::pow(10000.0, at::arange(0, D, 2, at::kFloat) / static_cast<double>(D));
    auto freqs = at::outer(at::arange(80, at::kFloat), inv_freq);
    in.cos = freqs.cos();
    in.sin = freqs.sin();
    in.heads = heads;
    in.vector_width = width;
    in.scaling = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
    auto out = models::packed_rotary_attention(in);
    REQUIRE(out.sizes() == at::IntArrayRef({N, E}));
    for (std::size_t b = 0; b < lengths.size(); ++b) {
        if (lengths[b] == 0) continue;
        INFO("sequence " << b << " of length " << lengths[b]);
        auto rows = [&](const at::Tensor& t) { return t.narrow(0, in.offsets[b], lengths[b]); };
        auto want = reference(rows(in.qkv), heads, rows(in.positions), inv_freq, in.scaling);
        CHECK((rows(out).to(at::kDouble) - want).abs().max().item<double>() < 1e-5);
    }
}

TEST_CASE("packed attention: inputs it cannot use are UsageErrors", "[models][attention]") {
    models::PackedAttentionInput in;
    in.qkv = at::zeros({4, 3 * 32});
    in.offsets = {0, 4};
    in.positions = at::arange(4, at::kInt);
    in.cos = at::zeros({4, 8});
    in.sin = at::zeros({4, 8});
    in.heads = 2;
    CHECK_NOTHROW(models::packed_rotary_attention(in));
    SECTION("head size not a multiple of 8") {
        in.heads = 8;
        CHECK_THROWS_AS(models::packed_rotary_attention(in), UsageError);
    }
    SECTION("offsets not covering the rows") {
        in.offsets = {0, 3};
        CHECK_THROWS_WITH(models::packed_rotary_attention(in), Catch::Contains("offsets"));
    }
    SECTION("a vector width the kernels do not have") {
        in.vector_width = 5;
        CHECK_THROWS_WITH(models::packed_rotary_attention(in), Catch::Contains("no 5-lane kernel"));
    }
    SECTION("position beyond the rotary tables") {
        in.positions = at::arange(4, at::kInt) + 1;
        CHECK_THROWS_WITH(models::packed_rotary_attention(in), Catch::Contains("position 4"));
    }
}
