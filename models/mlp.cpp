#include "models/mlp.hpp"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/dropout.h>
#include <torch/nn/modules/linear.h>

#include <algorithm>
#include <vector>

#include "src/error.hpp"

namespace plmkit::models {

MlpImpl::MlpImpl(const MlpOptions& options) : options_(options) {
    if (options_.input_dim <= 0 || options_.output_dim <= 0)
        throw Error("MLP needs input_dim and output_dim > 0, got " +
                    std::to_string(options_.input_dim) + " and " +
                    std::to_string(options_.output_dim));
    layers_ = register_module("layers", torch::nn::ModuleList());
    std::int64_t in = options_.input_dim;
    for (auto h : options_.hidden) {
        layers_->push_back(torch::nn::Linear(in, h));
        in = h;
    }
    layers_->push_back(torch::nn::Linear(in, options_.output_dim));
}

at::Tensor MlpImpl::forward(const at::Tensor& x) {
    namespace F = torch::nn::functional;
    at::Tensor h = x;
    if (options_.input_dropout > 0)
        h = F::dropout(h,
                       F::DropoutFuncOptions().p(options_.input_dropout).training(is_training()));
    const std::size_t n = layers_->size();
    for (std::size_t i = 0; i < n; ++i) {
        h = layers_[i]->as<torch::nn::Linear>()->forward(h);
        if (i + 1 < n) {
            h = at::relu(h);
            if (options_.dropout > 0)
                h = F::dropout(h,
                               F::DropoutFuncOptions().p(options_.dropout).training(is_training()));
        }
    }
    return h;
}

at::Tensor MlpImpl::infer(const at::Tensor& x) const {
    at::Tensor h = x;
    const auto& layers = *layers_;
    const std::size_t n = layers.size();
    for (std::size_t i = 0; i < n; ++i) {
        const auto* linear = layers[i]->as<torch::nn::LinearImpl>();
        h = at::linear(h, linear->weight, linear->bias);
        if (i + 1 < n) h = at::relu(h);
    }
    return h;
}

void MlpImpl::infer_rows(const float* x, std::int64_t n, float* out) const {
    const auto& layers = *layers_;
    std::vector<float> a(x, x + n * options_.input_dim), b;
    std::int64_t in = options_.input_dim;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto* linear = layers[i]->as<torch::nn::LinearImpl>();
        const at::Tensor w = linear->weight.contiguous(), bias = linear->bias.contiguous();
        if (!w.device().is_cpu() || w.scalar_type() != at::kFloat)
            throw Error("MlpImpl::infer_rows needs float32 CPU weights");
        const std::int64_t outs = w.size(0);
        const float* wp = w.data_ptr<float>();
        const float* bp = bias.data_ptr<float>();
        b.assign(static_cast<std::size_t>(n * outs), 0.f);
        for (std::int64_t r = 0; r < n; ++r) {
            const float* xr = a.data() + r * in;
            float* yr = b.data() + r * outs;
            for (std::int64_t j = 0; j < outs; ++j) {
                const float* wj = wp + j * in;
                float acc = 0.f;
                for (std::int64_t k = 0; k < in; ++k)
                    acc += wj[k] * xr[k];
                acc += bp[j];
                yr[j] = i + 1 < layers.size() && acc < 0.f ? 0.f : acc;
            }
        }
        a.swap(b);
        in = outs;
    }
    std::copy(a.begin(), a.end(), out);
}

}  // namespace plmkit::models
