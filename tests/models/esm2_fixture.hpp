#pragma once
// Helpers for the ESM-2 tests: the esm2_tiny fixture (a random-weight
// checkpoint and fair-esm 2.0.1's outputs for its sequences).
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "models/esm2.hpp"
#include "src/safetensors.hpp"
#include "tests/test_support.hpp"
#include "tokenizers/esm_tokenizer.hpp"

#include "tests/catch.hpp"

namespace plmkit::test {

inline std::string esm_tiny_dir() {
    return esm2_tiny_model();
}

/// A tensor of a safetensors file (copied, float32 or int64).
at::Tensor stored_tensor(const SafetensorsFile& file, const std::string& name);

/// The fixture's sequences tokenized as fair-esm's extract.py does (<cls>
/// residues <eos>, at most 1022 residues).
std::vector<std::vector<std::int64_t>> fixture_tokens();

/// [B, max T] int64 tokens padded with <pad> (id 1).
at::Tensor pad_batch(const std::vector<std::vector<std::int64_t>>& seqs);

/// Everything the fixture records for one sequence (L residues).
struct SequenceOutputs {
    at::Tensor mean, bos, per_tok, logits, contacts;  ///< contacts [L,L]
    std::vector<at::Tensor> layer_means;              ///< 0..num_layers
};

/// Row `b` of a model output for a sequence of `L` residues (float32, CPU).
SequenceOutputs extract(const models::Esm2Output& out, std::int64_t b, std::int64_t L,
                        int num_layers);
/// Sequence `i` of expected.safetensors.
SequenceOutputs expected_outputs(const SafetensorsFile& expected, std::int64_t i, int num_layers);

/// All representations 0..num_layers, logits and contacts.
models::Esm2ForwardOptions all_outputs(int num_layers);

double max_abs_diff(const at::Tensor& a, const at::Tensor& b);

}  // namespace plmkit::test
