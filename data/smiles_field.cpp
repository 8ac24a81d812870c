#include "data/smiles_field.hpp"

#include <algorithm>

namespace plmkit::data {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

}  // namespace

/// Why a SMILES field holding whitespace cannot be used, or "" when it is a
/// SMILES followed by a CXSMILES extension block ("C[C@H](O)F |o1:1|").
/// RDKit would read any other text after the space as the molecule's name,
/// silently screening only the part before it.
std::string field_whitespace_reason(const std::string& smiles, const std::string& label) {
    auto space = std::find_if(smiles.begin(), smiles.end(), is_space);
    if (space == smiles.end()) return {};
    // The text after the space, trimmed: a "|...|" block on this line.
    const auto first = std::find_if_not(space, smiles.end(), is_space);
    const auto last = std::find_if_not(smiles.rbegin(), smiles.rend(), is_space).base();
    if (last - first >= 2 && *first == '|' && *(last - 1) == '|' &&
        std::none_of(first, last, [](char c) { return c == '\n' || c == '\r'; }))
        return {};
    std::string shown;
    for (char c : smiles.substr(0, 60))
        shown += c == '\t'   ? std::string("\\t")
                 : c == '\n' ? std::string("\\n")
                             : std::string(1, c);
    if (smiles.size() > 60) shown += "...";
    if (label != "SMILES")
        return "whitespace inside the " + label + " field: '" + shown + "' (one " + label +
               " per field)";
    return "whitespace inside the SMILES field: '" + shown +
           "' (one SMILES per field; only a CXSMILES '|...|' block may follow a space)";
}

/// Why a SMILES holding a byte outside printable ASCII (and tab, which
/// field_whitespace_reason judges) cannot be used, or "". RDKit's SMILES parser
/// stops at a byte >= 0x80 without an error ('CC<U+200B>O' is ethane,
/// 'C<0xFF>C' methane), so the record would be screened as another molecule.
std::string smiles_non_ascii_reason(const std::string& smiles) {
    auto bad = std::find_if(smiles.begin(), smiles.end(), [](char ch) {
        const auto c = static_cast<unsigned char>(ch);
        return (c < 0x20 && c != '\t') || c >= 0x7f;
    });
    if (bad == smiles.end()) return {};
    static const char* hex = "0123456789ABCDEF";
    auto byte_text = [](unsigned char c) {
        return std::string{'0', 'x', hex[c >> 4], hex[c & 15]};
    };
    std::string shown;
    for (char ch : smiles.substr(0, 60)) {
        const auto c = static_cast<unsigned char>(ch);
        shown += c >= 0x20 && c < 0x7f ? std::string(1, ch) : "\\" + byte_text(c).substr(1);
    }
    if (smiles.size() > 60) shown += "...";
    const auto at = static_cast<std::size_t>(bad - smiles.begin());
    const auto c = static_cast<unsigned char>(*bad);
    std::string msg = "byte " + byte_text(c) + " at position " + std::to_string(at + 1) +
                      " of the SMILES field '" + shown + "' is not printable ASCII (";
    if (c >= 0x80)
        return msg + "SMILES are ASCII; RDKit would silently read only '" +
               smiles.substr(0, std::min<std::size_t>(at, 60)) +
               "' before it: a non-breaking or zero-width space, or a character pasted from a "
               "document?)";
    return msg + "a control character; SMILES are printable ASCII)";
}

}  // namespace plmkit::data
