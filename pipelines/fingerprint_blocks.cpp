#include "pipelines/fingerprint_blocks.hpp"

#include <DataStructs/ExplicitBitVect.h>
#include <DataStructs/SparseIntVect.h>
#include <GraphMol/Fingerprints/AtomPairs.h>
#include <GraphMol/Fingerprints/MACCS.h>
#include <GraphMol/ROMol.h>

#include <algorithm>
#include <cmath>
#include <memory>

namespace plmkit::pipelines {
namespace {

template <class Vect>
void log_counts(const Vect& fp, unsigned slots, float* out) {
    std::fill(out, out + slots, 0.f);
    for (const auto& [index, count] : fp.getNonzeroElements())
        out[static_cast<std::size_t>(index) % slots] += static_cast<float>(count);
    for (unsigned i = 0; i < slots; ++i)
        if (out[i] > 0) out[i] = std::log1p(out[i]);
}

}  // namespace

void maccs_keys(const RDKit::ROMol& mol, float* out) {
    std::unique_ptr<ExplicitBitVect> fp(RDKit::MACCSFingerprints::getFingerprintAsBitVect(mol));
    for (std::size_t i = 0; i < kMaccsKeys; ++i)
        out[i] = fp->getBit(static_cast<unsigned>(i)) ? 1.f : 0.f;
}

void atom_pair_counts(const RDKit::ROMol& mol, unsigned slots, float* out) {
    std::unique_ptr<RDKit::SparseIntVect<std::int32_t>> fp(
        RDKit::AtomPairs::getHashedAtomPairFingerprint(mol, slots));
    log_counts(*fp, slots, out);
}

void torsion_counts(const RDKit::ROMol& mol, unsigned slots, float* out) {
    std::unique_ptr<RDKit::SparseIntVect<std::int64_t>> fp(
        RDKit::AtomPairs::getHashedTopologicalTorsionFingerprint(mol, slots));
    log_counts(*fp, slots, out);
}

}  // namespace plmkit::pipelines
