#pragma once
// RDKit FilterCatalog matching with a pre-screen: the same first match /
// match list as FilterCatalog::getFirstMatch / getMatches, several times
// faster on typical libraries.
//
// RDKit tries every entry's SMARTS in turn (PAINS A+B+C: 480 substructure
// searches per molecule), and for most entries most molecules fail at once
// but still pay the set-up of a search. The pre-screen derives, once per
// entry, what the query atoms require of a molecule's atoms: each query
// atom's possible (element, aromatic) labels, from its AtomAtomicNum /
// AtomType / AtomIsAromatic / AtomIsAliphatic tests combined through AND and
// OR; anything else (recursive SMARTS, negations, ...) allows every label.
// A match maps the query atoms injectively onto molecule atoms with allowed
// labels, so for every query atom's label set S the molecule needs at least
// as many atoms with a label in S as there are query atoms whose sets lie
// inside S (a Hall condition of that bipartite matching). An entry whose
// condition fails cannot match and is skipped; every other entry runs
// RDKit's own matcher, in catalog order. So results are RDKit's, exactly.
// Entries that are not plain SMARTS matchers with a minimum count >= 1 are
// never skipped.
//
// Thread-safe after construction (const; RDKit's matching is const).
#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "pipelines/smarts_query.hpp"

namespace RDKit {
class ROMol;
class FilterCatalog;
class FilterCatalogEntry;
}  // namespace RDKit
class ExplicitBitVect;

namespace plmkit::pipelines {

/// Bits of the pattern fingerprints the pre-screens compare.
constexpr unsigned kPatternFpBits = 2048;

/// Per-molecule atom label counts (computed once, shared by all catalogs).
struct AtomLabelCounts {
    std::array<std::uint16_t, 256> count{};  ///< by label 2 * min(Z, 127) + aromatic
    unsigned atoms = 0;
    explicit AtomLabelCounts(const RDKit::ROMol& mol);
    ~AtomLabelCounts();
    /// RDKit's pattern fingerprint of the molecule, made on first use (third screen).
    const ExplicitBitVect& pattern_fp(const RDKit::ROMol& mol) const;

  private:
    mutable std::shared_ptr<ExplicitBitVect> pattern_fp_;
};

class CatalogMatcher {
  public:
    /// `catalog` must outlive the matcher.
    explicit CatalogMatcher(const RDKit::FilterCatalog& catalog);

    /// == catalog.getFirstMatch(mol).get() (null when nothing matches).
    const RDKit::FilterCatalogEntry* first_match(const RDKit::ROMol& mol,
                                                 const AtomLabelCounts& labels) const;
    /// == catalog.getMatches(mol), in catalog order.
    std::vector<const RDKit::FilterCatalogEntry*> matches(const RDKit::ROMol& mol,
                                                          const AtomLabelCounts& labels) const;

    std::size_t entries() const { return entries_.size(); }
    /// Entries with a usable pre-screen (the others always run RDKit's matcher).
    std::size_t screened_entries() const;

  private:
    /// One Hall condition: at least `need` molecule atoms with a label in `labels`.
    struct Requirement {
        std::vector<std::uint8_t> labels;
        unsigned need = 0;
    };
    struct Entry {
        const RDKit::FilterCatalogEntry* entry = nullptr;
        bool screened = false;
        unsigned min_atoms = 0;
        std::vector<Requirement> requirements;
        std::shared_ptr<const SmartsQuery> atoms;  ///< second screen: each query atom alone
        /// third screen: the pattern's PatternFingerprint must be a subset of the molecule's
        std::shared_ptr<const ExplicitBitVect> pattern_fp;
        bool may_match(const RDKit::ROMol& mol, const AtomLabelCounts& labels) const;
    };
    std::vector<Entry> entries_;
};

}  // namespace plmkit::pipelines
