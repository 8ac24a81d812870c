#include "models/layers/esm2_layer.hpp"

#include <algorithm>
#include <cmath>

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <torch/version.h>

#include "models/layers/packed_attention.hpp"

namespace plmkit::models {
namespace {

#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
constexpr bool kHaveFusedAttention = true;
#else
constexpr bool kHaveFusedAttention = false;
#endif

/// fair-esm's `x * cos + rotate_half(x) * sin` on [B,H,T,D] with [T,D/2]
/// tables: [x1*c - x2*s, x2*c + x1*s] (bit-identical, no cat of the tables).
at::Tensor apply_rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const auto half = x.size(-1) / 2;
    at::Tensor xf = x.scalar_type() == at::kFloat ? x : x.to(at::kFloat);
    at::Tensor x1 = xf.narrow(-1, 0, half), x2 = xf.narrow(-1, half, half);
    at::Tensor out =
        at::empty(xf.sizes(), xf.options().memory_format(at::MemoryFormat::Contiguous));
    at::Tensor o1 = out.narrow(-1, 0, half), o2 = out.narrow(-1, half, half);
    at::mul_out(o1, x1, cos);
    o1.sub_(x2 * sin);
    at::mul_out(o2, x2, cos);
    o2.add_(x1 * sin);
    return out.scalar_type() == x.scalar_type() ? out : out.to(x.scalar_type());
}

/// Rows per block of the packed path's fused layer norm + GEMM steps.
constexpr std::int64_t kBlockRows = 128;

/// f(begin, end) over consecutive blocks of at most kBlockRows rows of 0..n,
/// the blocks divided between LibTorch's threads.
template <typename F>
void for_row_blocks(std::int64_t n, const F& f) {
    at::parallel_for(0, n, kBlockRows, [&](std::int64_t begin, std::int64_t end) {
        c10::InferenceMode guard;  // thread-local: OpenMP workers need their own
        for (std::int64_t b = begin; b < end; b += kBlockRows)
            f(b, std::min(end, b + kBlockRows));
    });
}

}  // namespace

Esm2LayerImpl::Esm2LayerImpl(std::int64_t hidden, std::int64_t heads, std::int64_t intermediate,
                             double eps, const at::TensorOptions& options)
    : hidden_(hidden), heads_(heads), head_dim_(hidden / heads), eps_(eps) {
    auto p = [&](const char* name, at::IntArrayRef shape) {
        return register_parameter(name, at::empty(shape, options), /*requires_grad=*/false);
    };
    attn_ln_weight = p("attn_ln_weight", {hidden});
    attn_ln_bias = p("attn_ln_bias", {hidden});
    qkv_weight = p("qkv_weight", {3 * hidden, hidden});
    qkv_bias = p("qkv_bias", {3 * hidden});
    out_weight = p("out_weight", {hidden, hidden});
    out_bias = p("out_bias", {hidden});
    ffn_ln_weight = p("ffn_ln_weight", {hidden});
    ffn_ln_bias = p("ffn_ln_bias", {hidden});
    fc1_weight = p("fc1_weight", {intermediate, hidden});
    fc1_bias = p("fc1_bias", {intermediate});
    fc2_weight = p("fc2_weight", {hidden, intermediate});
    fc2_bias = p("fc2_bias", {hidden});
    auto steps = at::arange(0, head_dim_, 2, at::TensorOptions().dtype(at::kFloat));
    inv_freq = register_buffer(
        "inv_freq",
        (1.0 / at::pow(10000.0, steps / static_cast<double>(head_dim_))).to(options.device()));
}

void Esm2LayerImpl::rotary_tables(std::int64_t length, at::Tensor& cos, at::Tensor& sin) const {
    auto t = at::arange(length, inv_freq.options());
    auto freqs = at::outer(t, inv_freq);  // [T, D/2]
    cos = freqs.cos();
    sin = freqs.sin();
}

at::Tensor Esm2LayerImpl::attention(const at::Tensor& h, const AttentionContext& ctx,
                                    at::Tensor* probs) {
    const auto B = h.size(0), T = h.size(1);
    // [B*T,3E] -> [3,B,H,T,D]
    auto qkv = at::linear(h.reshape({B * T, hidden_}), qkv_weight, qkv_bias)
                   .view({B, T, 3, heads_, head_dim_})
                   .permute({2, 0, 3, 1, 4});
    const double scaling = 1.0 / std::sqrt(static_cast<double>(head_dim_));
    auto q = apply_rotary(qkv[0] * scaling, rot_cos, rot_sin);
    auto k = apply_rotary(qkv[1], rot_cos, rot_sin);
    auto v = qkv[2];
    at::Tensor context;
    if (kHaveFusedAttention && ctx.allow_fused && probs == nullptr) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
        at::Tensor mask;
        if (ctx.key_bias.defined()) mask = ctx.key_bias.to(q.scalar_type());
        context = at::scaled_dot_product_attention(q, k, v, mask, 0.0, false, 1.0);
#endif
    } else {
        auto scores = at::matmul(q, k.transpose(-1, -2));  // [B,H,T,T]
        if (scores.scalar_type() != at::kFloat) scores = scores.to(at::kFloat);
        if (ctx.key_bias.defined()) scores.add_(ctx.key_bias);
        auto p = at::softmax(scores, -1);
        if (p.scalar_type() != q.scalar_type()) p = p.to(q.scalar_type());
        context = at::matmul(p, v);  // [B,H,T,D]
        if (probs) *probs = p;
    }
    context = context.permute({0, 2, 1, 3}).reshape({B * T, hidden_});
    return at::linear(context, out_weight, out_bias).view({B, T, hidden_});
}

at::Tensor Esm2LayerImpl::forward(const at::Tensor& x, const AttentionContext& ctx,
                                  at::Tensor* probs) {
    const auto B = x.size(0), T = x.size(1);
    auto h = at::layer_norm(x, {hidden_}, attn_ln_weight, attn_ln_bias, eps_);
    auto y = x + attention(h, ctx, probs);
    h = at::layer_norm(y, {hidden_}, ffn_ln_weight, ffn_ln_bias, eps_).view({B * T, hidden_});
    h = at::gelu(at::linear(h, fc1_weight, fc1_bias));
    y.add_(at::linear(h, fc2_weight, fc2_bias).view({B, T, hidden_}));
    return y;
}

at::Tensor Esm2LayerImpl::forward_packed(const at::Tensor& x, const PackedContext& ctx) {
    const std::int64_t n = x.size(0);
    // Layer norm and projections row block by row block, the blocks shared
    // out between threads (each GEMM single-threaded: see SerialBlasScope),
    // so a block's intermediate [rows, 4E] stays in cache.
    PackedAttentionInput in;
    in.qkv = at::empty({n, 3 * hidden_}, x.options());
    for_row_blocks(n, [&](std::int64_t b, std::int64_t e) {
        auto h =
            at::layer_norm(x.narrow(0, b, e - b), {hidden_}, attn_ln_weight, attn_ln_bias, eps_);
        auto dst = in.qkv.narrow(0, b, e - b);
        at::addmm_out(dst, qkv_bias, h, qkv_weight.t());
    });
    if (in.qkv.scalar_type() != at::kFloat) in.qkv = in.qkv.to(at::kFloat);
    in.offsets = ctx.offsets;
    in.positions = ctx.positions;
    in.cos = rot_cos;
    in.sin = rot_sin;
    in.heads = heads_;
    in.scaling = static_cast<float>(1.0 / std::sqrt(static_cast<double>(head_dim_)));
    auto context = packed_rotary_attention(in);
    in.qkv = at::Tensor();
    if (context.scalar_type() != x.scalar_type()) context = context.to(x.scalar_type());
    auto y = at::empty_like(x);
    for_row_blocks(n, [&](std::int64_t b, std::int64_t e) {
        auto ys = y.narrow(0, b, e - b);
        at::addmm_out(ys, out_bias, context.narrow(0, b, e - b), out_weight.t());
        ys.add_(x.narrow(0, b, e - b));
        auto h = at::layer_norm(ys, {hidden_}, ffn_ln_weight, ffn_ln_bias, eps_);
        h = at::addmm(fc1_bias, h, fc1_weight.t());
        at::gelu_(h);
        ys.add_(fc2_bias);
        ys.addmm_(h, fc2_weight.t());
    });
    return y;
}

}  // namespace plmkit::models
