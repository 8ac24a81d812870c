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

  private:
    struct Impl;
    StandardizeOptions options_;
    std::unique_ptr<Impl> impl_;
};

/// RDKit's canonical (isomeric) SMILES; with enhanced stereo (OR / AND
/// stereo groups) as CXSMILES with that extension only: "C[C@H](O)[C@@H](C)N
/// |o1:1,3|". ABS groups are left out (an atom in no group is absolute).
std::string canonical_smiles(const RDKit::ROMol& mol);

}  // namespace plmkit::pipelines
