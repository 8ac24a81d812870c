#pragma once
// Device and dtype choices, parsed from strings only at the CLI/config boundary.
#include <string>

namespace plmkit {

enum class DeviceKind { automatic, cpu, cuda };

struct Device {
    DeviceKind kind = DeviceKind::automatic;
    int index = 0;  ///< CUDA ordinal
};

/// "auto", "cpu", "cuda", "cuda:1". Throws UsageError otherwise.
Device parse_device(const std::string& text);
std::string to_string(const Device& device);

/// Compute dtype of a model run (independent of the stored checkpoint dtype).
enum class ComputeDType { f32, bf16, f16 };

/// "fp32"/"float32"/"f32", "bf16"/"bfloat16", "fp16"/"float16"/"f16".
ComputeDType parse_compute_dtype(const std::string& text);
std::string to_string(ComputeDType dtype);

}  // namespace plmkit
