#include "models/class_groups.hpp"

namespace plmkit::models {
namespace {

template <typename F>
at::Tensor by_group(const at::Tensor& logits, const std::vector<std::int64_t>& counts, F f) {
    if (counts.size() <= 1) return f(logits);
    std::vector<at::Tensor> parts;
    std::int64_t begin = 0;
    for (std::int64_t k : counts) {
        parts.push_back(f(logits.slice(1, begin, begin + k)));
        begin += k;
    }
    return at::cat(parts, 1);
}

}  // namespace

at::Tensor softmax_groups(const at::Tensor& logits, const std::vector<std::int64_t>& counts) {
    return by_group(logits, counts, [](const at::Tensor& t) { return at::softmax(t, 1); });
}

at::Tensor log_softmax_groups(const at::Tensor& logits, const std::vector<std::int64_t>& counts) {
    return by_group(logits, counts, [](const at::Tensor& t) { return at::log_softmax(t, 1); });
}

std::int64_t group_offset(const std::vector<std::int64_t>& counts, std::size_t j) {
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < j && i < counts.size(); ++i)
        offset += counts[i];
    return offset;
}

}  // namespace plmkit::models
