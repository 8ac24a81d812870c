#pragma once
// Split assignments stored next to a data set, such as
// ../shared/data/esol/scaffold_split.csv:
//   row_index,scaffold_split,murcko_scaffold
//   0,test,c1ccc(COC2CCCC(COC3CCCCO3)O2)cc1
// row_index counts the data rows (0-based) of the data file.
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
    /// sets[row_index] = 0 train, 1 valid, 2 test, -1 none (a value such as
    /// "invalid", or a row the file does not list).
    std::vector<int> sets;
    std::vector<std::string> groups;  ///< groups[row_index], when present
};

/// Reads a split file (CSV or TSV by name, .gz allowed). Throws UsageError
/// for missing columns (listing them) and InputError naming file:line for a
/// bad or repeated row index or a wrong field count.
SplitFile read_split_file(const std::string& path, const SplitFileOptions& options = {});

}  // namespace plmkit::data
