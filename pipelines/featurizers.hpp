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
//   maccs, atompair, torsion
//                   MACCS keys, hashed atom-pair and topological-torsion
//                   counts (pipelines/fingerprint_blocks.hpp)
//   basic           12 cheap descriptors (mw, clogp, tpsa, hbd, hba, rotb,
//                   heavy_atoms, rings, aromatic_rings, fsp3, formal_charge,
//                   aromatic_proportion), normalized like rdkit2d: about 10x
//                   faster than rdkit2d, for models scored inside a screen
//   morgan+basic    Morgan then basic
// Any of these parts joined by '+', each once, rdkit2d or basic but not
// both (morgan+maccs+torsion+rdkit2d, ...); the blocks are laid out in the
// order morgan, maccs, atompair, torsion, descriptors whatever the order of
// the name, which is stored in that order.
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
    /// Parts joined by '+': morgan, maccs, atompair, torsion, rdkit2d | basic
    std::string name = "morgan+rdkit2d";
    unsigned morgan_radius = 2;
    unsigned morgan_bits = 2048;
    /// true: log(1 + count) per slot; false: 1 where the count is nonzero (bits).
    bool morgan_counts = true;
    unsigned atompair_slots = 2048;  ///< hashed atom-pair count slots
    unsigned torsion_slots = 2048;   ///< hashed topological-torsion count slots
    double clip = 6.0;               ///< normalized descriptors are clipped to [-clip, clip]
};

/// The parts of an RDKit featurizer name, in their layout order (the
/// featurizers of pipelines/property_featurizer.hpp add smiles-lm and esm).
const std::vector<std::string>& featurizer_parts();
/// The name with its parts in layout order ("rdkit2d+morgan" ->
/// "morgan+rdkit2d"). Throws UsageError for an unknown or repeated part,
/// or rdkit2d with basic.
std::string canonical_featurizer_name(const std::string& name);

/// The `basic` features of `mol` from the values plmkit screen computed for
/// it (`screen_row` in pipelines/descriptors.hpp's descriptor_row() order:
/// the same RDKit calls on the same molecule), plus aromatic_proportion.
/// Returns false when the row is too short.
bool basic_descriptors_from_screen_row(const RDKit::ROMol& mol,
                                       const std::vector<double>& screen_row, float* out);

class Featurizer {
  public:
    explicit Featurizer(const FeaturizerOptions& options = {});

    /// Feature vector length.
    std::size_t dim() const;
    const FeaturizerOptions& options() const { return options_; }
    bool uses_descriptors() const;
    /// Names of the descriptor features (empty without rdkit2d or basic).
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
    bool has_part(const char* part) const;
    std::size_t morgan_dim() const;
    /// Length of the fingerprint blocks before the descriptors.
    std::size_t fingerprint_dim() const;
    bool basic() const;
    /// Writes the fingerprint blocks (all but the descriptors).
    float* fingerprints(const RDKit::ROMol& mol, float* out) const;

    FeaturizerOptions options_;
    std::vector<std::string> descriptor_names_;
    std::vector<float> mean_, std_;
    std::vector<char> log_;  ///< per descriptor: apply sign(x) log(1 + |x|) first
    /// Empty: descriptor_names_ is today's full list. Otherwise the model's
    /// (older) list, as positions in the full list.
    std::vector<std::size_t> selection_;
};

}  // namespace plmkit::pipelines
