#include "models/module_tensors.hpp"

#include <cstring>
#include <vector>

#include "src/error.hpp"

namespace plmkit::models {

std::string shape_string(const at::Tensor& t) {
    std::string s = "[";
    for (std::int64_t i = 0; i < t.dim(); ++i)
        s += (i ? "," : "") + std::to_string(t.size(i));
    return s + "]";
}

std::size_t read_parameters(torch::nn::Module& module, const SafetensorsFile& file,
                            const std::string& prefix) {
    at::NoGradGuard no_grad;
    std::size_t n = 0;
    for (auto& p : module.named_parameters()) {
        const std::string name = prefix + p.key();
        const TensorView& v = file.get(name);
        std::vector<std::int64_t> want(p.value().sizes().begin(), p.value().sizes().end());
        if (v.dtype != StoredDType::f32 || v.shape != want)
            throw ModelError(file.path() + ": tensor '" + name + "' has shape " + v.shape_string() +
                             " " + to_string(v.dtype) + ", expected " + shape_string(p.value()) +
                             " F32");
        std::memcpy(p.value().data_ptr<float>(), v.data, v.nbytes);
        ++n;
    }
    return n;
}

}  // namespace plmkit::models
