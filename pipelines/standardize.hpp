#pragma once
// The `standardize` step (RDKit MolStandardize): cleanup (remove Hs,
// disconnect metals, normalize functional groups, reionize), keep the largest
// fragment (salt stripping), neutralize (Uncharger), optionally the canonical
// tautomer. Stereo groups (enhanced stereo) are kept through every step.
// RDKit's standardizer objects are not thread-safe and expensive to
// build (they parse their transform SMARTS): each worker thread owns one
// Standardizer and reuses it for every molecule.
#include <memory>
#include <string>
#include <vector>

#include "pipelines/screen_config.hpp"

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

struct StandardizeResult {
    std::unique_ptr<RDKit::ROMol> mol;  ///< null when standardization failed
    std::string error;                  ///< RDKit's reason, when mol is null
};

class Standardizer {
  public:
    explicit Standardizer(const StandardizeOptions& options = {});
    ~Standardizer();
    Standardizer(const Standardizer&) = delete;
    Standardizer& operator=(const Standardizer&) = delete;

    /// A new standardized molecule from a sanitized one (parse_smiles,
    /// parse_molblock); never throws for a bad molecule.
    StandardizeResult run(const RDKit::ROMol& mol);

    /// For a molecule whose standardized SMILES RDKit cannot read back: the
    /// first step whose result does not survive a SMILES round trip, as "the
    /// uncharge step (RDKit's Uncharger) made it from 'c1cc[cH-]c1'" (the
    /// Uncharger turns cyclopentadienide into "c1cccc1", which does not
    /// kekulize; [SbH6+3] into "[SbH9]"), or "" when no single step is to
    /// blame. Runs the steps again: meant for the rare failures only.
    std::string unreadable_step(const RDKit::ROMol& mol);

  private:
    struct Impl;
    enum class Step { cleanup, largest_fragment, uncharge, tautomer };
    /// One step on `in`: a new molecule.
    RDKit::ROMol* apply(Step step, const RDKit::ROMol& in);
    static std::vector<Step> enabled_steps(const StandardizeOptions& options);
    StandardizeOptions options_;
    std::unique_ptr<Impl> impl_;
};

/// RDKit's canonical (isomeric) SMILES; with enhanced stereo (OR / AND
/// stereo groups) as CXSMILES with that extension only: "C[C@H](O)[C@@H](C)N
/// |o1:1,3|". ABS groups are left out (an atom in no group is absolute).
/// The atoms of each OR / AND group may be written as either enantiomer of
/// the group (the same substance): the smallest of these SMILES is chosen,
/// so "C[C@@H](O)[C@H](C)N |o1:1,3|" gives the key above. Every writing is
/// tried for up to 10 such groups; with more, one group at a time.
std::string canonical_smiles(const RDKit::ROMol& mol);

/// RDKit's SMILES of the molecule as written (no stereo group canonicalized;
/// ABS groups left out, as canonical_smiles does).
std::string rdkit_smiles(const RDKit::ROMol& mol);

}  // namespace plmkit::pipelines
