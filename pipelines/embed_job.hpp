#pragma once
// `plmkit embed`: ESM-2 embeddings of a FASTA file into one HDF5 file
// (layout in docs/embed.md). Streams the input in windows, so memory stays
// flat in the number of sequences; rejected records go to
// `<output>.rejects.tsv`. Both files appear only when the run completes;
// until then the finished windows are kept in `<output>.partial/`, so that
// `resume` continues a killed run (pipelines/embed_checkpoint.hpp).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "src/device.hpp"

namespace plmkit::pipelines {

struct EmbedOptions {
    std::string model_dir;  ///< Hugging Face ESM-2 directory
    std::string input;      ///< FASTA, or CSV/TSV with a sequence column (plain or .gz)
    /// auto (.csv: CSV, .tsv/.tab: TSV, ".gz" stripped; else FASTA), fasta, csv, tsv.
    std::string format = "auto";
    std::string seq_col = "sequence";  ///< table: the sequence column
    std::string id_col;                ///< table: "" = id, name, ..., else <file stem>:<row>
    std::string output;                ///< HDF5 file
    /// Any of mean, per_tok, bos, logits, contacts.
    std::vector<std::string> include{"mean"};
    /// Negative counts from the end (-1 = final layer); 0 = embeddings.
    std::vector<int> layers{-1};
    std::size_t max_tokens = 4096;         ///< padded tokens per batch
    std::size_t truncate = 1022;           ///< residues kept per sequence (0 = no limit)
    std::string long_policy = "truncate";  ///< truncate | skip | error
    Device device;
    ComputeDType dtype = ComputeDType::f32;
    int threads = 0;  ///< 0 = all cores
    bool progress = true;
    std::string command_line;  ///< stored as an attribute
    /// "I/N": only records whose 0-based index % N == I; "auto": from the
    /// Slurm array variables (pipelines/shard.hpp); "": all records.
    std::string shard;
    /// Continue the interrupted run of the same command from its checkpoints
    /// (none: start at the first record). Without it, checkpoints holding
    /// finished work are a UsageError.
    bool resume = false;
    /// Accepted sequences per window: each window is length-sorted, batched
    /// and kept as one checkpoint part (at most this much work is lost).
    std::size_t checkpoint_every = 4096;
};

struct EmbedSummary {
    std::uint64_t read = 0;       ///< records of this shard read
    std::uint64_t accepted = 0;   ///< written to the output
    std::uint64_t truncated = 0;  ///< accepted after truncation
    std::uint64_t rejected = 0;   ///< written to the rejects file
    double seconds = 0;
    std::uint64_t residues = 0;  ///< residues embedded
    /// Of accepted and residues: taken from the checkpoints of an interrupted run (--resume).
    std::uint64_t resumed_sequences = 0;
    std::uint64_t resumed_residues = 0;
};

/// Runs the job. UsageError for bad options (unknown include item, layer out
/// of range, logits/contacts from a checkpoint without that head), IoError /
/// ModelError for unreadable inputs, InputError for a too-long record under
/// long_policy "error".
EmbedSummary run_embed(const EmbedOptions& options);

/// What run_embed checks before it loads the weights, plus the first input
/// record: the options (--include, --shard, --output), that the input is
/// FASTA or a table with the named columns, that --model is a folder with config.json and
/// vocab.txt, and that
/// --layers exist in that model. Throws as run_embed would; reads no tensor
/// and needs no device (`plmkit slurm embed` runs it once, on the login node).
void check_embed_job(const EmbedOptions& options);

/// "<output>.rejects.tsv"
std::string rejects_path_for(const std::string& output);

/// A UsageError for an HDF5 output named as another format (`emb.npy`,
/// `emb.pt`, `emb.csv`, `emb.h5.gz`, ...), which would hold HDF5 under that
/// name: `option` names the option in the message.
void check_hdf5_output_name(const std::string& output, const std::string& option);

}  // namespace plmkit::pipelines
