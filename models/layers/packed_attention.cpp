#include "models/layers/packed_attention.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include <ATen/Parallel.h>

#include "src/error.hpp"

// The kernels' vectors never cross a non-inlined call of another
// translation unit, so the ABI notes about passing them are moot.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace plmkit::models {
namespace {

constexpr std::int64_t kRows = 4;      ///< query rows per block
constexpr std::int64_t kMaxKeys = 32;  ///< the widest kernel's key columns per score tile

#define PLMKIT_INLINE inline __attribute__((always_inline))

std::int64_t round_up(std::int64_t n, std::int64_t m) {
    return (n + m - 1) / m * m;
}

struct Geometry {
    std::int64_t hidden, head_dim;
    float scaling;
};

/// Floats of scratch one (sequence, head) of length `len` needs (any kernel).
std::int64_t scratch_floats(std::int64_t len, std::int64_t d) {
    return round_up(len, kRows) * d + d * round_up(len, kMaxKeys) + kRows * round_up(len, kMaxKeys);
}

// One copy of the kernel per instruction set (see the .inc): AVX-512 and
// AVX2 + FMA (x86-64-v4 and -v3) where GCC can target them, and the
// baseline everywhere.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PLMKIT_X86_KERNELS 1
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v4")
namespace avx512 {
#define PLMKIT_KERNEL_W 16
#include "models/layers/packed_attention_kernel.inc"
#undef PLMKIT_KERNEL_W
}  // namespace avx512
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("arch=x86-64-v3")
namespace avx2 {
#define PLMKIT_KERNEL_W 8
#include "models/layers/packed_attention_kernel.inc"
#undef PLMKIT_KERNEL_W
}  // namespace avx2
#pragma GCC pop_options
#endif
namespace baseline {
#define PLMKIT_KERNEL_W 4
#include "models/layers/packed_attention_kernel.inc"
#undef PLMKIT_KERNEL_W
}  // namespace baseline

typedef void (*AttendHead)(const float*, float*, std::int64_t, std::int64_t, std::int64_t,
                           const std::int32_t*, const float*, const float*, const Geometry&,
                           float*);

/// The kernel of `width` lanes (0: the widest this CPU runs), or null.
AttendHead kernel_for(int width) {
#if defined(PLMKIT_X86_KERNELS)
    __builtin_cpu_init();
    const bool v4 = __builtin_cpu_supports("x86-64-v4"), v3 = __builtin_cpu_supports("x86-64-v3");
    if ((width == 0 || width == 16) && v4) return avx512::attend_head;
    if ((width == 0 || width == 8) && v3) return avx2::attend_head;
#endif
    if (width == 0 || width == 4) return baseline::attend_head;
    return nullptr;
}

}  // namespace

bool packed_attention_has_width(int width) {
    return kernel_for(width) != nullptr;
}

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
    const AttendHead attend = kernel_for(in.vector_width);
    if (attend == nullptr)
        throw UsageError("packed attention: no " + std::to_string(in.vector_width) +
                         "-lane kernel for this CPU (0 = automatic, 16 = AVX-512, 8 = AVX2, "
                         "4 = baseline)");
    at::parallel_for(0, batch * heads, 1, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> scratch(static_cast<std::size_t>(scratch_floats(longest, d)));
        for (std::int64_t task = begin; task < end; ++task) {
            const std::int64_t b = task / heads, h = task % heads;
            const std::int64_t len = off[b + 1] - off[b];
            if (len > 0) attend(src, dst, off[b], len, h, pos, cos, sin, g, scratch.data());
        }
    });
    return out;
}

}  // namespace plmkit::models
