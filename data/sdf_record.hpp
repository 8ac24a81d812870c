#pragma once
// One record of an SD file, split as text: the mol block (title line up to
// and including "M  END") and the SD data items ("> <TAG>" + value lines).
// The chemistry is parsed later by RDKit (pipelines/); this layer only cuts.
#include <cstdint>
#include <deque>
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
    /// Ended where the next record's header starts, its "$$$$" line missing.
    bool unterminated_split = false;
    std::string error;  ///< non-empty: the record is malformed
};

/// Cuts an SD file into records. A record ends at a "$$$$" line or the end of
/// input. A record whose "$$$$" line is missing would swallow the next one;
/// the reader ends it where the next record clearly starts: at a counts line
/// (fixed width, ending in V2000 or V3000) with the three header lines before
/// it after the first record's "M  END" (or, when that record has no
/// "M  END" either, after its own counts line), provided a mol block ending
/// in "M  END" follows before the next "$$$$" (a data value that only looks
/// like a counts line is text). The next record then starts at its title
/// line, and a warning names the file line. When no clean cut exists (a
/// second "M  END" after the mol block), the merged record is returned with
/// `error` set, naming both lines. Data-field values are otherwise taken as
/// arbitrary text; the three header lines are free text.
class SdfReader {
  public:
    explicit SdfReader(LineReader& reader) : reader_(reader) {}

    /// Reads the next record. Returns false at the end of input when only
    /// blank lines remain. A malformed record (no "M  END", merged records,
    /// empty) is returned with `error` set, starting with "file:line: " (the
    /// record's first line). Multi-line tag values are joined with '\n';
    /// trailing whitespace of values is removed.
    bool next(SdfRecord& record);

    /// Records cut at a missing "$$$$" so far.
    std::uint64_t missing_separators() const { return missing_separators_; }

  private:
    bool next_line(std::string& line, std::uint64_t& number);
    /// True when an "M  END" line comes before the next "$$$$" (or the end
    /// of the input); the lines read to find out are read again.
    bool molblock_follows();
    void warn_missing_separator(std::uint64_t next_record_line, const SdfRecord& record);

    LineReader& reader_;
    /// Lines read ahead (the next record's header), with their line numbers.
    std::deque<std::pair<std::string, std::uint64_t>> replay_;
    std::uint64_t missing_separators_ = 0;
    bool done_ = false;
};

/// `text` as the title line of an SD record, by the rule in
/// docs/data-formats.md: each tab, CR and LF becomes a space, each byte that
/// is not valid UTF-8 `\xHH` (escape_invalid_utf8), and a title
/// that would read as a record separator (starts with "$$$$") gets one
/// leading space, as does one that reads "M  END" to a reader that does not
/// skip the header.
std::string sdf_title_line(std::string text);

/// `text` as the one value line of an SD data item: as a title, and a value
/// starting with '>' (which reads as a data header) gets one leading space.
/// Being one line, the value never holds a blank line, which would end it.
std::string sdf_value_line(std::string text);

}  // namespace plmkit::data
