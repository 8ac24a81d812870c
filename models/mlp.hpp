#pragma once
// Multi-task MLP property head: [B, F] features -> [B, T] outputs (one per
// target; regression values in standardized units, classification logits).
// Layers: Linear -> ReLU -> Dropout, repeated for each hidden size, then a
// final Linear. Parameters are named "layers.<k>.weight|bias" (k counts the
// Linear layers), the names stored in a model's safetensors file.
#include <cstdint>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

namespace plmkit::models {

struct MlpOptions {
    std::int64_t input_dim = 0;
    std::vector<std::int64_t> hidden{512, 512};
    std::int64_t output_dim = 1;
    double dropout = 0.1;
    /// Dropout applied to the input features (0 = none).
    double input_dropout = 0.0;
};

class MlpImpl : public torch::nn::Module {
  public:
    explicit MlpImpl(const MlpOptions& options);
    /// Dropout is active only in train() mode.
    at::Tensor forward(const at::Tensor& x);
    /// A pure forward pass for inference (no dropout, no module state
    /// touched): safe to call from several threads at once.
    at::Tensor infer(const at::Tensor& x) const;
    /// The same for a few rows without LibTorch's per-operator overhead
    /// (float32 CPU weights): x[n * input_dim] -> out[n * output_dim].
    /// Equal to infer() up to float32 summation order.
    void infer_rows(const float* x, std::int64_t n, float* out) const;
    const MlpOptions& options() const { return options_; }

  private:
    MlpOptions options_;
    torch::nn::ModuleList layers_;
};
TORCH_MODULE(Mlp);

}  // namespace plmkit::models
