#pragma once
// Split assignments stored next to a data set, such as
// ../shared/data/esol/scaffold_split.csv:
//   row_index,scaffold_split,murcko_scaffold
//   0,test,c1ccc(COC2CCCC(COC3CCCCO3)O2)cc1
// row_index counts the data rows (0-based) of the data file.
#include <cstdint>
#include <string>
#include <vector>

namespace plmkit::data {

struct SplitFileOptions {
    std::string index_col = "row_index";
    /// Set column; when absent, "split" is tried too.
    std::string split_col = "scaffold_split";
    /// Group column (optional: groups stay empty when the file has none).
    std::string group_col = "murcko_scaffold";
};

struct SplitFile {
    std::string path;
    /// sets[row_index] = 0 train, 1 valid, 2 test, -1 none (a value such as
    /// "invalid", or a row the file does not list).
    std::vector<int> sets;
    std::vector<std::string> groups;  ///< groups[row_index], when present
    /// lines[row_index]: the 1-based line that lists the row, 0 = not listed.
    std::vector<std::uint64_t> lines;
};

/// Reads a split file (CSV or TSV by name, .gz allowed). Throws UsageError
/// for missing columns (listing them) and InputError naming file:line for a
/// bad or repeated row index, a wrong field count, or a split value that is
/// not one parse_split_name accepts (train, valid, test, none, ...).
SplitFile read_split_file(const std::string& path, const SplitFileOptions& options = {});

/// The sets of data rows `rows` (0-based data row indexes, ascending) of a
/// data file of `data_rows` rows. Throws InputError when the file lists a
/// row index >= data_rows ("FILE:LINE: row index 304 out of range: data has
/// 300 rows") or does not list one of `rows` ("data rows 100..299 have no
/// entry in split file 'FILE'").
std::vector<int> split_file_sets(const SplitFile& file, const std::vector<std::uint64_t>& rows,
                                 std::uint64_t data_rows);

}  // namespace plmkit::data
