#pragma once
// A compiled SMARTS query with a cheap atom-level pre-screen. RDKit's
// SubstructMatch costs microseconds per call even when nothing matches; QED
// and Crippen logP run about 230 queries per molecule, most of which cannot
// match (their atoms' elements or charges are absent). Before calling
// SubstructMatch, SmartsQuery checks that every query atom without a
// recursive ($(...)) part matches at least one atom of the molecule; if one
// does not, there is no match and RDKit is not called. Results are exactly
// RDKit's. Immutable after construction: safe to share between threads.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
class Atom;
}  // namespace RDKit

namespace plmkit::pipelines {

class SmartsQuery {
  public:
    /// Compiles `smarts`; throws std::logic_error if RDKit rejects it.
    explicit SmartsQuery(const std::string& smarts);
    /// Wraps an already compiled query molecule.
    explicit SmartsQuery(std::shared_ptr<const RDKit::ROMol> query);

    const RDKit::ROMol& query() const { return *query_; }

    /// False only when no match can exist (some query atom matches no atom).
    bool may_match(const RDKit::ROMol& mol) const;
    /// False only when `atom` cannot be the first atom of a match.
    bool root_may_match(const RDKit::Atom& atom) const;

    /// == Python mol.HasSubstructMatch(query).
    bool has_match(const RDKit::ROMol& mol) const;
    /// == len(mol.GetSubstructMatches(query)) (uniquified, at most 1000).
    std::size_t count_matches(const RDKit::ROMol& mol) const;

  private:
    void analyse();

    std::shared_ptr<const RDKit::ROMol> query_;
    std::vector<const RDKit::Atom*> screen_atoms_;  ///< non-recursive query atoms
    bool root_screenable_ = false;
    bool single_atom_ = false;  ///< one non-recursive atom: matches == matching atoms
};

}  // namespace plmkit::pipelines
