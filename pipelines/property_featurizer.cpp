#include "pipelines/property_featurizer.hpp"

#include <GraphMol/ROMol.h>

#include <algorithm>
#include <filesystem>

#include "models/torch_runtime.hpp"
#include "pipelines/chemprop_names.hpp"
#include "pipelines/mol_graph_builder.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/smiles_lm_featurizer.hpp"
#include "pipelines/standardize.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "src/parallel_for.hpp"

namespace plmkit::pipelines {
namespace {

namespace fs = std::filesystem;

/// A mol block (SDF input) spans lines; a SMILES never does.
bool is_molblock(const std::string& text) {
    return text.find('\n') != std::string::npos;
}

/// `path` from a stored description: relative to `base` when relative.
std::string resolve(const std::string& path, const std::string& base) {
    if (base.empty() || fs::path(path).is_absolute()) return path;
    return (fs::path(base) / path).string();
}

std::string absolute(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec);
    return ec ? path : p.lexically_normal().string();
}

/// This thread's standardizer (RDKit's standardizer objects are not
/// thread-safe and costly to build); the screen's default options.
Standardizer& thread_standardizer() {
    thread_local Standardizer standardizer;
    return standardizer;
}

/// morgan, rdkit2d, morgan+rdkit2d, ...: pipelines::Featurizer on RDKit
/// molecules, parsed (and, with `standardize`, reduced to the standardized
/// parent) and featurized on `runtime.threads` threads.
class ChemFeaturizer final : public PropertyFeaturizer {
  public:
    ChemFeaturizer(Featurizer f, bool standardize, const FeaturizerRuntime& runtime)
        : f_(std::move(f)), standardize_(standardize), threads_(runtime.threads) {}

    std::string name() const override { return f_.options().name; }
    InputKind input_kind() const override { return InputKind::molecule; }
    std::size_t dim() const override { return f_.dim(); }

    FeatureMatrix featurize(const std::vector<std::string>& inputs) const override {
        FeatureMatrix fm = nan_feature_matrix(inputs.size(), dim());
        if (graphs_) fm.graphs.resize(inputs.size());
        parallel_for(inputs.size(), threads_, [&](std::size_t i) {
            ParseResult parsed =
                is_molblock(inputs[i]) ? parse_molblock(inputs[i]) : parse_smiles(inputs[i]);
            if (!parsed.mol) {
                fm.errors[i] = "unparsable molecule: " +
                               (parsed.error.empty() ? std::string("RDKit failed") : parsed.error);
                return;
            }
            fm.errors[i] = featurize(*parsed.mol, fm.values.data() + i * fm.dim,
                                     graphs_ ? &fm.graphs[i] : nullptr);
        });
        return fm;
    }

    std::string featurize_molecule(const RDKit::ROMol& mol, const std::string&,
                                   float* out) const override {
        return featurize(mol, out, nullptr);
    }
    bool features_from_screen_row(const RDKit::ROMol& mol, const std::vector<double>& screen_row,
                                  float* out) const override {
        if (standardize_ || f_.options().name != "basic") return false;
        return basic_descriptors_from_screen_row(mol, screen_row, out);
    }

    bool makes_graphs() const override { return true; }
    void keep_graphs(bool on) override { graphs_ = on; }
    void set_graph_options(const MolGraphOptions& options) override { graph_options_ = options; }
    std::string molecule_graph(const RDKit::ROMol& mol, models::MolGraph* out) const override {
        return featurize(mol, nullptr, out);
    }

    void fit(const FeatureMatrix& raw, const std::vector<std::size_t>& rows) override {
        f_.fit(raw.values, rows);
    }
    void normalize(float* row) const override {
        if (f_.uses_descriptors()) f_.normalize(row);
    }
    nlohmann::json to_json() const override {
        nlohmann::json j = f_.to_json();
        // Only when on: models without the key (older ones too) featurize
        // the molecule as given.
        if (standardize_) j["standardize"] = true;
        return j;
    }

  private:
    /// Features (when `out`) and graph (when `graph`) of the molecule, or of
    /// its standardized parent.
    std::string featurize(const RDKit::ROMol& mol, float* out, models::MolGraph* graph) const {
        StandardizeResult parent;
        if (standardize_) {
            parent = thread_standardizer().run(mol);
            if (!parent.mol)
                return "standardization failed: " +
                       (parent.error.empty() ? std::string("RDKit failed") : parent.error);
        }
        const RDKit::ROMol& m = standardize_ ? *parent.mol : mol;
        if (out) f_.featurize(m, out);
        if (graph) *graph = build_mol_graph(m, graph_options_);
        return "";
    }

    Featurizer f_;
    bool standardize_;
    int threads_;
    bool graphs_ = false;
    MolGraphOptions graph_options_;
};

/// smiles-lm: a frozen plmkit-pretrain encoder, mean-pooled.
class LmFeaturizer final : public PropertyFeaturizer {
  public:
    LmFeaturizer(const std::string& dir, const FeaturizerRuntime& runtime)
        : dir_(absolute(dir)), f_({dir_, std::max<std::size_t>(runtime.max_tokens, 1)}) {}
    LmFeaturizer(models::LoadedSmilesEncoder encoder, const std::string& dir,
                 const FeaturizerRuntime& runtime)
        : dir_(dir), f_(std::move(encoder), {dir_, std::max<std::size_t>(runtime.max_tokens, 1)}) {}

    std::string name() const override { return "smiles-lm"; }
    InputKind input_kind() const override { return InputKind::molecule; }
    std::size_t dim() const override { return f_.dim(); }
    FeatureMatrix featurize(const std::vector<std::string>& inputs) const override {
        FeatureMatrix fm = f_.featurize(inputs);
        for (std::size_t i = 0; i < fm.rows; ++i)
            if (!fm.errors[i].empty() && is_molblock(inputs[i]))
                fm.errors[i] = "smiles-lm needs SMILES input, got a mol block (SDF)";
        return fm;
    }
    std::string featurize_molecule(const RDKit::ROMol&, const std::string& smiles,
                                   float* out) const override {
        return f_.featurize_smiles(smiles, out);
    }
    nlohmann::json to_json() const override {
        nlohmann::json j = f_.to_json();
        j["model_dir"] = dir_;
        return j;
    }

  private:
    std::string dir_;
    SmilesLmFeaturizer f_;
};

/// esm: a frozen ESM-2 checkpoint, mean- or bos-pooled at one layer.
class ProteinFeaturizer final : public PropertyFeaturizer {
  public:
    explicit ProteinFeaturizer(const EsmFeaturizerOptions& o) : f_(o) {}

    std::string name() const override { return "esm"; }
    InputKind input_kind() const override { return InputKind::protein; }
    std::size_t dim() const override { return f_.dim(); }
    FeatureMatrix featurize(const std::vector<std::string>& inputs) const override {
        return f_.featurize(inputs);
    }
    nlohmann::json to_json() const override { return f_.to_json(); }
    bool matches_weights_hash(const std::string& recorded) const {
        return f_.matches_weights_hash(recorded);
    }

  private:
    EsmFeaturizer f_;
};

EsmFeaturizerOptions esm_options(const std::string& dir, int layer, const std::string& pooling,
                                 std::size_t truncate, const FeaturizerRuntime& rt) {
    EsmFeaturizerOptions o;
    o.model_dir = absolute(dir);
    o.layer = layer;
    o.pooling = pooling;
    o.truncate = truncate;
    o.max_tokens = rt.max_tokens;
    o.dtype = rt.dtype;
    o.device = rt.device;
    return o;
}

/// The runtime for a stored ESM-2 description: its "dtype" (the one the
/// training features were computed in; fp32 for models without the key)
/// unless --dtype was given, which overrides it with a note.
FeaturizerRuntime model_dtype(const nlohmann::json& j, const FeaturizerRuntime& runtime) {
    ComputeDType stored = ComputeDType::f32;
    const auto it = j.find("dtype");
    if (it != j.end()) {
        try {
            stored = parse_compute_dtype(it->is_string() ? it->get<std::string>() : it->dump());
        } catch (const UsageError&) {
            throw ModelError(
                "invalid esm featurizer description: \"dtype\" must be fp32, bf16 "
                "or fp16, got " +
                it->dump());
        }
    }
    FeaturizerRuntime rt = runtime;
    if (!runtime.dtype_given) {
        rt.dtype = stored;
        // The user did not ask for fp16: say where it comes from and how to
        // override it (the loader's own message only suggests --dtype).
        if (stored == ComputeDType::f16 &&
            models::resolve_device(runtime.device).kind != DeviceKind::cuda) {
            const std::string config =
                runtime.base_dir.empty() ? "config.json" : runtime.base_dir + "/config.json";
            throw UsageError(
                "the model's ESM-2 features were computed in fp16 (\"dtype\": "
                "\"fp16\" in " +
                config +
                "), and fp16 compute needs a CUDA device; pass --dtype fp32 (or "
                "bf16) to override the model's dtype on the CPU");
        }
    } else if (runtime.dtype != stored) {
        log_info("note: --dtype " + to_string(runtime.dtype) +
                 " overrides the dtype the model's ESM-2 features were computed in (" +
                 to_string(stored) + ", config.json); predictions can differ slightly from " +
                 "the training run's");
    }
    return rt;
}

}  // namespace

std::unique_ptr<PropertyFeaturizer> make_smiles_lm_featurizer(models::LoadedSmilesEncoder encoder,
                                                              const std::string& described_dir,
                                                              const FeaturizerRuntime& runtime) {
    return std::make_unique<LmFeaturizer>(std::move(encoder), described_dir, runtime);
}

const char* to_string(InputKind kind) {
    return kind == InputKind::protein ? "protein" : "molecule";
}

const std::vector<std::string>& property_featurizer_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n = featurizer_parts();
        n.push_back("smiles-lm");
        n.push_back("esm");
        return n;
    }();
    return names;
}

void check_property_featurizer_name(const std::string& name) {
    if (name == "esm" || name == "smiles-lm") return;
    // Chemprop's features generators (rdkit_2d_normalized, ...), alone or joined.
    for (std::size_t start = 0; start <= name.size();) {
        std::size_t plus = name.find('+', start);
        if (plus == std::string::npos) plus = name.size();
        const std::string part = name.substr(start, plus - start);
        const std::string hint = chemprop_featurizer_hint(part);
        if (!hint.empty())
            throw UsageError("unknown featurizer '" + part + "' in --featurizer '" + name +
                             "': " + hint);
        start = plus + 1;
    }
    if (name.find('+') == std::string::npos) {
        const auto& names = property_featurizer_names();
        if (std::find(names.begin(), names.end(), name) == names.end())
            throw UsageError("unknown featurizer '" + name +
                             "', expected smiles-lm, esm, or RDKit parts (morgan, maccs, "
                             "atompair, torsion, rdkit2d, basic) joined by '+'");
    }
    canonical_featurizer_name(name);  // a repeated or unknown part
}

std::string PropertyFeaturizer::featurize_molecule(const RDKit::ROMol&, const std::string&,
                                                   float*) const {
    return "the " + name() + " featurizer does not take molecules";
}

void PropertyFeaturizer::keep_graphs(bool on) {
    if (on)
        throw UsageError(
            "the D-MPNN (--head ...mpnn) needs molecules featurized by RDKit, not "
            "the " +
            name() + " featurizer");
}

std::string PropertyFeaturizer::molecule_graph(const RDKit::ROMol&, models::MolGraph*) const {
    return "the " + name() + " featurizer gives no molecular graphs";
}

void PropertyFeaturizer::fit(const FeatureMatrix&, const std::vector<std::size_t>&) {}

void PropertyFeaturizer::normalize(float*) const {}

std::unique_ptr<PropertyFeaturizer> PropertyFeaturizer::create(const PropertyFeaturizerOptions& o) {
    check_property_featurizer_name(o.name);
    if (o.standardize && (o.name == "esm" || o.name == "smiles-lm"))
        throw UsageError(
            "--standardize works with the RDKit featurizers (morgan, maccs, atompair, "
            "torsion, rdkit2d, basic and their combinations), not with --featurizer " +
            o.name);
    if (o.name == "esm") {
        if (o.esm_model.empty())
            throw UsageError(
                "--featurizer esm needs --esm-model DIR (a Hugging Face ESM-2 "
                "directory)");
        return std::make_unique<ProteinFeaturizer>(
            esm_options(o.esm_model, o.esm_layer, o.esm_pooling, o.truncate, o.runtime));
    }
    if (o.name == "smiles-lm") {
        if (o.lm_model.empty())
            throw UsageError(
                "--featurizer smiles-lm needs --lm-model DIR (written by plmkit "
                "pretrain --kind smiles)");
        return std::make_unique<LmFeaturizer>(o.lm_model, o.runtime);
    }
    FeaturizerOptions chem = o.chem;
    chem.name = o.name;
    return std::make_unique<ChemFeaturizer>(Featurizer(chem), o.standardize, o.runtime);
}

std::unique_ptr<PropertyFeaturizer> PropertyFeaturizer::from_json(
    const nlohmann::json& j, const FeaturizerRuntime& runtime) {
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string())
        throw ModelError("featurizer description has no name");
    const std::string name = j["name"].get<std::string>();
    try {
        if (name == "esm") {
            auto f = std::make_unique<ProteinFeaturizer>(
                esm_options(resolve(j.at("model_dir").get<std::string>(), runtime.base_dir),
                            j.at("layer").get<int>(), j.at("pooling").get<std::string>(),
                            j.at("truncate").get<std::size_t>(), model_dtype(j, runtime)));
            const std::string want = j.value("weights_hash", std::string());
            const std::string got = f->to_json().value("weights_hash", std::string());
            if (!want.empty() && !f->matches_weights_hash(want))
                throw ModelError("the ESM-2 checkpoint '" + j["model_dir"].get<std::string>() +
                                 "' is not the one the model was trained on (weights hash " + got +
                                 ", the model expects " + want + ")");
            if (f->dim() != j.value("dim", f->dim()))
                throw ModelError("the ESM-2 checkpoint '" + j["model_dir"].get<std::string>() +
                                 "' has width " + std::to_string(f->dim()) +
                                 ", the model expects " + j["dim"].dump());
            return f;
        }
        if (name == "smiles-lm") {
            auto f = std::make_unique<LmFeaturizer>(
                resolve(j.at("model_dir").get<std::string>(), runtime.base_dir), runtime);
            if (f->dim() != j.value("dim", f->dim()))
                throw ModelError("the SMILES encoder '" + j["model_dir"].get<std::string>() +
                                 "' has width " + std::to_string(f->dim()) +
                                 ", the model expects " + j["dim"].dump());
            return f;
        }
    } catch (const nlohmann::json::exception& e) {
        throw ModelError("invalid " + name + " featurizer description: " + e.what());
    }
    const auto standardize = j.find("standardize");
    if (standardize != j.end() && !standardize->is_boolean())
        throw ModelError(
            "invalid featurizer description: 'standardize' must be true or false, "
            "got " +
            standardize->dump());
    auto f = std::make_unique<ChemFeaturizer>(
        Featurizer::from_json(j), standardize != j.end() && standardize->get<bool>(), runtime);
    const auto dim = j.find("dim");
    if (dim != j.end() && (!dim->is_number_unsigned() || dim->get<std::size_t>() != f->dim()))
        throw ModelError("the " + name + " featurizer gives " + std::to_string(f->dim()) +
                         " features, its description says \"dim\": " + dim->dump());
    return f;
}

}  // namespace plmkit::pipelines
