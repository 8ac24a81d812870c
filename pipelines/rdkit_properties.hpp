#pragma once
// RDKit's C++ descriptor lists of the rdkit2d featurizer (Descriptors::
// Properties, SlogP_VSA, SMR_VSA, PEOE_VSA) with the work several of them
// share done once per molecule. RDKit computes each value on its own: the
// Crippen typing (CrippenClogP, CrippenMR, SlogP_VSA, SMR_VSA and, later,
// BCUT2D and QED), the paths of 3, 4 and 5 atoms (chi2v..chi4v,
// chi2n..chi4n, kappa2, kappa3, Phi; RDKit's chi2v and chi2n are its chi3v
// and chi3n, computed again) and Gasteiger charges (PEOE_VSA, the charge
// extremes, BCUT2D). Every value is RDKit's for the same molecule, to the
// bit: same functions where RDKit's are used, the same arithmetic in the same
// order where not (tests/pipelines/test_rdkit_properties.cpp compares them).
#include <vector>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

struct CrippenAtoms;

/// == RDKit::Descriptors::Properties(getAvailableProperties())
/// .computeProperties(mol). `crippen`: the molecule's Crippen typing, or
/// nullptr where crippen_atoms() declined it (RDKit's functions then).
std::vector<double> rdkit_properties(const RDKit::ROMol& mol, const CrippenAtoms* crippen);

/// Index of `name` in getAvailableProperties(); throws std::logic_error if absent.
std::size_t rdkit_property_index(const char* name);

/// True when RDKit's default rotatable-bond definition (the Properties'
/// NumRotatableBonds) is the Strict one (QED's).
bool default_rotatable_bonds_are_strict();

/// == calcSlogP_VSA(mol) and calcSMR_VSA(mol) (default bins).
void crippen_vsa(const RDKit::ROMol& mol, const CrippenAtoms* crippen, std::vector<double>& slogp,
                 std::vector<double>& smr);

/// == calcPEOE_VSA(mol) (default bins), from `charges` ==
/// computeGasteigerCharges(mol, charges, 12, false).
std::vector<double> peoe_vsa(const RDKit::ROMol& mol, const std::vector<double>& charges);

}  // namespace plmkit::pipelines
