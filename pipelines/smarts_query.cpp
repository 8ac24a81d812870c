#include "pipelines/smarts_query.hpp"

#include <GraphMol/GraphMol.h>
#include <GraphMol/QueryAtom.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <stdexcept>

namespace plmkit::pipelines {
namespace {

bool has_recursion(const RDKit::QueryAtom::QUERYATOM_QUERY* q) {
    if (q == nullptr) return false;
    if (q->getDescription() == "RecursiveStructure") return true;
    for (auto it = q->beginChildren(); it != q->endChildren(); ++it) {
        if (has_recursion(it->get())) return true;
    }
    return false;
}

/// True when `atom` can be tested alone with Atom::Match (no recursive query).
bool screenable(const RDKit::Atom* atom) {
    if (!atom->hasQuery()) return true;
    return !has_recursion(static_cast<const RDKit::QueryAtom*>(atom)->getQuery());
}

bool any_atom_matches(const RDKit::Atom* query_atom, const RDKit::ROMol& mol) {
    for (const RDKit::Atom* atom : mol.atoms()) {
        if (query_atom->Match(atom)) return true;
    }
    return false;
}

}  // namespace

SmartsQuery::SmartsQuery(const std::string& smarts) {
    std::shared_ptr<const RDKit::ROMol> query(RDKit::SmartsToMol(smarts));
    if (!query) throw std::logic_error("invalid built-in SMARTS: " + smarts);
    query_ = std::move(query);
    analyse();
}

SmartsQuery::SmartsQuery(std::shared_ptr<const RDKit::ROMol> query) : query_(std::move(query)) {
    if (!query_) throw std::logic_error("SmartsQuery: null query");
    analyse();
}

void SmartsQuery::analyse() {
    for (const RDKit::Atom* atom : query_->atoms()) {
        if (!screenable(atom)) continue;
        screen_atoms_.push_back(atom);
        if (atom->getIdx() == 0) root_screenable_ = true;
    }
    single_atom_ = query_->getNumAtoms() == 1 && screen_atoms_.size() == 1;
}

bool SmartsQuery::may_match(const RDKit::ROMol& mol) const {
    for (const RDKit::Atom* query_atom : screen_atoms_) {
        if (!any_atom_matches(query_atom, mol)) return false;
    }
    return true;
}

bool SmartsQuery::root_may_match(const RDKit::Atom& atom) const {
    return !root_screenable_ || query_->getAtomWithIdx(0)->Match(&atom);
}

bool SmartsQuery::has_match(const RDKit::ROMol& mol) const {
    if (!may_match(mol)) return false;
    if (single_atom_) return true;           // may_match found a matching atom
    RDKit::SubstructMatchParameters params;  // Python's HasSubstructMatch defaults
    params.maxMatches = 1;
    return !RDKit::SubstructMatch(mol, *query_, params).empty();
}

std::size_t SmartsQuery::count_matches(const RDKit::ROMol& mol) const {
    constexpr std::size_t max_matches = 1000;  // GetSubstructMatches' default
    if (single_atom_) {
        const RDKit::Atom* query_atom = query_->getAtomWithIdx(0);
        std::size_t n = 0;
        for (const RDKit::Atom* atom : mol.atoms()) {
            if (query_atom->Match(atom) && ++n == max_matches) break;
        }
        return n;
    }
    if (!may_match(mol)) return 0;
    RDKit::SubstructMatchParameters params;  // uniquify = true
    params.maxMatches = max_matches;
    return RDKit::SubstructMatch(mol, *query_, params).size();
}

}  // namespace plmkit::pipelines
