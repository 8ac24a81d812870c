#include "src/name_hints.hpp"

#include <algorithm>
#include <cctype>

namespace plmkit {
namespace {

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// Levenshtein distance (insertions, deletions, substitutions cost 1).
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] =
                std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

std::string name_list(const std::vector<std::string>& names, std::size_t cap) {
    if (names.empty()) return "none";
    std::string out;
    const std::size_t shown = std::min(names.size(), cap);
    for (std::size_t i = 0; i < shown; ++i)
        out += (i == 0 ? "'" : ", '") + names[i] + "'";
    if (shown < names.size()) out += " ... and " + std::to_string(names.size() - shown) + " more";
    return out;
}

std::string closest_name(const std::string& name, const std::vector<std::string>& names) {
    const std::string l = lower(name);
    for (const auto& n : names)
        if (lower(n) == l) return n;
    const std::size_t limit = l.size() <= 4 ? 1 : l.size() <= 8 ? 2 : 3;
    std::size_t best = limit + 1;
    std::string found;
    for (const auto& n : names) {
        const std::string ln = lower(n);
        // Lengths that differ by more than the limit cannot be close.
        const std::size_t gap = ln.size() > l.size() ? ln.size() - l.size() : l.size() - ln.size();
        if (gap > limit) continue;
        const std::size_t d = edit_distance(l, ln);
        if (d < best) {
            best = d;
            found = n;
        }
    }
    return found;
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& names) {
    const std::string c = closest_name(name, names);
    return c.empty() ? "" : "; did you mean '" + c + "'?";
}

std::string column_list_hint(const std::string& name, const std::vector<std::string>& names,
                             const std::string& option) {
    const char sep = name.find(',') != std::string::npos ? ',' : ' ';
    std::vector<std::string> items;
    std::size_t start = 0;
    while (start <= name.size()) {
        std::size_t end = name.find(sep, start);
        if (end == std::string::npos) end = name.size();
        std::string item = name.substr(start, end - start);
        const std::size_t first = item.find_first_not_of(' ');
        const std::size_t last = item.find_last_not_of(' ');
        item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
        if (!item.empty()) items.push_back(item);
        start = end + 1;
    }
    const bool all_named =
        items.size() >= 2 && std::all_of(items.begin(), items.end(), [&](const std::string& i) {
            return std::find(names.begin(), names.end(), i) != names.end();
        });
    if (!all_named) return did_you_mean(name, names);
    std::string fixed;
    for (const auto& i : items) {
        const bool plain = i.find_first_of(" '\"$\\") == std::string::npos;
        fixed += (fixed.empty() ? "" : " ") + option + " " + (plain ? i : "'" + i + "'");
    }
    return "; '" + name + "' names " + std::to_string(items.size()) +
           " columns: give each after its own " + option + " (" + fixed + ")";
}

std::string separator_hint(const std::vector<std::string>& columns, char sep) {
    if (columns.size() != 1) return "";
    const std::string& only = columns[0];
    const bool csv = sep == ',';
    auto say = [csv](const std::string& what, const std::string& fix) {
        return ". The header is one column that holds " + what + ": the file is read as " +
               (csv ? "comma-separated (.csv)" : "tab-separated (.tsv)") + "; " + fix;
    };
    if (csv && only.find('\t') != std::string::npos)
        return say("tabs", "name it .tsv to read it as tab-separated");
    if (!csv && only.find(',') != std::string::npos)
        return say("','", "name it .csv to read it as comma-separated");
    for (char c : {';', '|'})
        if (only.find(c) != std::string::npos)
            return say(std::string("'") + c + "'",
                       "save it comma-separated as .csv (a spreadsheet's CSV export) or "
                       "tab-separated as .tsv");
    return "";
}

}  // namespace plmkit
