#include "models/encoder_head.hpp"

#include <algorithm>

#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {

at::Tensor pad_tokens(const std::vector<const std::vector<std::int32_t>*>& rows,
                      std::int64_t pad_id, const at::Device& device) {
    std::size_t longest = 0;
    for (const auto* r : rows)
        longest = std::max(longest, r->size());
    const auto b = static_cast<std::int64_t>(rows.size()), t = static_cast<std::int64_t>(longest);
    at::Tensor out = at::full({b, t}, pad_id, at::kLong);
    std::int64_t* p = out.data_ptr<std::int64_t>();
    for (std::int64_t i = 0; i < b; ++i)
        std::copy(rows[i]->begin(), rows[i]->end(), p + i * t);
    return out.to(device);
}

EncoderHead::EncoderHead(std::shared_ptr<SequenceEncoder> encoder, Mlp head)
    : encoder_(std::move(encoder)), head_(std::move(head)) {
    if (head_->options().input_dim != encoder_->dim())
        throw UsageError("the head takes " + count_noun(head_->options().input_dim, "feature") +
                         ", the encoder gives " + std::to_string(encoder_->dim()));
    head_->to(encoder_->device());
}

at::Tensor EncoderHead::forward(const TrainTensors& data, const at::Tensor& rows) {
    if (!data.tokens) throw Error("EncoderHead::forward: the data has no token ids");
    const at::Tensor r = rows.to(at::kCPU, at::kLong).contiguous();
    const std::int64_t* idx = r.data_ptr<std::int64_t>();
    std::vector<const std::vector<std::int32_t>*> batch;
    for (std::int64_t i = 0; i < r.numel(); ++i)
        batch.push_back(&(*data.tokens)[static_cast<std::size_t>(idx[i])]);
    at::Tensor tokens = pad_tokens(batch, encoder_->pad_id(), encoder_->device());
    return head_->forward(encoder_->pooled(tokens).to(at::kFloat));
}

std::vector<at::Tensor> EncoderHead::parameters() {
    std::vector<at::Tensor> out;
    for (auto& [name, p] : encoder_->trainable())
        out.push_back(p);
    for (auto& p : head_->parameters())
        out.push_back(p);
    return out;
}

std::size_t EncoderHead::encoder_parameter_count() {
    return encoder_->trainable().size();
}

void EncoderHead::train(bool on) {
    encoder_->train(on);
    head_->train(on);
}

}  // namespace plmkit::models
