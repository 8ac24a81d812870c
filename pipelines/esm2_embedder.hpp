#pragma once
// Runs one padded batch of ESM-2 token sequences through the model and cuts
// the outputs per sequence (residue positions only, float32 on the CPU).
#include <cstdint>
#include <vector>

#include "models/esm2.hpp"
#include "pipelines/embedding_file.hpp"
#include "src/device.hpp"

namespace plmkit::pipelines {

class Esm2Embedder {
  public:
    /// `device`: where the model lives (resolved, never automatic).
    Esm2Embedder(models::Esm2 model, EmbedContent content, Device device);

    /// `rows[i]` are the token ids of one sequence: <cls> residues <eos>.
    std::vector<SequenceEmbedding> embed(const std::vector<const std::vector<std::int32_t>*>& rows);

  private:
    void cut_representation(const torch::Tensor& rep, std::size_t li,
                            std::vector<SequenceEmbedding>& out) const;
    void cut_logits(const torch::Tensor& logits, std::vector<SequenceEmbedding>& out) const;
    void cut_contacts(const torch::Tensor& contacts, std::vector<SequenceEmbedding>& out) const;

    models::Esm2 model_;
    EmbedContent content_;
    Device device_;
};

}  // namespace plmkit::pipelines
