#pragma once
// Writes a continued-pre-trained ESM-2 as a Hugging Face model directory that
// plmkit (embed, train --featurizer esm) and transformers' EsmForMaskedLM load
// like the checkpoint it started from.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

namespace plmkit::models {

struct Esm2SaveOptions {
    /// Trained tensors as float32 (config.json torch_dtype "float32"); false:
    /// each in the dtype the input stores it in (F32, F16 or BF16; config.json
    /// keeps the input's torch_dtype).
    bool float32 = false;
    /// The config.json key the provenance goes under (`plmkit pretrain`'s
    /// default; `plmkit export` writes "plmkit_export").
    std::string provenance_key = "plmkit_pretrain";
    /// When given: adds files to the temporary folder (its path) before it
    /// replaces `dir`, so that they appear with the model.
    std::function<void(const std::string& temp_dir)> before_commit;
};

/// Writes `dir` (created, or replaced atomically: a temporary folder beside
/// it is renamed over it) from the checkpoint in `input_dir`:
/// - model.safetensors: one file (also for a sharded input) with exactly the
///   input's tensor names and shapes; a tensor named in `trained` is written
///   from there (in the input tensor's dtype, rounded to nearest even, or
///   float32: options.float32), every other one (rotary inv_freq, the
///   contact head, position_ids) byte for byte as the input has it. A trained
///   name the input lacks (lm_head.decoder.weight of a tied checkpoint) is
///   left out; a shape that differs is a ModelError.
/// - config.json: the input's, with torch_dtype "float32" when
///   options.float32, and `provenance` under options.provenance_key (null:
///   none);
/// - the input's tokenizer files (vocab.txt, tokenizer_config.json,
///   special_tokens_map.json, tokenizer.json, added_tokens.json), copied.
/// Throws IoError when a file cannot be read or written.
void save_esm2_checkpoint(const std::string& input_dir, const std::string& dir,
                          const std::vector<std::pair<std::string, at::Tensor>>& trained,
                          const nlohmann::json& provenance, const Esm2SaveOptions& options = {});

}  // namespace plmkit::models
