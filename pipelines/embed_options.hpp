#pragma once
// What `plmkit embed`'s options mean, apart from the run itself
// (pipelines/embed_job.cpp): their checks, the outputs (--include) and
// layers they ask for, how the input is read, and the root attributes they
// give the output (provenance, a table's columns) with the --resume
// fingerprint drawn from them.
#include <string>
#include <vector>

#include "data/sequence_reader.hpp"
#include "models/esm2.hpp"
#include "models/esm2_loader.hpp"
#include "pipelines/embed_checkpoint.hpp"
#include "pipelines/embed_job.hpp"
#include "pipelines/embedding_file.hpp"
#include "pipelines/shard.hpp"
#include "src/device.hpp"
#include "src/hdf5_reader.hpp"

namespace plmkit::pipelines {

/// --include items as EmbedContent (layers left empty); UsageError for an
/// empty list or an unknown item.
EmbedContent parse_embed_include(const std::vector<std::string>& include);

/// --layers for a model of `num_layers`: negative layers count from the end;
/// the result ascending and unique. UsageError for one out of range.
std::vector<int> resolve_embed_layers(const std::vector<int>& layers, int num_layers);

/// How the run reads --input (/ids is an HDF5 string tagged UTF-8: other
/// ids are rejected records).
data::SequenceReaderOptions embed_reader_options(const EmbedOptions& opt);

/// The checks that need neither the model nor the input's records:
/// required options, input/output clashes, --max-tokens, --checkpoint-every,
/// --resume on a re-readable input, --long.
void check_embed_options(const EmbedOptions& opt);

/// --include logits and contacts need the checkpoint's LM and contact heads.
void check_embed_heads(const EmbedContent& c, const models::Esm2& model, const std::string& dir);

/// The root attributes every part (and so the output) carries.
std::vector<Hdf5Attribute> embed_provenance(const EmbedOptions& opt, const models::LoadedEsm2& m,
                                            const EmbedContent& c, const Device& device,
                                            const Shard& shard);

/// A table input's format and columns (none for FASTA), appended to
/// `attributes`. `id_column`: the id column used, "" for <file stem>:<row>
/// ids, "auto" when not known (a pipe).
void add_embed_table_attributes(std::vector<Hdf5Attribute>& attributes, const EmbedOptions& opt,
                                const std::string& id_column);

/// What a resumed run must share with the interrupted one: the attributes
/// but the time and command line, the window size and the input's bytes.
EmbedFingerprint embed_fingerprint(const std::vector<Hdf5Attribute>& attributes,
                                   const EmbedOptions& opt);

}  // namespace plmkit::pipelines
