#include "data/split_file.hpp"

#include <cctype>

#include "data/splits.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "src/name_hints.hpp"
#include "src/strings.hpp"

namespace plmkit::data {

namespace {

std::string trim(const std::string& s) {
    std::size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

int find_column(const std::vector<std::string>& columns, const std::string& name) {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (lower(columns[i]) == lower(name)) return static_cast<int>(i);
    return -1;
}

bool parse_index(const std::string& text, std::size_t& out) {
    if (text.empty() || text.size() > 18) return false;
    out = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        out = out * 10 + static_cast<std::size_t>(c - '0');
    }
    return true;
}

}  // namespace

SplitFile read_split_file(const std::string& path, const SplitFileOptions& options) {
    LineReader reader(path);
    const char sep = csv_separator_for(path);
    std::string line;
    std::vector<std::string> columns, fields;
    if (!reader.next(line)) throw InputError(path + ": empty split file, expected a header");
    split_csv_line(line, sep, columns);
    for (auto& c : columns)
        c = trim(c);
    const int index_col = find_column(columns, options.index_col);
    int split_col = find_column(columns, options.split_col);
    if (split_col < 0) split_col = find_column(columns, "split");
    const int group_col = find_column(columns, options.group_col);
    if (index_col < 0 || split_col < 0)
        throw UsageError(path + ": a split file needs columns '" + options.index_col + "' and '" +
                         options.split_col + "' (columns: " + name_list(columns) + ")");
    SplitFile out;
    out.path = path;
    while (reader.next(line)) {
        if (trim(line).empty()) continue;
        split_csv_line(line, sep, fields);
        if (fields.size() != columns.size())
            throw InputError(reader.where() + ": expected " + std::to_string(columns.size()) +
                             " fields, found " + std::to_string(fields.size()));
        std::size_t row = 0;
        const std::string index_text = trim(fields[index_col]);
        if (!parse_index(index_text, row))
            throw InputError(reader.where() + ": row index '" + index_text +
                             "' is not a non-negative integer");
        if (row >= out.sets.size()) {
            out.sets.resize(row + 1, kNoSet);
            out.lines.resize(row + 1, 0);
            if (group_col >= 0) out.groups.resize(row + 1);
        }
        if (out.lines[row] != 0)
            throw InputError(reader.where() + ": row index " + index_text + " listed twice");
        out.lines[row] = reader.line_number();
        if (!parse_split_name(fields[split_col], out.sets[row]))
            throw InputError(reader.where() + ": unknown split '" + trim(fields[split_col]) +
                             "' for row index " + index_text + ", " + kSplitNamesExpected);
        if (group_col >= 0) out.groups[row] = trim(fields[group_col]);
    }
    return out;
}

namespace {
std::string row_range(std::uint64_t first, std::uint64_t last) {
    return first == last ? "data row " + std::to_string(first)
                         : "data rows " + std::to_string(first) + ".." + std::to_string(last);
}
}  // namespace

std::vector<int> split_file_sets(const SplitFile& file, const std::vector<std::uint64_t>& rows,
                                 std::uint64_t data_rows) {
    for (std::size_t r = data_rows; r < file.lines.size(); ++r)
        if (file.lines[r] != 0)
            throw InputError(file.path + ":" + std::to_string(file.lines[r]) + ": row index " +
                             std::to_string(r) + " out of range: data has " +
                             count_noun(data_rows, "row"));
    std::vector<int> sets;
    sets.reserve(rows.size());
    std::vector<std::uint64_t> missing;
    for (std::uint64_t r : rows) {
        if (r < file.lines.size() && file.lines[r] != 0)
            sets.push_back(file.sets[r]);
        else
            missing.push_back(r);
    }
    if (missing.empty()) return sets;
    // The first run of consecutive missing rows, and how many in all.
    std::size_t k = 1;
    while (k < missing.size() && missing[k] == missing[k - 1] + 1)
        ++k;
    std::string what = row_range(missing.front(), missing[k - 1]);
    if (k < missing.size()) what += " and " + std::to_string(missing.size() - k) + " more";
    what += missing.size() == 1 ? " has" : " have";
    throw InputError(what + " no entry in split file '" + file.path +
                     "'; list every data row (none/invalid/exclude leaves one out)");
}

}  // namespace plmkit::data
