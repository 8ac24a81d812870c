#include "pipelines/standardize.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include <GraphMol/MolOps.h>
#include <GraphMol/MolStandardize/Charge.h>
#include <GraphMol/MolStandardize/Fragment.h>
#include <GraphMol/MolStandardize/Metal.h>
#include <GraphMol/MolStandardize/MolStandardize.h>
#include <GraphMol/MolStandardize/Normalize.h>
#include <GraphMol/MolStandardize/Tautomer.h>
#include <GraphMol/RWMol.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <GraphMol/StereoGroup.h>

#include "pipelines/mol_parse.hpp"
#include "pipelines/rdkit_log_capture.hpp"

namespace plmkit::pipelines {

namespace MS = RDKit::MolStandardize;

struct Standardizer::Impl {
    MS::CleanupParameters params;
    std::unique_ptr<MS::Normalizer> normalizer{MS::normalizerFromParams(params)};
    std::unique_ptr<MS::Reionizer> reionizer{MS::reionizerFromParams(params)};
    MS::MetalDisconnector metals;
    MS::LargestFragmentChooser largest{params};
    MS::Uncharger uncharger;
    std::unique_ptr<MS::TautomerEnumerator> tautomers;
};

Standardizer::Standardizer(const StandardizeOptions& options)
    : options_(options), impl_(std::make_unique<Impl>()) {
    capture_rdkit_logs();
    if (options_.tautomer) impl_->tautomers.reset(MS::tautomerEnumeratorFromParams(impl_->params));
    take_rdkit_message();
}

Standardizer::~Standardizer() = default;

namespace {
using MolPtr = std::unique_ptr<RDKit::ROMol>;

/// MolStandardize::cleanup with long-lived Normalizer/Reionizer objects
/// (RDKit's free function builds both from their SMARTS for every molecule).
MolPtr cleanup(const RDKit::ROMol& in, MS::MetalDisconnector& metals, MS::Normalizer& normalizer,
               MS::Reionizer& reionizer) {
    RDKit::RWMol m(in);
    // As RDKit's cleanup: removeHs, which would also re-sanitize; the input
    // is sanitized already, so that is needed only if hydrogens went away.
    const unsigned atoms = m.getNumAtoms();
    RDKit::MolOps::removeHs(m, /*implicitOnly=*/false, /*updateExplicitCount=*/false,
                            /*sanitize=*/false);
    if (m.getNumAtoms() != atoms) RDKit::MolOps::sanitizeMol(m);
    metals.disconnect(m);
    MolPtr normalized(normalizer.normalize(m));
    std::unique_ptr<RDKit::ROMol> reionized(reionizer.reionize(*normalized));
    RDKit::MolOps::assignStereochemistry(*reionized, /*cleanIt=*/true, /*force=*/true);
    return reionized;
}

/// Input atom index, on the atoms of a molecule with stereo groups.
const char* const kInputAtom = "_plmkitInputAtom";

struct SavedGroup {
    RDKit::StereoGroupType type;
    std::vector<unsigned> atoms;  ///< input atom indices
};

/// The stereo groups of `mol` (enhanced stereo: CXSMILES |o1:1,3|, |&1:..|,
/// V3000 collections), with each atom tagged by its index.
std::vector<SavedGroup> tag_stereo_groups(const RDKit::ROMol& mol) {
    std::vector<SavedGroup> groups;
    for (const auto& g : mol.getStereoGroups()) {
        SavedGroup saved{g.getGroupType(), {}};
        for (const auto* a : g.getAtoms())
            saved.atoms.push_back(a->getIdx());
        groups.push_back(std::move(saved));
    }
    for (const auto* a : mol.atoms())
        a->setProp<unsigned>(kInputAtom, a->getIdx());
    return groups;
}

bool is_chiral_center(const RDKit::Atom& a) {
    return a.getChiralTag() == RDKit::Atom::CHI_TETRAHEDRAL_CW ||
           a.getChiralTag() == RDKit::Atom::CHI_TETRAHEDRAL_CCW;
}

/// Puts `groups` back on `mol`: RDKit 2022.09's Normalizer, Reionizer and
/// fragment steps drop them whenever a transform changes the molecule (a
/// counter-ion stripped, a nitro group normalized) and keep them otherwise,
/// but every atom keeps its properties. A group keeps those of its atoms
/// that are still chiral centers; an empty group goes.
void restore_stereo_groups(RDKit::ROMol& mol, const std::vector<SavedGroup>& groups) {
    std::unordered_map<unsigned, RDKit::Atom*> by_input;
    for (auto* a : mol.atoms()) {
        unsigned i = 0;
        if (a->getPropIfPresent(kInputAtom, i)) by_input.emplace(i, a);
        a->clearProp(kInputAtom);
    }
    std::vector<RDKit::StereoGroup> out;
    for (const auto& g : groups) {
        std::vector<RDKit::Atom*> atoms;
        for (unsigned i : g.atoms) {
            auto it = by_input.find(i);
            if (it != by_input.end() && is_chiral_center(*it->second)) atoms.push_back(it->second);
        }
        if (!atoms.empty()) out.emplace_back(g.type, std::move(atoms));
    }
    mol.setStereoGroups(std::move(out));
}

bool is_abs_group(const RDKit::StereoGroup& g) {
    return g.getGroupType() == RDKit::StereoGroupType::STEREO_ABSOLUTE;
}

/// An ABS group says what an atom in no group means already: left out, so
/// that "|a:1,o1:3|" and "|o1:3|" give one key.
void drop_abs_groups(RDKit::ROMol& mol) {
    std::vector<RDKit::StereoGroup> kept;
    for (const auto& g : mol.getStereoGroups())
        if (!is_abs_group(g)) kept.push_back(g);
    mol.setStereoGroups(std::move(kept));
}

std::string cx_smiles(const RDKit::ROMol& mol) {
    constexpr std::uint32_t kFields = RDKit::SmilesWrite::CXSmilesFields::CX_ENHANCEDSTEREO;
    return RDKit::MolToCXSmiles(mol, RDKit::SmilesWriteParams(), kFields);
}

void invert_group(const std::vector<RDKit::Atom*>& atoms) {
    for (auto* a : atoms)
        a->invertChirality();
}

/// Up to this many OR/AND groups every writing is tried (1024 SMILES).
constexpr std::size_t kMaxEnumeratedGroups = 10;
}  // namespace

RDKit::ROMol* Standardizer::apply(Step step, const RDKit::ROMol& in) {
    switch (step) {
        case Step::cleanup:
            return cleanup(in, impl_->metals, *impl_->normalizer, *impl_->reionizer).release();
        case Step::largest_fragment:
            return impl_->largest.choose(in);
        case Step::uncharge:
            return impl_->uncharger.uncharge(in);
        case Step::tautomer:
            return impl_->tautomers->canonicalize(in);
    }
    return new RDKit::ROMol(in);
}

std::vector<Standardizer::Step> Standardizer::enabled_steps(const StandardizeOptions& o) {
    std::vector<Step> steps;
    if (o.cleanup) steps.push_back(Step::cleanup);
    if (o.largest_fragment) steps.push_back(Step::largest_fragment);
    if (o.uncharge) steps.push_back(Step::uncharge);
    if (o.tautomer) steps.push_back(Step::tautomer);
    return steps;
}

std::string Standardizer::unreadable_step(const RDKit::ROMol& mol) {
    static const char* const kWho[] = {
        "the cleanup step (RDKit's cleanup: metal disconnection, normalization, reionization)",
        "the largest_fragment step (RDKit's LargestFragmentChooser)",
        "the uncharge step (RDKit's Uncharger)", "the tautomer step (RDKit's TautomerEnumerator)"};
    std::string found;
    take_rdkit_message();
    try {
        MolPtr cur;
        const RDKit::ROMol* src = &mol;
        for (Step s : enabled_steps(options_)) {
            MolPtr next(apply(s, *src));
            if (!parse_smiles(RDKit::MolToSmiles(*next)).mol) {
                found = std::string(kWho[static_cast<int>(s)]) + " made it from '" +
                        RDKit::MolToSmiles(*src) + "'";
                break;
            }
            cur = std::move(next);
            src = cur.get();
        }
    } catch (const std::exception&) {  // no step to name
    }
    take_rdkit_message();
    return found;
}

StandardizeResult Standardizer::run(const RDKit::ROMol& mol) {
    StandardizeResult r;
    take_rdkit_message();
    try {
        MolPtr cur;
        const RDKit::ROMol* src = &mol;
        std::vector<SavedGroup> groups;
        if (!mol.getStereoGroups().empty()) {  // tag a copy: the caller's molecule stays as is
            cur = std::make_unique<RDKit::ROMol>(mol);
            groups = tag_stereo_groups(*cur);
            src = cur.get();
        }
        auto step = [&](RDKit::ROMol* next) {
            cur.reset(next);
            src = cur.get();
        };
        for (Step s : enabled_steps(options_))
            step(apply(s, *src));
        if (!cur) cur = std::make_unique<RDKit::ROMol>(mol);
        if (!groups.empty()) restore_stereo_groups(*cur, groups);
        if (cur->getNumAtoms() == 0) {
            r.error = "no atoms left after standardization";
        } else {
            r.mol = std::move(cur);
        }
    } catch (const std::exception& e) {
        std::string log = take_rdkit_message();
        r.error = e.what();
        if (!log.empty()) r.error += " (" + log + ")";
    }
    take_rdkit_message();
    return r;
}

std::string rdkit_smiles(const RDKit::ROMol& mol) {
    const auto& groups = mol.getStereoGroups();
    if (std::all_of(groups.begin(), groups.end(), is_abs_group)) return RDKit::MolToSmiles(mol);
    if (std::none_of(groups.begin(), groups.end(), is_abs_group)) return cx_smiles(mol);
    RDKit::ROMol copy(mol);
    drop_abs_groups(copy);
    return cx_smiles(copy);
}

std::string canonical_smiles(const RDKit::ROMol& mol) {
    const auto& groups = mol.getStereoGroups();
    if (std::all_of(groups.begin(), groups.end(), is_abs_group)) return RDKit::MolToSmiles(mol);
    RDKit::ROMol copy(mol);
    drop_abs_groups(copy);
    // Inverting every atom of an OR or AND group gives the same substance
    // written from the other enantiomer of that group: of these writings
    // (2^groups, each group inverted or not), the smallest SMILES is the key.
    const auto& kept = copy.getStereoGroups();
    std::vector<std::vector<RDKit::Atom*>> flips;
    for (const auto& g : kept)
        flips.push_back(g.getAtoms());
    std::string best = cx_smiles(copy);
    if (flips.size() <= kMaxEnumeratedGroups) {
        const std::uint32_t n = 1u << flips.size();
        for (std::uint32_t mask = 1; mask < n; ++mask) {
            // Gray code: consecutive masks differ in one group, inverted once.
            const std::uint32_t changed = (mask ^ (mask >> 1)) ^ ((mask - 1) ^ ((mask - 1) >> 1));
            for (std::size_t i = 0; i < flips.size(); ++i)
                if (changed & (1u << i)) invert_group(flips[i]);
            best = std::min(best, cx_smiles(copy));
        }
        return best;
    }
    for (auto& atoms : flips) {  // too many to enumerate: one group at a time
        invert_group(atoms);
        std::string s = cx_smiles(copy);
        if (s < best)
            best = std::move(s);
        else
            invert_group(atoms);
    }
    return best;
}

}  // namespace plmkit::pipelines
