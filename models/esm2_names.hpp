#pragma once
// The Hugging Face checkpoint names of ESM-2 parameters as the differentiable
// encoder (models/esm2_encoder.hpp) names them: shared by continued
// pre-training (models/esm2_mlm.hpp) and `plmkit export` of a fine-tuned
// encoder, which write the trained tensors back into an EsmForMaskedLM /
// EsmModel checkpoint.
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>

namespace plmkit::models {

/// The checkpoint name(s) of an EsmSequenceEncoder parameter ("layer2.
/// qkv_weight", "final_ln_bias", ...) under `esm_prefix` ("esm." or ""): one,
/// or three for the fused query/key/value. UsageError for a name it does not
/// know.
std::vector<std::string> esm2_checkpoint_names(const std::string& name,
                                               const std::string& esm_prefix);

/// `params` (EsmSequenceEncoder names) as checkpoint tensors: each under its
/// checkpoint name, the fused query/key/value split back in three (rows in
/// that order). float32, CPU, contiguous copies.
std::vector<std::pair<std::string, at::Tensor>> esm2_checkpoint_tensors(
    const std::vector<std::pair<std::string, at::Tensor>>& params, const std::string& esm_prefix);

}  // namespace plmkit::models
