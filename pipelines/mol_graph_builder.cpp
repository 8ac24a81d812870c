#include "pipelines/mol_graph_builder.hpp"

#include <GraphMol/Atom.h>
#include <GraphMol/Bond.h>
#include <GraphMol/MolOps.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/RingInfo.h>
#include <RDGeneral/types.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

namespace plmkit::pipelines {
namespace {

/// Sets the slot of `value` among `choices` (the last slot when absent) and
/// returns the slots used.
template <typename T, std::size_t N>
std::size_t one_hot(float* out, const std::array<T, N>& choices, T value) {
    std::size_t k = N;
    for (std::size_t i = 0; i < N; ++i)
        if (choices[i] == value) k = i;
    out[k] = 1.f;
    return N + 1;
}

void atom_features(const RDKit::Atom& a, const RDKit::RingInfo& rings, float* out) {
    using H = RDKit::Atom::HybridizationType;

    static constexpr std::array<int, 13> kElements{1, 5, 6, 7, 8, 9, 14, 15, 16, 17, 34, 35, 53};
    static constexpr std::array<int, 6> kDegrees{0, 1, 2, 3, 4, 5};
    static constexpr std::array<int, 5> kCharges{-2, -1, 0, 1, 2};
    static constexpr std::array<int, 5> kHs{0, 1, 2, 3, 4};
    static constexpr std::array<H, 5> kHybrid{H::SP, H::SP2, H::SP3, H::SP3D, H::SP3D2};
    std::size_t k = 0;
    k += one_hot(out + k, kElements, a.getAtomicNum());
    k += one_hot(out + k, kDegrees, static_cast<int>(a.getTotalDegree()));
    k += one_hot(out + k, kCharges, a.getFormalCharge());
    std::string cip;
    if (a.getPropIfPresent(RDKit::common_properties::_CIPCode, cip))
        out[k + (cip == "R" ? 1 : cip == "S" ? 2 : 3)] = 1.f;
    else
        out[k + (a.getChiralTag() == RDKit::Atom::CHI_UNSPECIFIED ? 0 : 3)] = 1.f;
    k += 4;
    k += one_hot(out + k, kHs, static_cast<int>(a.getTotalNumHs()));
    k += one_hot(out + k, kHybrid, a.getHybridization());
    out[k++] = a.getIsAromatic() ? 1.f : 0.f;
    out[k++] = rings.numAtomRings(a.getIdx()) > 0 ? 1.f : 0.f;
    out[k++] = static_cast<float>(a.getMass() * 0.01);
}

void bond_features(const RDKit::Bond& b, const RDKit::RingInfo& rings,
                   const MolGraphOptions& options, float* out) {
    using T = RDKit::Bond::BondType;
    using S = RDKit::Bond::BondStereo;
    switch (b.getBondType()) {
        case T::SINGLE:
            out[0] = 1.f;
            break;
        case T::DOUBLE:
            out[1] = 1.f;
            break;
        case T::TRIPLE:
            out[2] = 1.f;
            break;
        case T::AROMATIC:
            out[3] = 1.f;
            break;
        default:
            break;  // dative, ...: no type slot
    }
    out[4] = b.getIsConjugated() ? 1.f : 0.f;
    out[5] = rings.numBondRings(b.getIdx()) > 0 ? 1.f : 0.f;
    static constexpr std::array<S, 6> kStereo{S::STEREONONE, S::STEREOANY, S::STEREOZ,
                                              S::STEREOE,    S::STEREOCIS, S::STEREOTRANS};
    S stereo = b.getStereo();
    if (stereo == S::STEREOANY && !options.either_bond_as_any) stereo = S::STEREONONE;
    for (std::size_t i = 0; i < kStereo.size(); ++i)
        if (stereo == kStereo[i]) out[6 + i] = 1.f;
}

}  // namespace

std::optional<MolGraphOptions> mol_graph_options(const std::string& layout) {
    if (layout == kGraphFeatures) return MolGraphOptions{};
    if (layout == "plmkit-graph-2") return MolGraphOptions{/*either_bond_as_any=*/true};
    return std::nullopt;
}

models::MolGraph build_mol_graph(const RDKit::ROMol& given, const MolGraphOptions& options) {
    // A copy only when rings were never perceived or the molecule has
    // stereo (chiral tags, '/' and '\\' bonds) to perceive: plmkit's parser
    // leaves stereo perception (CIP labels, E/Z) to the steps that need it.
    bool stereo = false;
    for (const RDKit::Bond* b : given.bonds())
        if (b->getBondDir() == RDKit::Bond::ENDUPRIGHT ||
            b->getBondDir() == RDKit::Bond::ENDDOWNRIGHT)
            stereo = true;
    for (const RDKit::Atom* a : given.atoms())
        if (a->getChiralTag() != RDKit::Atom::CHI_UNSPECIFIED) stereo = true;
    std::unique_ptr<RDKit::ROMol> copy;
    if (!given.getRingInfo()->isInitialized() || stereo) {
        copy = std::make_unique<RDKit::ROMol>(given);
        if (!copy->getRingInfo()->isInitialized()) RDKit::MolOps::fastFindRings(*copy);
        if (stereo) RDKit::MolOps::assignStereochemistry(*copy, true, true);
    }
    const RDKit::ROMol& mol = copy ? *copy : given;
    models::MolGraph g;
    g.atoms = static_cast<std::int32_t>(mol.getNumAtoms());
    g.atom_features.assign(static_cast<std::size_t>(g.atoms * kAtomFeatures), 0.f);
    const RDKit::RingInfo& rings = *mol.getRingInfo();
    for (const RDKit::Atom* a : mol.atoms())
        atom_features(*a, rings, &g.atom_features[a->getIdx() * kAtomFeatures]);
    const std::size_t bonds = mol.getNumBonds();
    g.from.reserve(2 * bonds);
    g.to.reserve(2 * bonds);
    g.bond_features.assign(2 * bonds * kBondFeatures, 0.f);
    for (const RDKit::Bond* b : mol.bonds()) {
        const auto u = static_cast<std::int32_t>(b->getBeginAtomIdx());
        const auto v = static_cast<std::int32_t>(b->getEndAtomIdx());
        const std::size_t e = g.from.size();
        g.from.insert(g.from.end(), {u, v});
        g.to.insert(g.to.end(), {v, u});
        bond_features(*b, rings, options, &g.bond_features[e * kBondFeatures]);
        std::copy_n(&g.bond_features[e * kBondFeatures], kBondFeatures,
                    &g.bond_features[(e + 1) * kBondFeatures]);
    }
    return g;
}

}  // namespace plmkit::pipelines
