#pragma once
// `plmkit pretrain --kind protein`: continued ("domain-adaptive") masked-LM
// pre-training of a Hugging Face ESM-2 checkpoint on a protein set (FASTA, or
// CSV/TSV with a sequence column), written as a Hugging Face model directory
// with the input's tensor names (models/esm2_saver.hpp).
//
// - Masking as ESM-2 / BERT: mask_prob of the residue positions (never
//   <cls>/<eos>/<pad>) are chosen; 80% become <mask>, 10% a random standard
//   amino acid (the 20 of L A G V S E R T I D P K Q N F Y M H W C), 10% stay.
//   The loss is the cross-entropy at the chosen positions.
// - A sequence longer than `crop` residues (default 1022, ESM-2's training
//   crop of 1024 tokens) is cropped to a random window each epoch (validation:
//   one window, drawn once), or rejected with long_policy "skip".
// - A random valid_fraction is held out with masks drawn once (seeded): the
//   per-epoch validation loss is comparable across epochs, and epoch 0 is the
//   input checkpoint's. The best epoch (0 = the input unchanged) is in
//   `output`, rewritten atomically whenever an epoch beats it.
// - Records the tokenizer rejects (embed's reasons), with <mask> in them, or
//   too long under "skip" go to output/rejects.tsv.
#include <cstdint>
#include <random>
#include <vector>

#include "pipelines/pretrain_job.hpp"

namespace plmkit::pipelines {

/// Continues the masked-LM training of options.esm_model; see run_pretrain.
PretrainResult run_pretrain_protein(const PretrainOptions& options);

/// Token ids of the 20 standard amino acids in the ESM-2 alphabet (4..23):
/// what a "random token" replacement draws from.
constexpr std::int64_t kFirstStandardAa = 4, kLastStandardAa = 23;

/// BERT masking of one row: `ids[first .. first + residues)` are residue
/// tokens. Each is chosen with probability `p`; its flat index
/// (`offset` + position) goes to `positions` and its id to `labels`; 80% of
/// the chosen become `mask_id`, 10% a random standard amino acid, 10% stay.
void mask_residues(std::int64_t* ids, std::int64_t first, std::int64_t residues,
                   std::int64_t offset, double p, std::int64_t mask_id, std::mt19937_64& rng,
                   std::vector<std::int64_t>& positions, std::vector<std::int64_t>& labels);

}  // namespace plmkit::pipelines
