#pragma once
// Fingerprint blocks that `plmkit train --featurizer` can join to Morgan and
// the descriptors (pipelines/featurizers.hpp), computed with RDKit:
//   maccs     the 167 MACCS keys (bit 0 is always 0, as in RDKit), 0/1
//   atompair  hashed atom-pair counts (Carhart et al. 1985), as log(1 + count)
//   torsion   hashed topological-torsion counts (Nilakantan et al. 1987),
//             as log(1 + count)
// The counts are RDKit's getHashedAtomPairFingerprint and
// getHashedTopologicalTorsionFingerprint with their default options, so
// Python users get the same slots from rdMolDescriptors.
#include <cstddef>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

constexpr std::size_t kMaccsKeys = 167;

/// Writes the MACCS keys of a sanitized molecule into out[0..167) as 0/1.
void maccs_keys(const RDKit::ROMol& mol, float* out);
/// Writes log(1 + count) of the hashed atom-pair fingerprint into
/// out[0..slots).
void atom_pair_counts(const RDKit::ROMol& mol, unsigned slots, float* out);
/// Writes log(1 + count) of the hashed topological-torsion fingerprint
/// (paths of 4 atoms) into out[0..slots).
void torsion_counts(const RDKit::ROMol& mol, unsigned slots, float* out);

}  // namespace plmkit::pipelines
