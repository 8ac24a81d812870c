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

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

/// Crippen logP (== rdkit Crippen.MolLogP). Thread-safe; does not cache
/// values on the molecule.
double crippen_logp(const RDKit::ROMol& mol);

/// Always RDKit's calcCrippenDescriptors (the reference for tests/benches).
double crippen_logp_rdkit(const RDKit::ROMol& mol);

}  // namespace plmkit::pipelines
