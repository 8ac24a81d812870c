#include "pipelines/element_filter.hpp"

#include <GraphMol/PeriodicTable.h>
#include <GraphMol/ROMol.h>

#include <map>

#include "src/error.hpp"

namespace plmkit::pipelines {

namespace {
/// Symbol -> atomic number for the elements 1..118, as RDKit writes them.
const std::map<std::string, int>& symbol_table() {
    static const std::map<std::string, int> table = [] {
        std::map<std::string, int> t;
        const auto* pt = RDKit::PeriodicTable::getTable();
        for (unsigned z = 1; z < 119; ++z) {
            try {
                t.emplace(pt->getElementSymbol(z), static_cast<int>(z));
            } catch (const std::exception&) {  // an RDKit without this element
            }
        }
        return t;
    }();
    return table;
}

std::string join(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names)
        s += (s.empty() ? "" : ", ") + n;
    return s;
}

/// How a dummy atom was written: its SD label (R1, A, Q), [*:n], [n*] or *.
std::string dummy_label(const RDKit::Atom& a) {
    std::string label;
    if (a.getPropIfPresent(RDKit::common_properties::dummyLabel, label) && !label.empty() &&
        label != "*")
        return label;
    int map = 0;
    if (a.getPropIfPresent(RDKit::common_properties::molAtomMapNumber, map) && map > 0)
        return "[*:" + std::to_string(map) + "]";
    if (a.getIsotope() > 0) return "[" + std::to_string(a.getIsotope()) + "*]";
    return "*";
}

std::string dummy_reason(const RDKit::ROMol& input) {
    const RDKit::Atom* first = nullptr;
    unsigned count = 0;
    for (const auto* a : input.atoms()) {
        if (a->getAtomicNum() != 0) continue;
        if (!first) first = a;
        ++count;
    }
    if (!first) return {};
    std::string more = count > 1 ? " (and " + std::to_string(count - 1) + " more)" : "";
    return "elements: dummy/query atom '" + dummy_label(*first) + "' at atom " +
           std::to_string(first->getIdx() + 1) + more +
           ": not a real compound (an R-group, attachment point or query atom)";
}
}  // namespace

int element_number(const std::string& symbol) {
    auto it = symbol_table().find(symbol);
    return it == symbol_table().end() ? 0 : it->second;
}

const std::vector<std::string>& excluded_metals() {
    // chembl_structure_pipeline/exclude_flag.py, METAL_LIST (Zn is left out
    // there: most Zn compounds in ChEMBL are simple salts).
    static const std::vector<std::string> metals = {
        "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Ga", "Y",  "Zr", "Nb", "Mo",
        "Tc", "Ru", "Rh", "Pd", "Cd", "In", "Sn", "La", "Hf", "Ta", "W",  "Re", "Os", "Ir",
        "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "Ac", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu",
        "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Th", "Pa", "U",  "Np", "Pu", "Am",
        "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Ge", "Sb"};
    return metals;
}

ElementFilter::ElementFilter(const std::vector<std::string>& allowed) {
    any_ = allowed.empty();
    for (const auto& s : allowed) {
        int z = element_number(s);
        if (z == 0) throw UsageError("filters.elements: unknown element symbol '" + s + "'");
        allowed_[static_cast<std::size_t>(z)] = true;
    }
    allowed_list_ = join(allowed);
    for (const auto& m : excluded_metals()) {
        int z = element_number(m);
        if (z > 0 && !allowed_[static_cast<std::size_t>(z)])
            excluded_metal_[static_cast<std::size_t>(z)] = true;
    }
}

namespace {
/// The elements of `mol` with pick[z] == want, each named once, in the order
/// its first atom comes.
template <std::size_t N>
std::vector<std::string> collect(const RDKit::ROMol& mol, const std::array<bool, N>& pick,
                                 bool want) {
    std::vector<std::string> found;
    std::array<bool, N> seen{};
    for (const auto* a : mol.atoms()) {
        auto z = static_cast<std::size_t>(a->getAtomicNum());
        if (z == 0 || z >= N || pick[z] != want || seen[z]) continue;
        seen[z] = true;
        found.push_back(a->getSymbol());
    }
    return found;
}
}  // namespace

std::string ElementFilter::metal_reason(const RDKit::ROMol& input) const {
    auto metals = collect(input, excluded_metal_, true);
    if (metals.empty()) return {};
    return "elements: metal in the input record: " + join(metals) +
           " (a metal complex or metal salt: the standardized molecule is only the part "
           "left after disconnecting the metal)";
}

std::string ElementFilter::check(const RDKit::ROMol& input, const RDKit::ROMol& parent) const {
    std::string reason = dummy_reason(input);
    if (!reason.empty() || any_) return reason;
    auto bad = collect(parent, allowed_, false);
    if (!bad.empty())
        return "elements: element not allowed: " + join(bad) + " (allowed: " + allowed_list_ + ")";
    return metal_reason(input);
}

std::string ElementFilter::check_input(const RDKit::ROMol& input) const {
    std::string reason = dummy_reason(input);
    if (!reason.empty() || any_) return reason;
    return metal_reason(input);
}

}  // namespace plmkit::pipelines
