#include "data/split_file.hpp"

#include <cctype>

#include "data/splits.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"

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

std::string column_list(const std::vector<std::string>& columns) {
    std::string out;
    for (const auto& c : columns)
        out += (out.empty() ? "'" : ", '") + c + "'";
    return out;
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
                         options.split_col + "' (columns: " + column_list(columns) + ")");
    SplitFile out;
    std::vector<bool> seen;
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
            seen.resize(row + 1, false);
            if (group_col >= 0) out.groups.resize(row + 1);
        }
        if (seen[row])
            throw InputError(reader.where() + ": row index " + index_text + " listed twice");
        seen[row] = true;
        out.sets[row] = split_from_name(fields[split_col]);
        if (group_col >= 0) out.groups[row] = trim(fields[group_col]);
    }
    return out;
}

}  // namespace plmkit::data
