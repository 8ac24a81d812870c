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
    /// XXH64 of config.json and of every safetensors file whole (tensor data
    /// included), 16 hex digits: two checkpoints that differ in any weight
    /// differ here. Stored by embed (model_hash) and by trained models.
    std::string weights_hash;
    /// What plmkit stored before weights_hash covered the weights (FNV-1a 64
    /// of config.json and the safetensors headers): only to recognise models
    /// trained then, see weights_hash_matches().
    std::string header_hash;
    /// Checkpoint tensors not used by the model (e.g. esm.embeddings.position_ids).
    std::vector<std::string> ignored_keys;
};

/// What load_esm2 checks before it reads a tensor: `model_dir` is a folder
/// with a config.json that loads and a vocab.txt. Returns the config; throws
/// ModelError (IoError, for an unreadable config.json) with load_esm2's message.
Esm2Config check_esm2_dir(const std::string& model_dir);

/// Throws ModelError naming the file and tensor for a missing tensor, a wrong
/// shape or dtype, a corrupt file; IoError when the directory is unreadable.
LoadedEsm2 load_esm2(const std::string& model_dir, const Esm2LoadOptions& options);

/// Whether `loaded` is the checkpoint a model recorded as `recorded`: its
/// weights_hash. A hash recorded by an older plmkit (header_hash, which did
/// not cover the weights) also matches, with a warning that the weights
/// cannot be verified; `model_dir` names the checkpoint in it.
bool weights_hash_matches(const LoadedEsm2& loaded, const std::string& recorded,
                          const std::string& model_dir);

/// torch dtype for a compute dtype.
at::ScalarType to_scalar_type(ComputeDType dtype);
/// torch device for a resolved plmkit device.
at::Device to_torch_device(const Device& device);

}  // namespace plmkit::models
