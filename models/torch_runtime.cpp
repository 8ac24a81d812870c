#include "models/torch_runtime.hpp"

#include <dlfcn.h>

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "src/error.hpp"
#include "src/runtime.hpp"

namespace plmkit::models {

std::string torch_version() {
    return TORCH_VERSION;
}

bool cuda_available() {
    return torch::cuda::is_available();
}

std::vector<std::string> cuda_devices() {
    std::vector<std::string> out;
    if (!cuda_available()) return out;
    auto n = torch::cuda::device_count();
    for (std::size_t i = 0; i < n; ++i)
        out.push_back("cuda:" + std::to_string(i));
    return out;
}

void set_threads(int n) {
    if (n <= 0) n = available_cores();
    at::set_num_threads(n);
}

int threads() {
    return at::get_num_threads();
}

namespace {

struct OpenBlasThreads {
    int (*get)() = nullptr;
    void (*set)(int) = nullptr;
};

const OpenBlasThreads& openblas_threads() {
    static const OpenBlasThreads fns = [] {
        OpenBlasThreads f;
        f.get = reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
        f.set = reinterpret_cast<void (*)(int)>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
        if (!f.get || !f.set) f = OpenBlasThreads{};
        return f;
    }();
    return fns;
}

}  // namespace

SerialBlasScope::SerialBlasScope() {
    const auto& f = openblas_threads();
    if (!f.get) return;
    saved_ = f.get();
    if (saved_ > 1) f.set(1);
}

SerialBlasScope::~SerialBlasScope() {
    if (saved_ > 1) openblas_threads().set(saved_);
}

Device resolve_device(const Device& requested) {
    if (requested.kind == DeviceKind::automatic) {
        return cuda_available() ? Device{DeviceKind::cuda, 0} : Device{DeviceKind::cpu, 0};
    }
    if (requested.kind == DeviceKind::cuda) {
        if (!cuda_available()) {
            // Names what was asked ("cuda" reads as cuda:0 internally).
            throw UsageError("--device " +
                             (requested.index == 0 ? std::string("cuda") : to_string(requested)) +
                             ": CUDA is not available (this LibTorch build has no CUDA "
                             "or no GPU is visible); use --device cpu");
        }
        auto n = static_cast<int>(torch::cuda::device_count());
        if (requested.index >= n) {
            throw UsageError("--device " + to_string(requested) + ": only " + std::to_string(n) +
                             " GPU(s) visible");
        }
    }
    return requested;
}

}  // namespace plmkit::models
