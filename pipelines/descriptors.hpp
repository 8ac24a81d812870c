#pragma once
// Molecular descriptors of the screening pipeline, computed with RDKit's C++
// descriptor functions so that every value equals RDKit Python's
// `rdkit.Chem.Descriptors` value for the same molecule (see docs/chem.md).
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

struct AtomLabelCounts;

/// One molecule's descriptors. Definitions (RDKit C++ function, Python name):
/// - mw: RDKit::Descriptors::calcAMW (average MW with implicit H; Descriptors.MolWt)
/// - clogp: Crippen logP, calcCrippenDescriptors (Crippen.MolLogP)
/// - tpsa: calcTPSA, N and O only (Descriptors.TPSA)
/// - hbd / hba: calcNumHBD / calcNumHBA (Lipinski.NumHDonors / NumHAcceptors,
///   the SMARTS-based definitions, not the NO / NHOH rule-of-5 counts)
/// - rotb: calcNumRotatableBonds(Strict) (Descriptors.NumRotatableBonds default)
/// - heavy_atoms: ROMol::getNumHeavyAtoms (Descriptors.HeavyAtomCount)
/// - rings / aromatic_rings: calcNumRings / calcNumAromaticRings
/// - fsp3: calcFractionCSP3 (Descriptors.FractionCSP3)
/// - qed: pipelines::qed (== rdkit.Chem.QED.qed, weighted mean)
/// - formal_charge: sum of atom formal charges (Chem.GetFormalCharge)
struct DescriptorValues {
    double mw = 0, clogp = 0, tpsa = 0;
    int hbd = 0, hba = 0, rotb = 0, heavy_atoms = 0, rings = 0, aromatic_rings = 0;
    double fsp3 = 0, qed = 0;
    int formal_charge = 0;
};

/// All descriptors of a sanitized molecule. Thread-safe for distinct
/// molecules (RDKit caches ring info and some values on the molecule, so one
/// molecule must not be shared between threads while this runs).
DescriptorValues compute_descriptors(const RDKit::ROMol& mol);
/// The same, with the molecule's atom labels and pattern fingerprint
/// (shared with MolFilters::check, which needs them for the catalogs).
DescriptorValues compute_descriptors(const RDKit::ROMol& mol, const AtomLabelCounts& labels);

/// Column names in output order: mw, clogp, tpsa, hbd, hba, rotb,
/// heavy_atoms, rings, aromatic_rings, fsp3, qed, formal_charge.
const std::vector<std::string>& descriptor_names();

/// The values in descriptor_names() order.
std::vector<double> descriptor_row(const DescriptorValues& values);

}  // namespace plmkit::pipelines
