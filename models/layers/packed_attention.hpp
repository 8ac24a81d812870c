#pragma once
// Rotary self-attention over packed (unpadded) sequences on the CPU: the
// tokens of all sequences of a batch lie back to back in one [N, 3E] matrix
// of fused query/key/value projections, and each sequence attends only to
// itself. No score matrix is materialised: per (sequence, head) a block of
// query rows computes its scores, float32 softmax and weighted values in
// cache-resident scratch.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

namespace plmkit::models {

struct PackedAttentionInput {
    /// [N, 3E] float32 contiguous: q | k | v, each [H, D] per token.
    at::Tensor qkv;
    /// offsets[b] .. offsets[b+1] are the packed rows of sequence b.
    std::vector<std::int64_t> offsets;
    /// [N] int32: rotary position of each token (its column in the padded batch).
    at::Tensor positions;
    /// [P, D/2] float32 rotary tables, P > every position.
    at::Tensor cos, sin;
    std::int64_t heads = 0;
    /// Applied to the queries before the rotation (fair-esm order).
    float scaling = 1.0f;
    /// Float lanes of the score kernel: 0 picks the widest this CPU runs;
    /// 16 (AVX-512), 8 (AVX2 + FMA) or 4 (baseline SSE2) ask for one (tests
    /// run each); one this CPU lacks is a UsageError.
    int vector_width = 0;
};

/// Whether packed_rotary_attention runs a kernel of `width` lanes here.
bool packed_attention_has_width(int width);

/// Returns the attention context [N, E] float32 (heads concatenated, before
/// the output projection).
at::Tensor packed_rotary_attention(const PackedAttentionInput& in);

}  // namespace plmkit::models
