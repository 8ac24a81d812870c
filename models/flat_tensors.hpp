#pragma once
// One-dimensional tensors of plain vectors in safetensors files, for the
// models that are not LibTorch modules (forest, boosted trees, neighbours):
// writing a vector as a view whose bytes `keep` holds, and reading one back
// with its dtype and length checked.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "src/error.hpp"
#include "src/safetensors.hpp"

namespace plmkit::models {

/// Appends tensor `name` ([data.size()], `dtype`) to `views`; its bytes are
/// copied into a new buffer of `keep`.
template <class T>
void add_view(std::vector<TensorView>& views, std::vector<std::vector<char>>& keep,
              const std::string& name, StoredDType dtype, const std::vector<T>& data) {
    keep.emplace_back(data.size() * sizeof(T));
    if (!data.empty()) std::memcpy(keep.back().data(), data.data(), data.size() * sizeof(T));
    TensorView v;
    v.name = name;
    v.dtype = dtype;
    v.shape = {static_cast<std::int64_t>(data.size())};
    v.data = keep.back().data();
    v.nbytes = keep.back().size();
    views.push_back(v);
}

/// Tensor `name` of `file` as a vector; it must be one-dimensional, of
/// `dtype` and, when size >= 0, of that length. Throws ModelError naming it.
template <class T>
std::vector<T> read_vector(const SafetensorsFile& file, const std::string& name, StoredDType dtype,
                           std::int64_t size, const char* size_name = "nodes") {
    const TensorView& v = file.get(name);
    if (v.dtype != dtype || v.shape.size() != 1 || (size >= 0 && v.shape[0] != size))
        throw ModelError(file.path() + ": tensor '" + name + "' has shape " + v.shape_string() +
                         " " + to_string(v.dtype) + ", expected [" +
                         (size >= 0 ? std::to_string(size) : std::string(size_name)) + "] " +
                         to_string(dtype));
    std::vector<T> out(static_cast<std::size_t>(v.shape[0]));
    if (!out.empty()) std::memcpy(out.data(), v.data, out.size() * sizeof(T));
    return out;
}

}  // namespace plmkit::models
