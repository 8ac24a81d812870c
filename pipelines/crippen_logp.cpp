#include "pipelines/crippen_logp.hpp"

#include "pipelines/smarts_query.hpp"

#include <GraphMol/Descriptors/Crippen.h>
#include <GraphMol/GraphMol.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <memory>
#include <stdexcept>
#include <vector>

namespace plmkit::pipelines {
namespace {

/// Above this size RDKit's 1000-match cap per pattern could make the
/// H-free typing differ from RDKit's; such molecules take RDKit's path.
constexpr unsigned kMaxFastAtoms = 150;

struct HeavyParam {
    SmartsQuery query;
    double logp, mr;
};

/// RDKit's Crippen parameters split into heavy-atom patterns (in file order)
/// and the logP of the hydrogen types.
struct CrippenTables {
    std::vector<HeavyParam> heavy;
    double h1 = 0, h2 = 0, h3 = 0, h4 = 0, hs = 0;
    /// Molar refractivity of the same hydrogen types.
    double mr_h1 = 0, mr_h2 = 0, mr_h3 = 0, mr_h4 = 0, mr_hs = 0;

    CrippenTables() {
        bool seen[5] = {false, false, false, false, false};
        for (const auto& p : *RDKit::Descriptors::CrippenParamCollection::getParams()) {
            if (p.smarts.rfind("[#1]", 0) != 0) {
                // RDKit's own compiled pattern (a boost::shared_ptr kept alive
                // by the deleter).
                std::shared_ptr<const RDKit::ROMol> query(
                    p.dp_pattern.get(), [keep = p.dp_pattern](const RDKit::ROMol*) {});
                heavy.push_back({SmartsQuery(std::move(query)), p.logp, p.mr});
                continue;
            }
            const char* labels[5] = {"H1", "H2", "H3", "H4", "HS"};
            double* values[5] = {&h1, &h2, &h3, &h4, &hs};
            double* mrs[5] = {&mr_h1, &mr_h2, &mr_h3, &mr_h4, &mr_hs};
            for (int i = 0; i < 5; ++i) {
                if (p.label == labels[i]) {
                    if (seen[i] && (*values[i] != p.logp || *mrs[i] != p.mr)) {
                        throw std::logic_error("Crippen table: inconsistent " + p.label);
                    }
                    *values[i] = p.logp;
                    *mrs[i] = p.mr;
                    seen[i] = true;
                }
            }
        }
        for (bool s : seen) {
            if (!s) throw std::logic_error("Crippen table: hydrogen type missing");
        }
    }
    static const CrippenTables& get() {
        static const CrippenTables tables;
        return tables;
    }
};

bool single_or_aromatic(const RDKit::Bond* bond) {
    return bond->getBondType() == RDKit::Bond::SINGLE ||
           bond->getBondType() == RDKit::Bond::AROMATIC;
}

bool aliphatic(const RDKit::Atom* atom, int z) {
    return atom->getAtomicNum() == z && !atom->getIsAromatic();
}

/// [#1]OC=[#6,#7,O,S]: the O's neighbour `c` is an aliphatic C with a
/// double bond to any C or N, or to an aliphatic O or S.
bool carbon_with_double_bond(const RDKit::ROMol& mol, const RDKit::Atom* c) {
    if (!aliphatic(c, 6)) return false;
    for (const RDKit::Bond* bond : mol.atomBonds(c)) {
        if (bond->getBondType() != RDKit::Bond::DOUBLE) continue;
        const RDKit::Atom* y = bond->getOtherAtom(c);
        const int z = y->getAtomicNum();
        if (z == 6 || z == 7 || aliphatic(y, 8) || aliphatic(y, 16)) return true;
    }
    return false;
}

enum HType { kH1, kH2, kH3, kH4, kHS };

/// Type of the hydrogens on oxygen `o` (which carries `nh` hydrogens), by
/// the [#1]O... patterns of RDKit's table, in table order.
HType hydroxyl_h(const RDKit::ROMol& mol, const RDKit::Atom* o, unsigned nh) {
    bool h2 = nh >= 2;  // [#1]O[!#6;!#7;!#8;!#16] matches the other H
    bool h3 = false, h4 = false;
    for (const RDKit::Bond* bond : mol.atomBonds(o)) {
        if (!single_or_aromatic(bond)) continue;
        const RDKit::Atom* x = bond->getOtherAtom(o);
        const int z = x->getAtomicNum();
        if (z == 6 && (x->getIsAromatic() || x->getTotalDegree() == 4)) h2 = true;  // [CX4,c]
        if (z != 6 && z != 7 && z != 8 && z != 16) h2 = true;
        if (z == 7) h3 = true;                               // [#1]O[#7]
        if (carbon_with_double_bond(mol, x)) h4 = true;      // [#1]OC=[...]
        if (aliphatic(x, 8) || aliphatic(x, 16)) h4 = true;  // [#1]O[O,S]
    }
    if (h2) return kH2;
    if (h3) return kH3;
    if (h4) return kH4;
    return kHS;
}

/// Type of the `nh` > 0 hydrogens on heavy atom `atom`.
HType hydrogen_type(const RDKit::ROMol& mol, const RDKit::Atom* atom, unsigned nh) {
    switch (atom->getAtomicNum()) {
        case 6:
            return kH1;  // [#1][#6,#1]
        case 7:
            return kH3;  // [#1][#7]
        case 8:
            return hydroxyl_h(mol, atom, nh);
        default:
            return kH2;  // [#1][!#6;!#7;!#8]
    }
}

double h_logp(const CrippenTables& t, HType type) {
    const double v[] = {t.h1, t.h2, t.h3, t.h4, t.hs};
    return v[type];
}

double h_mr(const CrippenTables& t, HType type) {
    const double v[] = {t.mr_h1, t.mr_h2, t.mr_h3, t.mr_h4, t.mr_hs};
    return v[type];
}

double hydrogen_logp(const RDKit::ROMol& mol, const CrippenTables& t) {
    double logp = 0;
    for (const RDKit::Atom* atom : mol.atoms()) {
        const unsigned nh = atom->getTotalNumHs();
        if (nh == 0) continue;
        logp += h_logp(t, hydrogen_type(mol, atom, nh)) * nh;
    }
    return logp;
}

bool needs_rdkit_path(const RDKit::ROMol& mol) {
    if (mol.getNumAtoms() > kMaxFastAtoms) return true;
    for (const RDKit::Atom* atom : mol.atoms()) {
        if (atom->getAtomicNum() == 1) return true;
    }
    return false;
}

}  // namespace

double crippen_logp_rdkit(const RDKit::ROMol& mol) {
    double logp = 0, mr = 0;
    RDKit::Descriptors::calcCrippenDescriptors(mol, logp, mr, true, true);
    return logp;
}

namespace {

/// Types the heavy atoms with RDKit's patterns in table order (first match
/// wins); returns their logP summed in typing order (crippen_logp's sum).
/// `param`, when given, receives each atom's pattern (nullptr: untyped).
double type_heavy_atoms(const RDKit::ROMol& mol, const CrippenTables& t,
                        std::vector<const HeavyParam*>* param) {
    const unsigned n = mol.getNumAtoms();
    std::vector<char> typed(n, 0);
    if (param) param->assign(n, nullptr);
    unsigned left = n;
    double logp = 0;
    for (const HeavyParam& p : t.heavy) {
        if (left == 0) break;
        bool possible = false;
        for (unsigned i = 0; i < n && !possible; ++i) {
            possible = !typed[i] && p.query.root_may_match(*mol.getAtomWithIdx(i));
        }
        if (!possible) continue;
        std::vector<RDKit::MatchVectType> matches;  // as RDKit: not uniquified
        RDKit::SubstructMatch(mol, p.query.query(), matches, false, true);
        for (const auto& match : matches) {
            const int idx = match[0].second;
            if (typed[idx]) continue;
            typed[idx] = 1;
            --left;
            logp += p.logp;
            if (param) (*param)[static_cast<std::size_t>(idx)] = &p;
        }
    }
    return logp;
}

}  // namespace

double crippen_logp(const RDKit::ROMol& mol) {
    if (needs_rdkit_path(mol)) return crippen_logp_rdkit(mol);
    const CrippenTables& t = CrippenTables::get();
    return type_heavy_atoms(mol, t, nullptr) + hydrogen_logp(mol, t);
}

bool crippen_atoms(const RDKit::ROMol& mol, CrippenAtoms& out) {
    if (needs_rdkit_path(mol)) return false;
    const CrippenTables& t = CrippenTables::get();
    std::vector<const HeavyParam*> param;
    out.plmkit_logp = type_heavy_atoms(mol, t, &param) + hydrogen_logp(mol, t);
    const unsigned n = mol.getNumAtoms();
    out.logp.assign(n, 0.0);
    out.mr.assign(n, 0.0);
    for (unsigned i = 0; i < n; ++i) {
        if (!param[i]) continue;
        out.logp[i] = param[i]->logp;
        out.mr[i] = param[i]->mr;
    }
    // calcCrippenDescriptors(includeHs = true) sums the contributions of the
    // molecule with hydrogens added: the heavy atoms in index order, then
    // the hydrogens as addHs appends them (atom by atom, in index order).
    double logp = 0, mr = 0;
    for (unsigned i = 0; i < n; ++i)
        logp += out.logp[i];
    for (unsigned i = 0; i < n; ++i)
        mr += out.mr[i];
    std::vector<unsigned> nh(n);
    std::vector<HType> type(n, kHS);
    for (unsigned i = 0; i < n; ++i) {
        const RDKit::Atom* atom = mol.getAtomWithIdx(i);
        nh[i] = atom->getTotalNumHs();
        if (nh[i] > 0) type[i] = hydrogen_type(mol, atom, nh[i]);
    }
    for (unsigned i = 0; i < n; ++i)
        for (unsigned k = 0; k < nh[i]; ++k)
            logp += h_logp(t, type[i]);
    for (unsigned i = 0; i < n; ++i)
        for (unsigned k = 0; k < nh[i]; ++k)
            mr += h_mr(t, type[i]);
    out.logp_with_hs = logp;
    out.mr_with_hs = mr;
    return true;
}

}  // namespace plmkit::pipelines
