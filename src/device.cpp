#include "src/device.hpp"

#include <cctype>

#include "src/error.hpp"

namespace plmkit {

Device parse_device(const std::string& text) {
    if (text == "auto") return {DeviceKind::automatic, 0};
    if (text == "cpu") return {DeviceKind::cpu, 0};
    if (text == "cuda") return {DeviceKind::cuda, 0};
    const std::string prefix = "cuda:";
    if (text.compare(0, prefix.size(), prefix) == 0 && text.size() > prefix.size()) {
        std::string digits = text.substr(prefix.size());
        bool ok = digits.size() <= 3;
        for (char c : digits)
            ok = ok && std::isdigit(static_cast<unsigned char>(c));
        if (ok) return {DeviceKind::cuda, std::stoi(digits)};
    }
    // No aliases such as "gpu": every command takes the same spellings, the
    // ones its help lists.
    throw UsageError("--device '" + text + "': expected auto, cpu, cuda or cuda:N" +
                     (text == "gpu" || text == "GPU" ? " (a GPU is 'cuda' or 'cuda:N')" : ""));
}

std::string to_string(const Device& device) {
    switch (device.kind) {
        case DeviceKind::automatic:
            return "auto";
        case DeviceKind::cpu:
            return "cpu";
        case DeviceKind::cuda:
            return "cuda:" + std::to_string(device.index);
    }
    return "?";
}

ComputeDType parse_compute_dtype(const std::string& text) {
    if (text == "fp32" || text == "float32" || text == "f32") return ComputeDType::f32;
    if (text == "bf16" || text == "bfloat16") return ComputeDType::bf16;
    if (text == "fp16" || text == "float16" || text == "f16" || text == "half") {
        return ComputeDType::f16;
    }
    throw UsageError("--dtype '" + text + "': expected fp32, bf16 or fp16");
}

std::string to_string(ComputeDType dtype) {
    switch (dtype) {
        case ComputeDType::f32:
            return "fp32";
        case ComputeDType::bf16:
            return "bf16";
        case ComputeDType::f16:
            return "fp16";
    }
    return "?";
}

}  // namespace plmkit
