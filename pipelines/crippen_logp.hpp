#pragma once
// Wildman-Crippen logP equal to RDKit's
// Descriptors::calcCrippenDescriptors(mol, logp, mr, includeHs = true), about
// 3x faster: heavy atoms are typed with RDKit's own parameter SMARTS (same
// order, first match wins) on the molecule as given instead of a copy with
// explicit hydrogens, each query pre-screened (SmartsQuery), and the
// hydrogens' types (H1-H4, HS) follow from their heavy neighbour as the
// parameter table's [#1] patterns define them. Molecules with hydrogen atoms
// in the graph, or very large ones, go through RDKit's function.
// See docs/chem.md; tests compare with RDKit on the golden set.

#include <vector>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

/// Crippen logP (== rdkit Crippen.MolLogP). Thread-safe; does not cache
/// values on the molecule.
double crippen_logp(const RDKit::ROMol& mol);

/// The Crippen typing of one molecule, done once for every descriptor that
/// needs it (the rdkit2d featurizer: CrippenClogP/MR, SlogP_VSA, SMR_VSA,
/// BCUT2D, QED). Each value equals RDKit's for the same molecule.
struct CrippenAtoms {
    /// Per atom: == getCrippenAtomContribs(mol) (the molecule as given).
    std::vector<double> logp, mr;
    /// == calcCrippenDescriptors(mol, logp, mr, includeHs = true).
    double logp_with_hs = 0, mr_with_hs = 0;
    /// == crippen_logp(mol) (the same value, summed in another order).
    double plmkit_logp = 0;
};

/// Fills `out` and returns true, or returns false for the molecules that
/// crippen_logp hands to RDKit (hydrogen atoms in the graph, more than 150
/// atoms). Thread-safe.
bool crippen_atoms(const RDKit::ROMol& mol, CrippenAtoms& out);

/// Always RDKit's calcCrippenDescriptors (the reference for tests/benches).
double crippen_logp_rdkit(const RDKit::ROMol& mol);

}  // namespace plmkit::pipelines
