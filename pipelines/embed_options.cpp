#include "pipelines/embed_options.hpp"

#include <cctype>
#include <map>
#include <set>

#include "pipelines/run_files.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "src/utc_time.hpp"
#include "src/version.hpp"

namespace plmkit::pipelines {
namespace {

const std::vector<std::string> kIncludeItems = {"mean", "per_tok", "bos", "logits", "contacts"};

std::string join(const std::vector<std::string>& items, const char* sep = ",") {
    std::string s;
    for (const auto& i : items)
        s += (s.empty() ? "" : sep) + i;
    return s;
}

/// The outputs of `c` in the fixed order of kIncludeItems, each once: the
/// `include` attribute, so that "bos,mean" and "mean,bos" (the same file)
/// record the same value and their shards merge.
std::string include_attribute(const EmbedContent& c) {
    const bool on[] = {c.mean, c.per_tok, c.bos, c.logits, c.contacts};
    std::vector<std::string> items;
    for (std::size_t i = 0; i < kIncludeItems.size(); ++i)
        if (on[i]) items.push_back(kIncludeItems[i]);
    return join(items);
}

/// The extension of `path`'s file name, lower-case, without the dot ("" if none).
std::string lower_extension(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    const std::size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot + 1);
    for (char& c : ext)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext;
}

}  // namespace

EmbedContent parse_embed_include(const std::vector<std::string>& include) {
    EmbedContent c;
    if (include.empty())
        throw UsageError("--include is empty (expected some of " + join(kIncludeItems, ", ") + ")");
    for (const auto& item : include) {
        if (item == "mean")
            c.mean = true;
        else if (item == "per_tok")
            c.per_tok = true;
        else if (item == "bos")
            c.bos = true;
        else if (item == "logits")
            c.logits = true;
        else if (item == "contacts")
            c.contacts = true;
        else
            throw UsageError("unknown --include item '" + item + "' (expected " +
                             join(kIncludeItems, ", ") + ")");
    }
    return c;
}

/// Negative layers count from the end; result ascending and unique.
std::vector<int> resolve_embed_layers(const std::vector<int>& layers, int num_layers) {
    if (layers.empty()) throw UsageError("--layers is empty");
    std::set<int> out;
    for (int k : layers) {
        int r = k < 0 ? k + num_layers + 1 : k;
        if (r < 0 || r > num_layers)
            throw UsageError("--layers " + std::to_string(k) +
                             " is out of range for a model with " + std::to_string(num_layers) +
                             " layers: valid " + std::to_string(-num_layers - 1) + ".." +
                             std::to_string(num_layers) + " (0 = embeddings, -1 = last layer)");
        out.insert(r);
    }
    return {out.begin(), out.end()};
}

/// How the run reads --input; /ids is an HDF5 string tagged UTF-8: other ids
/// are rejected records.
data::SequenceReaderOptions embed_reader_options(const EmbedOptions& opt) {
    data::SequenceReaderOptions o;
    o.format = opt.format;
    o.seq_col = opt.seq_col;
    o.id_col = opt.id_col;
    o.require_utf8_ids = true;
    return o;
}

void check_embed_options(const EmbedOptions& opt) {
    if (opt.model_dir.empty()) throw UsageError("--model is required");
    if (opt.input.empty()) throw UsageError("--input is required");
    if (opt.output.empty()) throw UsageError("--output is required");
    if (opt.output == "-")
        throw UsageError(
            "--output -: an HDF5 file cannot be written to standard output; name a file "
            "(e.g. --output embeddings.h5)");
    // Compared as files, not as text ("in.fa", "./in.fa", a link); an output
    // that is a folder or in a missing folder fails here, before the model loads.
    check_run_files({{"--input", opt.input}},
                    {{"--output", opt.output}, {"the rejects file", rejects_path_for(opt.output)}});
    if (opt.max_tokens == 0) throw UsageError("--max-tokens must be at least 1");
    if (opt.checkpoint_every == 0) throw UsageError("--checkpoint-every must be at least 1");
    if (opt.resume && !is_rereadable_file(opt.input))
        throw UsageError("--resume needs --input to be a regular file: " +
                         (opt.input == "-" ? std::string("standard input")
                                           : "'" + opt.input + "' (a pipe or device)") +
                         " cannot be read again");
    if (opt.long_policy != "truncate" && opt.long_policy != "skip" && opt.long_policy != "error")
        throw UsageError("--long '" + opt.long_policy + "': expected truncate, skip or error");
}

void check_embed_heads(const EmbedContent& c, const models::Esm2& model, const std::string& dir) {
    if (c.logits && !model->has_lm_head())
        throw UsageError(
            "--include logits needs the masked-LM head (lm_head.*), which the "
            "checkpoint in '" +
            dir + "' does not have");
    if (c.contacts && !model->has_contact_head())
        throw UsageError("--include contacts: the checkpoint in '" + dir +
                         "' cannot predict contacts: " + model->missing_contact_head());
}

/// The root attributes every part (and so the output) carries.
std::vector<Hdf5Attribute> embed_provenance(const EmbedOptions& opt, const models::LoadedEsm2& m,
                                            const EmbedContent& c, const Device& device,
                                            const Shard& shard) {
    std::vector<std::string> layers;
    for (int k : c.layers)
        layers.push_back(std::to_string(k));
    auto text = [](const char* name, std::string v) { return Hdf5Attribute{name, true, v, 0}; };
    auto number = [](const char* name, std::int64_t v) {
        return Hdf5Attribute{name, false, "", v};
    };
    return {text("plmkit_version", std::string(version())),
            text("model_dir", opt.model_dir),
            text("model_hash", m.weights_hash),
            text("model_config", m.config.to_json()),
            text("dtype", to_string(opt.dtype)),
            text("device", to_string(device)),
            number("truncate", static_cast<std::int64_t>(opt.truncate)),
            text("long_policy", opt.long_policy),
            text("include", include_attribute(c)),
            text("layers", join(layers)),
            number("layer", static_cast<std::int64_t>(c.layers.back())),
            number("max_tokens", static_cast<std::int64_t>(opt.max_tokens)),
            text("input", opt.input),
            text("command_line", opt.command_line),
            text("created", utc_timestamp()),
            text("shard", shard.to_string())};
}

/// A table input's format and columns (none for FASTA): attributes of the
/// output, and so parts of the --resume fingerprint. `id_column`: the id
/// column used, "" for <file stem>:<row> ids, "auto" when not known (a pipe).
void add_embed_table_attributes(std::vector<Hdf5Attribute>& attributes, const EmbedOptions& opt,
                                const std::string& id_column) {
    const std::string format = data::sequence_format(opt.input, opt.format);
    if (format == "fasta") return;
    attributes.push_back({"input_format", true, format, 0});
    attributes.push_back({"seq_col", true, opt.seq_col, 0});
    attributes.push_back({"id_col", true, id_column.empty() ? "<file stem>:<row>" : id_column, 0});
}

/// What a resumed run must share with the interrupted one: the provenance
/// but the time and command line, the window size and the input's bytes.
EmbedFingerprint embed_fingerprint(const std::vector<Hdf5Attribute>& attributes,
                                   const EmbedOptions& opt) {
    EmbedFingerprint fp;
    for (const auto& a : attributes)
        if (a.name != "created" && a.name != "command_line")
            fp[a.name] = a.is_string ? a.text : std::to_string(a.number);
    fp["checkpoint_every"] = std::to_string(opt.checkpoint_every);
    if (is_rereadable_file(opt.input)) add_input_fingerprint(fp, opt.input);
    return fp;
}

void check_hdf5_output_name(const std::string& output, const std::string& option) {
    static const std::map<std::string, std::string> kOther = {
        {"npy", "NumPy"},   {"npz", "NumPy"},     {"pt", "PyTorch"},      {"pth", "PyTorch"},
        {"pkl", "pickle"},  {"pickle", "pickle"}, {"csv", "CSV"},         {"tsv", "TSV"},
        {"txt", "text"},    {"json", "JSON"},     {"parquet", "Parquet"}, {"gz", "gzip"},
        {"fasta", "FASTA"}, {"fa", "FASTA"},      {"faa", "FASTA"}};
    const auto it = kOther.find(lower_extension(output));
    if (it == kOther.end()) return;
    throw UsageError(option + " " + output +
                     ": plmkit embed writes one HDF5 file (name it .h5), not " + it->second +
                     " (the file would be HDF5 under that name); read the arrays from it, e.g. "
                     "python3 -c \"import h5py, numpy as np; np.save('mean.npy', "
                     "h5py.File('emb.h5')['mean'][:])\" (docs/embed.md)");
}

std::string rejects_path_for(const std::string& output) {
    return output + ".rejects.tsv";
}

}  // namespace plmkit::pipelines
