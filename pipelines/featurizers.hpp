#pragma once
// Fixed-length molecule features for property models:
//   morgan          Morgan (ECFP4-like) hashed counts, radius 2, 2048 slots,
//                   as log(1 + count), or as bits (morgan_counts = false)
//   rdkit2d         RDKit 2D descriptors: every RDKit::Descriptors::Properties
//                   value, the 42 MQN counts, SlogP_VSA/SMR_VSA/PEOE_VSA bins,
//                   per-element atom counts and the rest of RDKit's Python
//                   descList but Ipc and BertzCT (E-state, charges, BCUT2D,
//                   85 fr_* group counts...: pipelines/descriptor_extras.hpp);
//                   normalized with statistics
//                   fitted on the training set and stored in the model
//   morgan+rdkit2d  the two concatenated (Morgan first)
//   basic           12 cheap descriptors (mw, clogp, tpsa, hbd, hba, rotb,
//                   heavy_atoms, rings, aromatic_rings, fsp3, formal_charge,
//                   aromatic_proportion), normalized like rdkit2d: about 20x
//                   faster than rdkit2d, for models scored inside a screen
//   morgan+basic    Morgan then basic
// The featurizer's description (name, sizes, normalization) round-trips
// through JSON so a saved model featurizes new molecules exactly as in
// training.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

struct FeaturizerOptions {
    /// morgan | rdkit2d | morgan+rdkit2d | basic | morgan+basic
    std::string name = "morgan+rdkit2d";
    unsigned morgan_radius = 2;
    unsigned morgan_bits = 2048;
    /// true: log(1 + count) per slot; false: 1 where the count is nonzero (bits).
    bool morgan_counts = true;
    double clip = 6.0;  ///< normalized descriptors are clipped to [-clip, clip]
};

/// Names accepted by FeaturizerOptions::name (the RDKit featurizers; the
/// others are in pipelines/property_featurizer.hpp).
const std::vector<std::string>& featurizer_names();
/// Throws UsageError for a name not in featurizer_names().
void check_featurizer_name(const std::string& name);

class Featurizer {
  public:
    explicit Featurizer(const FeaturizerOptions& options = {});

    /// Feature vector length.
    std::size_t dim() const;
    const FeaturizerOptions& options() const { return options_; }
    bool uses_descriptors() const;
    /// Names of the descriptor features (empty for "morgan").
    const std::vector<std::string>& descriptor_names() const { return descriptor_names_; }

    /// Raw (unnormalized) features of a sanitized molecule into out[0..dim).
    /// Descriptors that RDKit cannot compute are NaN. Thread-safe for distinct
    /// molecules.
    void featurize(const RDKit::ROMol& mol, float* out) const;

    /// Fits the descriptor normalization on `rows` of an [n x dim] matrix of
    /// raw features (the training set): heavy-tailed descriptors get a signed
    /// log, then mean/std.
    void fit(const std::vector<float>& features, const std::vector<std::size_t>& rows);
    bool fitted() const { return !mean_.empty(); }
    /// Normalizes one raw row in place (NaN/inf become 0, the mean).
    void normalize(float* row) const;
    /// Parses `smiles` (pipelines::parse_smiles) and featurizes it (raw).
    /// Returns "" on success, otherwise why the SMILES was rejected.
    std::string featurize_smiles(const std::string& smiles, float* out) const;
    /// featurize + normalize.
    void transform(const RDKit::ROMol& mol, float* out) const;

    nlohmann::json to_json() const;
    /// Throws ModelError when the description does not fit this build (for
    /// example a descriptor that this RDKit does not compute).
    static Featurizer from_json(const nlohmann::json& j);

  private:
    std::size_t morgan_dim() const;
    bool basic() const;

    FeaturizerOptions options_;
    std::vector<std::string> descriptor_names_;
    std::vector<float> mean_, std_;
    std::vector<char> log_;  ///< per descriptor: apply sign(x) log(1 + |x|) first
    /// Empty: descriptor_names_ is today's full list. Otherwise the model's
    /// (older) list, as positions in the full list.
    std::vector<std::size_t> selection_;
};

}  // namespace plmkit::pipelines
