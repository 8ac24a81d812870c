#pragma once
// The `elements` rule of the filter step (`filters.elements`, docs/screen.md):
// rejects records that are no medicinal-chemistry compound.
//   1. a dummy or query atom (atomic number 0: `*`, `[*:1]`, an SD file's
//      R-group or A/Q atom) anywhere in the input record: not a real compound;
//   2. an element outside the allowed list in the standardized molecule
//      (after salt stripping, so the Na+ of a sodium salt does not count);
//   3. a metal of the ChEMBL structure pipeline's exclusion list (transition
//      metals, lanthanides, actinides, Sn, Pb, Hg, ...) anywhere in the input
//      record, unless allowed: standardization disconnects such a metal and
//      keeps a ligand (cisplatin's parent would be ammonia), so the parent
//      does not stand for the compound.
// The sources of both element lists are in docs/chem.md. check() is const
// and thread-safe.
#include <array>
#include <string>
#include <vector>

namespace RDKit {
class ROMol;
}

namespace plmkit::pipelines {

/// The atomic number of an element symbol written as in SMILES brackets
/// ("C", "Cl", "Se"; case matters), or 0 when it names no element ("*",
/// "CL", "Xx").
int element_number(const std::string& symbol);

/// The metals whose presence anywhere in a record rejects it: the
/// METAL_LIST of the ChEMBL structure pipeline's exclude_flag.py.
const std::vector<std::string>& excluded_metals();

class ElementFilter {
  public:
    /// `allowed`: element symbols (checked with element_number; an unknown
    /// one throws UsageError); empty = any element (only rule 1 applies).
    explicit ElementFilter(const std::vector<std::string>& allowed);

    /// "" when the record passes; else the reason, "elements: ...".
    /// `input` is the record as parsed, `parent` the molecule after
    /// standardization (the same molecule when standardization is off).
    std::string check(const RDKit::ROMol& input, const RDKit::ROMol& parent) const;

    /// The rules that look at the input record only (1 and 3), for a record
    /// that standardization could not turn into a molecule (a metallocene
    /// written as ions, which the Uncharger makes "c1cccc1"): "" or the
    /// reason of the first that fails.
    std::string check_input(const RDKit::ROMol& input) const;

  private:
    std::string metal_reason(const RDKit::ROMol& input) const;
    static constexpr int kElements = 119;
    bool any_ = true;
    std::array<bool, kElements> allowed_{};
    std::array<bool, kElements> excluded_metal_{};
    std::string allowed_list_;  ///< "H, B, C, ..." for the reason
};

}  // namespace plmkit::pipelines
