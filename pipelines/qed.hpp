#pragma once
// QED, the quantitative estimate of drug-likeness (Bickerton et al., Nature
// Chemistry 4, 90-98, 2012), as RDKit's Python rdkit.Chem.QED (descriptor
// version 1.1.0) computes it: same property definitions, ADS parameters,
// weights, acceptor SMARTS and structural alerts. RDKit's C++ has no QED.
#include <array>

namespace RDKit {
class ROMol;
}
class ExplicitBitVect;

namespace plmkit::pipelines {

/// The eight QED properties, computed on Chem.RemoveHs(mol) as QED.properties.
struct QedProperties {
    double mw = 0;     ///< average molecular weight (calcAMW)
    double alogp = 0;  ///< Crippen logP
    int hba = 0;       ///< acceptors: sum of matches of QED's 11 acceptor SMARTS
    int hbd = 0;       ///< calcNumHBD
    double psa = 0;    ///< TPSA (N, O only)
    int rotb = 0;      ///< rotatable bonds, strict definition
    int arom = 0;      ///< SSSR rings left after deleting aliphatic ring atoms
    int alerts = 0;    ///< number of QED structural alerts (of 116) that match
};

/// Weights of the eight properties in QedProperties order.
using QedWeights = std::array<double, 8>;
/// QED.WEIGHT_MEAN (the default of QED.qed).
const QedWeights& qed_weights_mean();
/// QED.WEIGHT_MAX.
const QedWeights& qed_weights_max();
/// QED.WEIGHT_NONE (all ones).
const QedWeights& qed_weights_none();

/// QED.properties(mol) for a sanitized molecule. Thread-safe (the SMARTS
/// patterns are compiled once).
QedProperties qed_properties(const RDKit::ROMol& mol);

/// True when `mol` has hydrogen atoms in its graph (QED then works on a
/// RemoveHs copy).
bool has_hydrogen_atoms(const RDKit::ROMol& mol);

/// Fills QED's own structure counts (hba, arom, alerts) of `props` for a
/// molecule without hydrogen atoms in its graph; other fields are kept. Lets
/// compute_descriptors reuse MW, logP, HBD, TPSA and rotatable bonds.
/// `pattern_fp`, when given, is the molecule's RDKit pattern fingerprint
/// (kPatternFpBits, AtomLabelCounts::pattern_fp): alerts whose own pattern
/// fingerprint is not a subset of it cannot match and are skipped.
void qed_structure_counts(const RDKit::ROMol& mol, QedProperties& props,
                          const ExplicitBitVect* pattern_fp = nullptr);

/// Weighted geometric mean of the ADS desirabilities of `props`.
double qed_from_properties(const QedProperties& props, const QedWeights& weights);

/// == rdkit.Chem.QED.qed(mol): weighted mean with the default weights.
double qed(const RDKit::ROMol& mol);

}  // namespace plmkit::pipelines
