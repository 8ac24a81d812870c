#pragma once
// A module's parameters and safetensors files: shapes as error messages
// write them, and loading every parameter from "<prefix><name>" tensors
// with name, shape and dtype checks (llama.cpp's loader rule).
#include <cstddef>
#include <cstdint>
#include <string>

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "src/safetensors.hpp"

namespace plmkit::models {

/// "[320,320]"
std::string shape_string(const at::Tensor& t);

/// Copies tensor "<prefix><name>" (F32, the parameter's shape) of `file`
/// into each parameter of `module`; returns how many. Throws ModelError
/// naming the tensor that is missing or does not fit.
std::size_t read_parameters(torch::nn::Module& module, const SafetensorsFile& file,
                            const std::string& prefix);

}  // namespace plmkit::models
