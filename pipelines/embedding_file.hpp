#pragma once
// The HDF5 layout of `plmkit embed` (docs/embed.md): /ids, /lengths,
// /original_lengths, /record_index, /mean,
// /bos, /per_tok + /offsets, /logits, /contacts + /contact_offsets, and with
// several layers /layers/<k>/{mean,bos,per_tok}, the last layer's being hard
// links to the top-level datasets (stored once). Sequences are appended in
// input order, one window at a time. No LibTorch here.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "src/hdf5_writer.hpp"

namespace plmkit::pipelines {

/// What a run computes, after resolving --include and --layers.
struct EmbedContent {
    bool mean = false;
    bool per_tok = false;
    bool bos = false;
    bool logits = false;
    bool contacts = false;
    /// Resolved layer numbers (0 = embeddings .. num_layers = final),
    /// ascending, unique. The top-level /mean, /bos, /per_tok hold the last
    /// (and /layers/<last>/... name the same datasets).
    std::vector<int> layers;

    bool needs_representations() const { return mean || per_tok || bos; }
};

/// One sequence's outputs, float32. `mean`, `bos`, `per_tok` are indexed
/// like EmbedContent::layers (empty when not requested).
struct SequenceEmbedding {
    std::int64_t residues = 0;
    std::vector<std::vector<float>> mean;     ///< [E] per layer
    std::vector<std::vector<float>> bos;      ///< [E] per layer
    std::vector<std::vector<float>> per_tok;  ///< [L*E] per layer
    std::vector<float> logits;                ///< [L*V]
    std::vector<float> contacts;              ///< [L*L] row-major
};

struct EmbeddingFileLayout {
    EmbedContent content;
    std::size_t hidden_size = 0;  ///< E
    std::size_t vocab_size = 33;  ///< V (logits width)
    /// gzip level of the float datasets (0 = none; the others are always
    /// compressed). A checkpoint part is written
    /// uncompressed and compressed once, by the join that reads it
    /// (pipelines/embed_checkpoint.hpp): compressing it too cost a second
    /// gzip pass over every float of the run.
    int gzip_level = 4;
};

class EmbeddingFile {
  public:
    /// Creates `path` (truncating) with every dataset of the layout, empty.
    EmbeddingFile(const std::string& path, const EmbeddingFileLayout& layout);

    /// Appends sequences (ids and embeddings in the same order).
    /// `record_index` (one per id: the 0-based input record number, written to
    /// /record_index) lets `plmkit merge` restore input order across shards.
    /// `original_lengths` (one per id: residues in the input, before
    /// --truncate; /original_lengths) tells truncated sequences apart.
    void append(const std::vector<std::string>& ids,
                const std::vector<SequenceEmbedding>& embeddings,
                const std::vector<std::int64_t>& record_index,
                const std::vector<std::int64_t>& original_lengths);
    void set_attribute(const std::string& name, const std::string& value);
    void set_attribute(const std::string& name, std::int64_t value);
    std::uint64_t sequences() const { return sequences_; }
    void close();

  private:
    void append_layer(std::size_t li, const std::string& prefix,
                      const std::vector<SequenceEmbedding>& embeddings);

    EmbeddingFileLayout layout_;
    Hdf5Writer writer_;
    std::uint64_t sequences_ = 0;
    std::int64_t residues_end_ = 0;  ///< last value of /offsets
    std::int64_t contacts_end_ = 0;  ///< last value of /contact_offsets
};

}  // namespace plmkit::pipelines
