#pragma once
// Loads a Hugging Face ESM-2 model directory (config.json, vocab.txt,
// model.safetensors or a sharded index) into an Esm2 module.
#include <string>
#include <vector>

#include "models/esm2.hpp"
#include "src/device.hpp"
#include "tokenizers/esm_tokenizer.hpp"

namespace plmkit::models {

struct Esm2LoadOptions {
    ComputeDType dtype = ComputeDType::f32;
    Device device{DeviceKind::cpu};  ///< already resolved, never `automatic`
};

struct LoadedEsm2 {
    Esm2 model{nullptr};
    Esm2Config config;
    tokenizers::EsmTokenizer tokenizer;
    /// FNV-1a 64 of config.json and the safetensors headers, 16 hex digits.
    std::string weights_hash;
    /// Checkpoint tensors not used by the model (e.g. esm.embeddings.position_ids).
    std::vector<std::string> ignored_keys;
};

/// Throws ModelError naming the file and tensor for a missing tensor, a wrong
/// shape or dtype, a corrupt file; IoError when the directory is unreadable.
LoadedEsm2 load_esm2(const std::string& model_dir, const Esm2LoadOptions& options);

/// torch dtype for a compute dtype.
at::ScalarType to_scalar_type(ComputeDType dtype);
/// torch device for a resolved plmkit device.
at::Device to_torch_device(const Device& device);

}  // namespace plmkit::models
