#pragma once
// One record of an SD file, split as text: the mol block (title line up to
// and including "M  END") and the SD data items ("> <TAG>" + value lines).
// The chemistry is parsed later by RDKit (pipelines/); this layer only cuts.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "src/line_reader.hpp"

namespace plmkit::data {

struct SdfRecord {
    std::string title;     ///< first line of the mol block, trimmed
    std::string molblock;  ///< lines up to and including "M  END", each ending in '\n'
    std::vector<std::pair<std::string, std::string>> tags;  ///< in file order
    std::uint64_t line = 0;                                 ///< 1-based line of the title
    bool terminated = false;                                ///< ended at a "$$$$" line
    bool has_end = false;                                   ///< has an "M  END" line
    std::string error;                                      ///< non-empty: the record is malformed
};

/// Reads the next record (up to a "$$$$" line or the end of input). Returns
/// false at the end of input when only blank lines remain. A record with no
/// "M  END" line is returned with `error` set, starting with "file:line: "
/// (the record's first line). Multi-line tag values are
/// joined with '\n'; trailing whitespace of values is removed.
bool read_sdf_record(LineReader& reader, SdfRecord& record);

}  // namespace plmkit::data
