#pragma once
// The `filter` step: property ranges, Lipinski's rule of five (with a number
// of allowed violations), Veber's rules, RDKit FilterCatalog sets (PAINS A/B/C,
// Brenk, NIH, ZINC) and include/exclude/flag SMARTS. Rules are checked in
// that order (cheap first); the first rule that rejects is the reason.
// Flag-only rules (flag_catalogs, flag_smarts, tolerated Lipinski violations)
// never reject; they are listed in the hit's `flags` column.
// Built once and shared: check() is const and thread-safe (RDKit is built
// with RDK_BUILD_THREADSAFE_SSS; FilterCatalog matching is const).
#include <memory>
#include <string>
#include <vector>

#include "pipelines/screen_config.hpp"

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

struct FilterVerdict {
    std::string rule;    ///< rule that rejected ("" = passed), e.g. "lipinski"
    std::string reason;  ///< "<rule>: <detail>", e.g. "veber: rotb 12 > 10"
    std::vector<std::string>
        flags;  ///< flag-only rules that fired, e.g. "brenk:Oxygen-nitrogen_single_bond"
    bool passed() const { return rule.empty(); }
};

struct AtomLabelCounts;

class MolFilters {
  public:
    /// `property_names` names the values passed to check() (descriptor
    /// columns); ranges on other names throw UsageError, except
    /// `formal_charge`, computed from the molecule. Unknown catalogs and bad
    /// SMARTS throw UsageError.
    MolFilters(const FilterOptions& options, std::vector<std::string> property_names);
    ~MolFilters();
    MolFilters(const MolFilters&) = delete;
    MolFilters& operator=(const MolFilters&) = delete;

    FilterVerdict check(const RDKit::ROMol& mol, const std::vector<double>& properties) const;
    /// The same with the molecule's AtomLabelCounts (its pattern
    /// fingerprint made once for the descriptors and the catalogs).
    FilterVerdict check(const RDKit::ROMol& mol, const std::vector<double>& properties,
                        const AtomLabelCounts& labels) const;

    /// Every rule that can reject, in checking order (for summary counts).
    std::vector<std::string> rule_names() const;
    /// True when a catalog rule will make the molecule's pattern fingerprint.
    bool uses_pattern_fp() const;
    /// True when no rule can reject or flag (the step is skipped).
    bool empty() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// Catalog names accepted in the config (PAINS_A, PAINS_B, PAINS_C, PAINS,
/// BRENK, NIH, ZINC).
std::vector<std::string> filter_catalog_names();

}  // namespace plmkit::pipelines
