#include "models/layers/packed_attention.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include <ATen/Parallel.h>

#include "src/error.hpp"

// The 32-byte vectors below never cross a non-inlined call of another
// translation unit, so the ABI note about passing them is moot.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace plmkit::models {
namespace {

// Eight float lanes (GCC/Clang vector extension): AVX2 registers in the
// x86-64-v3 clone below, two SSE registers in the default one.
typedef float v8f __attribute__((vector_size(32)));
typedef std::int32_t v8i __attribute__((vector_size(32)));

constexpr std::int64_t kRows = 4;   ///< query rows per block
constexpr std::int64_t kKeys = 16;  ///< key columns per score tile (two v8f)

#define PLMKIT_INLINE inline __attribute__((always_inline))

PLMKIT_INLINE v8f splat(float c) {
    // Lane 0 shuffled to all lanes: one broadcast (an initializer list of
    // eight copies compiles to seven inserts, 0 + c to an extra add).
    const v8f first = {c};
#if defined(__clang__)
    return __builtin_shufflevector(first, first, 0, 0, 0, 0, 0, 0, 0, 0);
#else
    return __builtin_shuffle(first, v8i{});
#endif
}
PLMKIT_INLINE v8f load8(const float* p) {
    v8f v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
PLMKIT_INLINE void store8(float* p, v8f v) {
    std::memcpy(p, &v, sizeof v);
}

/// exp(x) for x <= 0 (Cephes expf: range reduction by ln 2 and a degree-6
/// polynomial, about 1 ulp); inputs below -87 give exp(-87) ~ 1.6e-38.
PLMKIT_INLINE v8f exp8(v8f x) {
    const v8f lo = splat(-87.0f);
    x = x < lo ? lo : x;
    const v8f magic = splat(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
    v8f n = x * splat(1.44269504088896341f) + magic;
    n = n - magic;
    v8f r = x - n * splat(0.693359375f);
    r = r - n * splat(-2.12194440e-4f);
    v8f p = splat(1.9875691500e-4f);
    p = p * r + splat(1.3981999507e-3f);
    p = p * r + splat(8.3334519073e-3f);
    p = p * r + splat(4.1665795894e-2f);
    p = p * r + splat(1.6666665459e-1f);
    p = p * r + splat(5.0000001201e-1f);
    v8f y = p * (r * r) + r + splat(1.0f);
    v8i e = (__builtin_convertvector(n, v8i) + 127) << 23;
    v8f scale;
    std::memcpy(&scale, &e, sizeof scale);
    return y * scale;
}

PLMKIT_INLINE float hmax(v8f v) {
    float m = v[0];
    for (int i = 1; i < 8; ++i)
        m = std::max(m, v[i]);
    return m;
}
PLMKIT_INLINE float hsum(v8f v) {
    float s = 0;
    for (int i = 0; i < 8; ++i)
        s += v[i];
    return s;
}

std::int64_t round_up(std::int64_t n, std::int64_t m) {
    return (n + m - 1) / m * m;
}

struct Geometry {
    std::int64_t hidden, head_dim;
    float scaling;
};

/// Floats of scratch one (sequence, head) of length `len` needs.
std::int64_t scratch_floats(std::int64_t len, std::int64_t d) {
    return round_up(len, kRows) * d + d * round_up(len, kKeys) + kRows * round_up(len, kKeys);
}

/// Rotated, scaled queries q [Lq,D] and rotated keys transposed kt [D,Lk]
/// (padding rows/columns zero) of head h of the sequence at rows o..o+L.
PLMKIT_INLINE void rotate_head(const float* qkv, std::int64_t o, std::int64_t len, std::int64_t h,
                               const std::int32_t* pos, const float* cos, const float* sin,
                               const Geometry& g, float* q, float* kt) {
    const std::int64_t e = g.hidden, d = g.head_dim, half = d / 2;
    const std::int64_t lq = round_up(len, kRows), lk = round_up(len, kKeys);
    for (std::int64_t i = 0; i < len; ++i) {
        const float* qi = qkv + (o + i) * 3 * e + h * d;
        const float* ki = qi + e;
        const float* c = cos + static_cast<std::int64_t>(pos[o + i]) * half;
        const float* s = sin + static_cast<std::int64_t>(pos[o + i]) * half;
        float* qo = q + i * d;
        std::int64_t t = 0;
        if (half % 8 == 0) {
            const v8f sc = splat(g.scaling);
            for (; t < half; t += 8) {
                const v8f cv = load8(c + t), sv = load8(s + t);
                const v8f x1 = load8(qi + t) * sc, x2 = load8(qi + t + half) * sc;
                store8(qo + t, x1 * cv - x2 * sv);
                store8(qo + t + half, x2 * cv + x1 * sv);
                const v8f k1 = load8(ki + t), k2 = load8(ki + t + half);
                const v8f r1 = k1 * cv - k2 * sv, r2 = k2 * cv + k1 * sv;
                for (int u = 0; u < 8; ++u) {
                    kt[(t + u) * lk + i] = r1[u];
                    kt[(t + u + half) * lk + i] = r2[u];
                }
            }
        }
        for (; t < half; ++t) {
            const float x1 = qi[t] * g.scaling, x2 = qi[t + half] * g.scaling;
            qo[t] = x1 * c[t] - x2 * s[t];
            qo[t + half] = x2 * c[t] + x1 * s[t];
            const float k1 = ki[t], k2 = ki[t + half];
            kt[t * lk + i] = k1 * c[t] - k2 * s[t];
            kt[(t + half) * lk + i] = k2 * c[t] + k1 * s[t];
        }
    }
    std::fill(q + len * d, q + lq * d, 0.0f);
    for (std::int64_t t = 0; t < d; ++t)
        std::fill(kt + t * lk + len, kt + (t + 1) * lk, 0.0f);
}

/// Scores of query rows i0..i0+kRows against all keys into s [kRows, Lk],
/// then exp(score - row max) with padding columns zeroed; returns 1/row sums.
PLMKIT_INLINE void softmax_rows(const float* q, const float* kt, std::int64_t i0, std::int64_t len,
                                std::int64_t d, float* s, float* inv) {
    const std::int64_t lk = round_up(len, kKeys);
    for (std::int64_t j0 = 0; j0 < lk; j0 += kKeys) {
        v8f a[kRows][2] = {};
        for (std::int64_t t = 0; t < d; ++t) {
            const v8f k0 = load8(kt + t * lk + j0), k1 = load8(kt + t * lk + j0 + 8);
            for (std::int64_t r = 0; r < kRows; ++r) {
                const v8f qv = splat(q[(i0 + r) * d + t]);
                a[r][0] += qv * k0;
                a[r][1] += qv * k1;
            }
        }
        for (std::int64_t r = 0; r < kRows; ++r) {
            store8(s + r * lk + j0, a[r][0]);
            store8(s + r * lk + j0 + 8, a[r][1]);
        }
    }
    const float neg_inf = -std::numeric_limits<float>::infinity();
    for (std::int64_t r = 0; r < kRows; ++r) {
        float* row = s + r * lk;
        std::fill(row + len, row + lk, neg_inf);
        v8f m = splat(neg_inf);
        for (std::int64_t j = 0; j < lk; j += 8) {
            const v8f v = load8(row + j);
            m = v > m ? v : m;
        }
        const v8f mx = splat(hmax(m));
        v8f sum = splat(0.0f);
        for (std::int64_t j = 0; j < lk; j += 8) {
            const v8f p = exp8(load8(row + j) - mx);
            store8(row + j, p);
            sum += p;
        }
        float total = hsum(sum);
        for (std::int64_t j = len; j < lk; ++j)
            total -= row[j];
        std::fill(row + len, row + lk, 0.0f);
        inv[r] = 1.0f / total;
    }
}

/// out[r][0..8C) = inv[r] * sum_j p[r][j] v[j][0..8C) for the block's rows:
/// C value vectors of every key row at once (4C independent accumulators).
template <int C>
PLMKIT_INLINE void weigh_values(const float* p, std::int64_t lk, const float* v, std::int64_t ldv,
                                std::int64_t len, const float* inv, std::int64_t rows, float* out,
                                std::int64_t ldo) {
    v8f acc[kRows][C] = {};
    for (std::int64_t j = 0; j < len; ++j) {
        v8f vj[C];
        for (int c = 0; c < C; ++c)
            vj[c] = load8(v + j * ldv + 8 * c);
        for (std::int64_t r = 0; r < kRows; ++r) {
            const v8f pr = splat(p[r * lk + j]);
            for (int c = 0; c < C; ++c)
                acc[r][c] += pr * vj[c];
        }
    }
    for (std::int64_t r = 0; r < rows; ++r)
        for (int c = 0; c < C; ++c)
            store8(out + r * ldo + 8 * c, acc[r][c] * splat(inv[r]));
}

/// One (sequence, head): context rows o..o+L, columns h*D..h*D+D of `out`.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void attend_head(
    const float* qkv, float* out, std::int64_t o, std::int64_t len, std::int64_t h,
    const std::int32_t* pos, const float* cos, const float* sin, const Geometry& g,
    float* scratch) {
    const std::int64_t e = g.hidden, d = g.head_dim;
    const std::int64_t lq = round_up(len, kRows), lk = round_up(len, kKeys);
    float* q = scratch;
    float* kt = q + lq * d;
    float* s = kt + d * lk;
    rotate_head(qkv, o, len, h, pos, cos, sin, g, q, kt);
    const float* v = qkv + o * 3 * e + 2 * e + h * d;
    for (std::int64_t i0 = 0; i0 < len; i0 += kRows) {
        float inv[kRows];
        softmax_rows(q, kt, i0, len, d, s, inv);
        const std::int64_t rows = std::min(kRows, len - i0);
        float* o_rows = out + (o + i0) * e + h * d;
        const std::int64_t chunks = d / 8;
        if (chunks <= 3) {
            if (chunks == 1) weigh_values<1>(s, lk, v, 3 * e, len, inv, rows, o_rows, e);
            if (chunks == 2) weigh_values<2>(s, lk, v, 3 * e, len, inv, rows, o_rows, e);
            if (chunks == 3) weigh_values<3>(s, lk, v, 3 * e, len, inv, rows, o_rows, e);
        } else {
            std::int64_t c = 0;
            for (; c + 2 <= chunks; c += 2)
                weigh_values<2>(s, lk, v + 8 * c, 3 * e, len, inv, rows, o_rows + 8 * c, e);
            if (c < chunks)
                weigh_values<1>(s, lk, v + 8 * c, 3 * e, len, inv, rows, o_rows + 8 * c, e);
        }
    }
}

}  // namespace

at::Tensor packed_rotary_attention(const PackedAttentionInput& in) {
    const at::Tensor& qkv = in.qkv;
    if (qkv.dim() != 2 || qkv.scalar_type() != at::kFloat || !qkv.is_contiguous() ||
        !qkv.device().is_cpu() || qkv.size(1) % 3 != 0 || in.heads <= 0)
        throw UsageError("packed attention: qkv must be a contiguous float32 CPU [N, 3E] matrix");
    const std::int64_t n = qkv.size(0), e = qkv.size(1) / 3, heads = in.heads;
    const std::int64_t d = e / heads;
    if (d * heads != e || d % 8 != 0)
        throw UsageError("packed attention: head size " + std::to_string(e) + "/" +
                         std::to_string(heads) + " is not a multiple of 8");
    if (in.offsets.empty() || in.offsets.front() != 0 || in.offsets.back() != n)
        throw UsageError("packed attention: offsets must run from 0 to " + std::to_string(n));
    if (in.positions.numel() != n || in.positions.scalar_type() != at::kInt ||
        !in.positions.is_contiguous())
        throw UsageError("packed attention: positions must be [N] int32");
    if (in.cos.scalar_type() != at::kFloat || !in.cos.is_contiguous() ||
        !in.cos.sizes().equals(in.sin.sizes()) || !in.sin.is_contiguous() || in.cos.dim() != 2 ||
        in.cos.size(1) != d / 2)
        throw UsageError("packed attention: rotary tables must be float32 [P, D/2]");
    const std::int32_t* pos = in.positions.data_ptr<std::int32_t>();
    for (std::int64_t i = 0; i < n; ++i)
        if (pos[i] < 0 || pos[i] >= in.cos.size(0))
            throw UsageError("packed attention: position " + std::to_string(pos[i]) +
                             " outside the rotary tables");
    const auto batch = static_cast<std::int64_t>(in.offsets.size()) - 1;
    std::int64_t longest = 0;
    for (std::int64_t b = 0; b < batch; ++b) {
        if (in.offsets[b + 1] < in.offsets[b])
            throw UsageError("packed attention: offsets must not decrease");
        longest = std::max(longest, in.offsets[b + 1] - in.offsets[b]);
    }
    at::Tensor out = at::empty({n, e}, qkv.options());
    const Geometry g{e, d, in.scaling};
    const float* src = qkv.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    const float* cos = in.cos.data_ptr<float>();
    const float* sin = in.sin.data_ptr<float>();
    const auto& off = in.offsets;
    at::parallel_for(0, batch * heads, 1, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> scratch(static_cast<std::size_t>(scratch_floats(longest, d)));
        for (std::int64_t task = begin; task < end; ++task) {
            const std::int64_t b = task / heads, h = task % heads;
            const std::int64_t len = off[b + 1] - off[b];
            if (len > 0) attend_head(src, dst, off[b], len, h, pos, cos, sin, g, scratch.data());
        }
    });
    return out;
}

}  // namespace plmkit::models
