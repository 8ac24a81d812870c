#pragma once
// The softmax groups of a multi-class model with several targets
// (--task multiclass, docs/train.md): target j's classes are the outputs
// [offset(j), offset(j) + counts[j]), each group its own softmax, as in
// Chemprop's multi-target multiclass. `counts` empty (or one group) is the
// one-target model: a softmax over all the outputs.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>

namespace plmkit::models {

/// at::softmax(logits, 1) within each group of columns; with `counts` empty
/// or of one group, exactly at::softmax(logits, 1).
at::Tensor softmax_groups(const at::Tensor& logits, const std::vector<std::int64_t>& counts);

/// at::log_softmax(logits, 1) within each group, as softmax_groups.
at::Tensor log_softmax_groups(const at::Tensor& logits, const std::vector<std::int64_t>& counts);

/// The first output of group j: the sum of counts[0..j).
std::int64_t group_offset(const std::vector<std::int64_t>& counts, std::size_t j);

}  // namespace plmkit::models
