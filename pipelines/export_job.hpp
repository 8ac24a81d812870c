#pragma once
// `plmkit export`: the fine-tuned ESM-2 encoder of a `plmkit train
// --featurizer esm --finetune last:N|full` model as a Hugging Face ESM-2
// directory (config.json, model.safetensors, tokenizer files) that `plmkit
// embed --model`, `train --esm-model` and transformers' EsmModel /
// EsmForMaskedLM.from_pretrained load. The model directory stores only the
// trained tensors; the rest comes byte for byte from the base checkpoint it
// records (featurizer.model_dir, checked against its weights hash).
// A fine-tuned smiles-lm encoder is written as `plmkit pretrain --kind
// smiles` writes its LM_DIR, for `train --featurizer smiles-lm --lm-model`.
#include <cstddef>
#include <string>

namespace plmkit::pipelines {

struct ExportOptions {
    std::string model;   ///< model directory of plmkit train
    std::string output;  ///< new (or empty) directory to write
    /// Ensemble member whose encoder is written; -1: the only one (an
    /// ensemble of several must name one).
    int member = -1;
    /// input: trained tensors in the base checkpoint's dtype (F32, F16 or
    /// BF16, rounded to nearest even); float32: trained tensors as F32 and
    /// config.json torch_dtype "float32". (A SMILES encoder is float32.)
    std::string save_dtype = "input";
    std::string command_line;  ///< recorded in the provenance
};

struct ExportResult {
    std::string kind;          ///< esm | smiles-lm
    std::string base_dir;      ///< the checkpoint the untouched tensors come from
    std::string finetune;      ///< last:N | full
    std::string pooling;       ///< esm: mean | bos, how train pooled the final layer
    std::size_t truncate = 0;  ///< esm: residues kept per sequence
    std::size_t member = 0, members = 1;
    std::size_t trained_tensors = 0;  ///< checkpoint tensors replaced
};

/// Writes options.output. Throws UsageError for a model without a
/// fine-tuned encoder (another featurizer; --finetune frozen, naming the
/// unchanged checkpoint), a bad --member or --save-dtype, or an output
/// that exists and is not empty; ModelError when the base checkpoint is
/// missing or is not the one the model was fine-tuned from; IoError when a
/// file cannot be read or written.
ExportResult run_export(const ExportOptions& options);

}  // namespace plmkit::pipelines
