#pragma once
// The fixed-size features a property model is trained on, behind one
// interface, for every featurizer `plmkit train --featurizer` accepts:
//   morgan, rdkit2d, morgan+rdkit2d   RDKit (pipelines/featurizers.hpp);
//   (and maccs, atompair, torsion,    Morgan as log1p counts or as bits
//   basic, joined by '+')
//   smiles-lm                         a frozen `plmkit pretrain` SMILES encoder
//   esm                               a frozen Hugging Face ESM-2 checkpoint
// Inputs are strings: SMILES (or an MDL mol block, from SDF input) for the
// molecule featurizers, amino-acid sequences for esm. Raw features come out
// as a FeatureMatrix (a row that cannot be featurized has its reason);
// featurizers with a normalization (rdkit2d) fit it on the training rows.
// A model directory stores to_json() and re-creates the featurizer with
// from_json(), so new inputs are featurized exactly as in training.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "models/smiles_encoder.hpp"
#include "pipelines/esm_featurizer.hpp"
#include "pipelines/feature_matrix.hpp"
#include "pipelines/featurizers.hpp"
#include "pipelines/mol_graph_builder.hpp"
#include "src/device.hpp"

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

/// What a featurizer reads.
enum class InputKind { molecule, protein };
const char* to_string(InputKind kind);

/// How to run a featurizer (not stored with a model).
struct FeaturizerRuntime {
    int threads = 0;  ///< worker threads for RDKit featurizers (0 = all cores)
    Device device{DeviceKind::cpu};
    /// ESM-2 compute dtype. A model records the dtype its frozen ESM-2
    /// features were computed in ("dtype" in its featurizer description;
    /// fp32 when absent) and from_json uses that one unless `dtype_given`.
    ComputeDType dtype = ComputeDType::f32;
    bool dtype_given = false;       ///< dtype was asked for (--dtype): it overrides the model's
    std::size_t max_tokens = 4096;  ///< token budget per batch (esm, smiles-lm)
    /// Relative encoder paths in a stored description resolve against this
    /// folder (the model directory).
    std::string base_dir;
};

struct PropertyFeaturizerOptions {
    /// smiles-lm | esm | RDKit parts joined by '+' (morgan, maccs, atompair,
    /// torsion, rdkit2d | basic; pipelines/featurizers.hpp)
    std::string name = "morgan+rdkit2d";
    FeaturizerOptions chem;            ///< RDKit featurizers (name is taken from above)
    std::string lm_model;              ///< smiles-lm: LM_DIR of plmkit pretrain
    std::string esm_model;             ///< esm: Hugging Face ESM-2 directory
    int esm_layer = -1;                ///< esm: representation layer (negative from the end)
    std::string esm_pooling = "mean";  ///< esm: mean | bos
    std::size_t truncate = 1022;       ///< esm: residues kept per sequence
    /// RDKit featurizers: featurize the standardized parent molecule
    /// (pipelines/standardize.hpp with the screen's defaults: cleanup,
    /// largest fragment, uncharge), so a salt and its free base get the
    /// same features, as in `plmkit screen`. Stored with the model.
    bool standardize = false;
    FeaturizerRuntime runtime;
};

/// The featurizer names `plmkit train` accepts alone (the RDKit parts can
/// also be joined by '+').
const std::vector<std::string>& property_featurizer_names();
/// Throws UsageError, naming the bad part, for a name `plmkit train` does
/// not accept.
void check_property_featurizer_name(const std::string& name);

class PropertyFeaturizer {
  public:
    virtual ~PropertyFeaturizer() = default;

    /// A new (unfitted) featurizer. Throws UsageError for a bad name or
    /// missing --esm-model / --lm-model, IoError / ModelError for an
    /// unreadable model directory.
    static std::unique_ptr<PropertyFeaturizer> create(const PropertyFeaturizerOptions& options);
    /// From a model's stored description. Throws ModelError when it does not
    /// fit this build or the referenced encoder changed (weights hash).
    static std::unique_ptr<PropertyFeaturizer> from_json(const nlohmann::json& j,
                                                         const FeaturizerRuntime& runtime);

    virtual std::string name() const = 0;
    virtual InputKind input_kind() const = 0;
    virtual std::size_t dim() const = 0;

    /// Raw features of `inputs`, rows in input order. Never throws for a bad
    /// input: its row is NaN and has the reason.
    virtual FeatureMatrix featurize(const std::vector<std::string>& inputs) const = 0;

    /// Molecule featurizers: the raw features of an already parsed molecule
    /// (`smiles` is its SMILES). Returns "" or why it failed. Thread-safe.
    virtual std::string featurize_molecule(const RDKit::ROMol& mol, const std::string& smiles,
                                           float* out) const;
    /// The `basic` featurizer (alone, without standardize): its raw features
    /// from the values plmkit screen has computed for this molecule
    /// (`screen_row`: descriptor_row() order, pipelines/descriptors.hpp), the
    /// same numbers featurize_molecule() would compute again. Returns false
    /// (and writes nothing) for any other featurizer.
    virtual bool features_from_screen_row(const RDKit::ROMol& mol,
                                          const std::vector<double>& screen_row, float* out) const {
        (void)mol, (void)screen_row, (void)out;
        return false;
    }

    /// Fits the normalization (if any) on `rows` of raw features.
    virtual void fit(const FeatureMatrix& raw, const std::vector<std::size_t>& rows);
    /// Normalizes one raw row in place (identity without a normalization).
    virtual void normalize(float* row) const;

    /// Whether the featurizer can give molecular graphs (the RDKit ones).
    virtual bool makes_graphs() const { return false; }
    /// From now on featurize() also fills FeatureMatrix::graphs, from the
    /// molecule it featurizes (the standardized parent with --standardize).
    /// Throws UsageError when !makes_graphs().
    virtual void keep_graphs(bool on);
    /// The graph layout of the model the graphs are for (by default this
    /// build's kGraphFeatures; a plmkit-graph-2 model's, see
    /// mol_graph_builder.hpp). Ignored by featurizers without graphs.
    virtual void set_graph_options(const MolGraphOptions& options) { (void)options; }
    /// The graph of an already parsed molecule, as featurize() makes it.
    /// Returns "" or why it failed. Thread-safe.
    virtual std::string molecule_graph(const RDKit::ROMol& mol, models::MolGraph* out) const;

    virtual nlohmann::json to_json() const = 0;
};

/// smiles-lm features from an encoder in memory (a fine-tuned member);
/// `described_dir` is what to_json() reports as model_dir.
std::unique_ptr<PropertyFeaturizer> make_smiles_lm_featurizer(models::LoadedSmilesEncoder encoder,
                                                              const std::string& described_dir,
                                                              const FeaturizerRuntime& runtime);

}  // namespace plmkit::pipelines
