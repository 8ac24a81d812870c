#include "pipelines/catalog_matcher.hpp"

#include <DataStructs/BitOps.h>
#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/FilterCatalog/FilterCatalog.h>
#include <GraphMol/FilterCatalog/FilterMatchers.h>
#include <GraphMol/Fingerprints/Fingerprints.h>
#include <GraphMol/QueryAtom.h>
#include <GraphMol/QueryOps.h>
#include <GraphMol/ROMol.h>

#include <algorithm>
#include <bitset>
#include <climits>

namespace plmkit::pipelines {

namespace {

using Labels = std::bitset<256>;
using AtomQuery = RDKit::Atom::QUERYATOM_QUERY;

int label_of(unsigned atomic_num, bool aromatic) {
    return 2 * static_cast<int>(std::min(atomic_num, 127u)) + (aromatic ? 1 : 0);
}

Labels all_labels() {
    Labels l;
    l.set();
    return l;
}

Labels parity_labels(int aromatic) {
    Labels l;
    for (int i = aromatic; i < 256; i += 2)
        l.set(static_cast<std::size_t>(i));
    return l;
}

Labels atom_labels(const RDKit::Atom& a);

/// The labels a molecule atom may have to satisfy `q` (a superset is always
/// safe: "all labels" is the answer for anything not understood).
Labels allowed_labels(const AtomQuery* q) {
    if (!q || q->getNegation()) return all_labels();
    const std::string& d = q->getDescription();
    if (d == "AtomAtomicNum" || d == "AtomType") {
        const auto* eq = dynamic_cast<const RDKit::ATOM_EQUALS_QUERY*>(q);
        if (!eq || eq->getTol() != 0) return all_labels();
        int v = eq->getVal();
        Labels l;
        if (d == "AtomAtomicNum") {
            if (v < 0 || v > 126) return all_labels();
            l.set(static_cast<std::size_t>(label_of(static_cast<unsigned>(v), false)));
            l.set(static_cast<std::size_t>(label_of(static_cast<unsigned>(v), true)));
        } else {
            // RDKit's AtomType value: atomic number + 1000 * aromatic.
            bool aromatic = v >= 1000;
            int z = aromatic ? v - 1000 : v;
            if (z < 0 || z > 126) return all_labels();
            l.set(static_cast<std::size_t>(label_of(static_cast<unsigned>(z), aromatic)));
        }
        return l;
    }
    if (d == "RecursiveStructure") {
        // $(...): the atom is the first atom of a match of the inner pattern.
        const auto* rq = dynamic_cast<const RDKit::RecursiveStructureQuery*>(q);
        const RDKit::ROMol* inner = rq ? rq->getQueryMol() : nullptr;
        if (!inner || inner->getNumAtoms() == 0) return all_labels();
        return atom_labels(*inner->getAtomWithIdx(0));
    }
    if (d == "AtomIsAromatic") return parity_labels(1);
    if (d == "AtomIsAliphatic") return parity_labels(0);
    if (d == "AtomAnd") {
        Labels l = all_labels();
        for (auto it = q->beginChildren(); it != q->endChildren(); ++it)
            l &= allowed_labels(it->get());
        return l;
    }
    if (d == "AtomOr") {
        Labels l;
        for (auto it = q->beginChildren(); it != q->endChildren(); ++it)
            l |= allowed_labels(it->get());
        return l;
    }
    return all_labels();
}

/// The labels a molecule atom may have to match query atom `a`.
Labels atom_labels(const RDKit::Atom& a) {
    if (a.hasQuery()) return allowed_labels(a.getQuery());
    if (a.getAtomicNum() == 0) return all_labels();  // a plain dummy atom matches any atom
    // A plain atom in a query mol matches by atomic number.
    Labels l;
    l.set(static_cast<std::size_t>(label_of(static_cast<unsigned>(a.getAtomicNum()), false)));
    l.set(static_cast<std::size_t>(label_of(static_cast<unsigned>(a.getAtomicNum()), true)));
    return l;
}

// FilterCatalogEntry keeps its matcher private and has no getter; this reads
// the member through a pointer-to-member formed in an explicit template
// instantiation (where access checking does not apply). It fails to compile,
// rather than misbehave, if RDKit renames the member.
struct EntryMatcherTag {
    using type = boost::shared_ptr<RDKit::FilterMatcherBase> RDKit::FilterCatalogEntry::*;
};
EntryMatcherTag::type member_of(EntryMatcherTag);
template <typename Tag, typename Tag::type Member>
struct MemberAccess {
    friend typename Tag::type member_of(Tag) { return Member; }
};
template struct MemberAccess<EntryMatcherTag, &RDKit::FilterCatalogEntry::d_matcher>;

const RDKit::FilterMatcherBase* matcher_of(const RDKit::FilterCatalogEntry& e) {
    return (e.*member_of(EntryMatcherTag{})).get();
}

}  // namespace

AtomLabelCounts::AtomLabelCounts(const RDKit::ROMol& mol) {
    for (const auto* a : mol.atoms()) {
        auto& c = count[static_cast<std::size_t>(
            label_of(static_cast<unsigned>(a->getAtomicNum()), a->getIsAromatic()))];
        if (c < UINT16_MAX) ++c;
    }
    atoms = mol.getNumAtoms();
}

AtomLabelCounts::~AtomLabelCounts() = default;

const ExplicitBitVect& AtomLabelCounts::pattern_fp(const RDKit::ROMol& mol) const {
    if (!pattern_fp_) pattern_fp_.reset(RDKit::PatternFingerprintMol(mol, kPatternFpBits));
    return *pattern_fp_;
}

CatalogMatcher::CatalogMatcher(const RDKit::FilterCatalog& catalog) {
    for (unsigned i = 0; i < catalog.getNumEntries(); ++i) {
        Entry e;
        e.entry = catalog.getEntryWithIdx(i);
        const auto* smarts =
            e.entry ? dynamic_cast<const RDKit::SmartsMatcher*>(matcher_of(*e.entry)) : nullptr;
        if (smarts && smarts->isValid() && smarts->getMinCount() >= 1) {
            const RDKit::ROMol& pattern = *smarts->getPattern();
            std::vector<Labels> sets;
            for (const auto* a : pattern.atoms()) {
                if (a->hasQuery()) {
                    sets.push_back(allowed_labels(a->getQuery()));
                } else if (a->getAtomicNum() == 0) {
                    sets.push_back(all_labels());  // a plain dummy atom matches any atom
                } else {
                    // A plain atom in a query mol matches by atomic number.
                    Labels l;
                    l.set(static_cast<std::size_t>(
                        label_of(static_cast<unsigned>(a->getAtomicNum()), false)));
                    l.set(static_cast<std::size_t>(
                        label_of(static_cast<unsigned>(a->getAtomicNum()), true)));
                    sets.push_back(l);
                }
            }
            e.screened = true;
            // SmartsQuery keeps the pattern alive through the catalog's shared pointer.
            const auto keep = smarts->getPattern();
            e.atoms = std::make_shared<const SmartsQuery>(
                std::shared_ptr<const RDKit::ROMol>(keep.get(), [keep](const RDKit::ROMol*) {}));
            e.min_atoms = pattern.getNumAtoms();
            e.pattern_fp.reset(RDKit::PatternFingerprintMol(pattern, kPatternFpBits));
            std::vector<Labels> distinct;
            for (const auto& s : sets) {
                if (s.all() || std::find(distinct.begin(), distinct.end(), s) != distinct.end())
                    continue;
                distinct.push_back(s);
            }
            for (const auto& s : distinct) {
                Requirement r;
                for (const auto& t : sets)
                    r.need += (t & ~s).none();  // t is a subset of s
                for (std::size_t b = 0; b < s.size(); ++b)
                    if (s.test(b)) r.labels.push_back(static_cast<std::uint8_t>(b));
                e.requirements.push_back(std::move(r));
            }
            // Most selective first (fewest labels, most atoms needed).
            std::sort(e.requirements.begin(), e.requirements.end(),
                      [](const Requirement& x, const Requirement& y) {
                          if (x.labels.size() != y.labels.size())
                              return x.labels.size() < y.labels.size();
                          return x.need > y.need;
                      });
        }
        entries_.push_back(std::move(e));
    }
}

std::size_t CatalogMatcher::screened_entries() const {
    return static_cast<std::size_t>(
        std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.screened; }));
}

bool CatalogMatcher::Entry::may_match(const RDKit::ROMol& mol,
                                      const AtomLabelCounts& labels) const {
    if (!screened) return true;
    if (labels.atoms < min_atoms) return false;
    for (const auto& r : requirements) {
        unsigned have = 0;
        for (auto l : r.labels) {
            have += labels.count[l];
            if (have >= r.need) break;
        }
        if (have < r.need) return false;
    }
    if (!AllProbeBitsMatch(*pattern_fp, labels.pattern_fp(mol))) return false;
    return atoms->may_match(mol);
}

const RDKit::FilterCatalogEntry* CatalogMatcher::first_match(const RDKit::ROMol& mol,
                                                             const AtomLabelCounts& labels) const {
    for (const auto& e : entries_)
        if (e.entry && e.may_match(mol, labels) && e.entry->hasFilterMatch(mol)) return e.entry;
    return nullptr;
}

std::vector<const RDKit::FilterCatalogEntry*> CatalogMatcher::matches(
    const RDKit::ROMol& mol, const AtomLabelCounts& labels) const {
    std::vector<const RDKit::FilterCatalogEntry*> out;
    for (const auto& e : entries_)
        if (e.entry && e.may_match(mol, labels) && e.entry->hasFilterMatch(mol))
            out.push_back(e.entry);
    return out;
}

}  // namespace plmkit::pipelines
