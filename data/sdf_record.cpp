#include "data/sdf_record.hpp"

#include <algorithm>

#include "src/log.hpp"
#include "src/utf8.hpp"

namespace plmkit::data {

namespace {

constexpr std::uint64_t kMaxSeparatorWarnings = 10;

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && is_space(s[b]))
        ++b;
    while (e > b && is_space(s[e - 1]))
        --e;
    return s.substr(b, e - b);
}

bool is_blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(), is_space);
}

bool is_end_of_record(const std::string& line) {
    return line.rfind("$$$$", 0) == 0 && is_blank(line.substr(4));
}

bool is_molblock_end(const std::string& line) {
    return line.rfind("M  END", 0) == 0;
}

/// A 3-character count field: right-aligned digits ("  7", " 12", "999").
bool is_count_field(const std::string& line, std::size_t at) {
    bool digit = false;
    for (std::size_t i = at; i < at + 3; ++i) {
        const char c = line[i];
        if (c >= '0' && c <= '9') {
            digit = true;
        } else if (c != ' ' || digit) {
            return false;
        }
    }
    return digit;
}

/// The counts line of a mol block ("aaabbblllfffcccsssxxxrrrpppiiimmmvvvvvv",
/// CTfile spec): atom and bond counts in the first two 3-character fields,
/// the version " V2000" or " V3000" ending the line at columns 34-39 (a few
/// writers leave out fields; RDKit reads those too, so 33 to 39 characters
/// before the version).
bool is_counts_line(const std::string& line) {
    std::size_t n = line.size();
    while (n > 0 && is_space(line[n - 1]))
        --n;
    if (n < 38 || n > 44) return false;
    const std::string version = line.substr(n - 5, 5);
    if (version != "V2000" && version != "V3000") return false;
    return is_count_field(line, 0) && is_count_field(line, 3);
}

/// ">  <NAME>  (1)" -> NAME; an old-style "> DT12" -> DT12.
std::string tag_name(const std::string& line) {
    auto open = line.find('<');
    if (open != std::string::npos) {
        auto close = line.find('>', open + 1);
        if (close != std::string::npos) return line.substr(open + 1, close - open - 1);
    }
    return trim(line.substr(1));
}

void end_value(std::string& value) {
    while (!value.empty() && is_space(value.back()))
        value.pop_back();
}

using Lines = std::vector<std::pair<std::string, std::uint64_t>>;

/// The data items in lines [from, to).
void read_tags(const Lines& lines, std::size_t from, std::size_t to, SdfRecord& record) {
    bool in_value = false;
    for (std::size_t i = from; i < to; ++i) {
        const std::string& line = lines[i].first;
        if (!line.empty() && line[0] == '>') {
            if (in_value) end_value(record.tags.back().second);
            record.tags.emplace_back(tag_name(line), std::string());
            in_value = true;
        } else if (in_value && is_blank(line)) {
            end_value(record.tags.back().second);
            in_value = false;
        } else if (in_value) {
            std::string& value = record.tags.back().second;
            if (!value.empty()) value += '\n';
            value += line;
        }
        // Other text between data items is ignored, as by RDKit.
    }
    if (in_value) end_value(record.tags.back().second);
}

std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return text;
}

/// What SdfReader::next gathers while it reads one record's lines.
struct RecordScan {
    Lines lines;
    /// Index in `lines` of the first "M  END" (npos: none yet).
    std::size_t end_at = std::string::npos;
    /// A second "M  END" (another record's, its header not where a cut
    /// could find it): records merged without a clean cut.
    std::uint64_t merged_at = 0;
    const char* merged_what = "";
    std::uint64_t end_line = 0;  ///< the "$$$$" line
    bool any_text = false, terminated = false, split = false;

    /// Whether a counts line read now could be the next record's: the next
    /// record's header is the three lines before its counts line, after
    /// this record's "M  END", or, with no "M  END", after this record's
    /// own header and counts line (lines 0-3).
    bool clean_cut() const {
        const std::size_t k = lines.size();
        const bool in_block = end_at == std::string::npos;
        return in_block ? k >= 7 : k >= end_at + 4;
    }

    /// Adds a line of the record.
    void add(std::string&& line, std::uint64_t number) {
        const std::size_t k = lines.size();
        any_text = any_text || !is_blank(line);
        // The header's three lines are free text (a title may read "M  END").
        if (k >= 4 && is_molblock_end(line)) {
            if (end_at == std::string::npos) {
                end_at = k;
            } else if (merged_at == 0) {
                merged_at = number;
                merged_what = "a second 'M  END'";
            }
        }
        lines.emplace_back(std::move(line), number);
    }
};

/// The record's mol block (up to its "M  END"), title and data items.
void fill_record(const RecordScan& scan, SdfRecord& record) {
    const Lines& lines = scan.lines;
    const std::size_t block_end = record.has_end ? scan.end_at + 1 : lines.size();
    for (std::size_t i = 0; i < block_end; ++i) {
        record.molblock += lines[i].first;
        record.molblock += '\n';
    }
    if (!lines.empty()) record.title = trim(lines[0].first);
    read_tags(lines, block_end, lines.size(), record);
}

/// What ends the record, for an error message.
std::string record_end(const RecordScan& scan) {
    return scan.terminated ? "'$$$$' (line " + std::to_string(scan.end_line) + ")"
                           : std::string("the end of the file");
}

/// The record's error after `where` ("file:line: "), empty when it is
/// well formed; next_record is the line of the record cut off after it.
std::string record_error(const RecordScan& scan, const SdfRecord& record, const std::string& where,
                         std::uint64_t next_record) {
    if (!scan.any_text) return where + "empty SDF record";
    if (!record.has_end)
        return where + "no 'M  END' line before " +
               (scan.split ? "the record at line " + std::to_string(next_record) +
                                 " (its '$$$$' line is missing too)"
                           : record_end(scan));
    if (scan.merged_at != 0)
        return where + scan.merged_what + " at line " + std::to_string(scan.merged_at) +
               " before " + record_end(scan) +
               ": another record starts inside this one, its header not where expected "
               "(missing '$$$$'?); both are rejected as one";
    return std::string();
}

}  // namespace

bool SdfReader::next_line(std::string& line, std::uint64_t& number) {
    if (!replay_.empty()) {
        line.swap(replay_.front().first);
        number = replay_.front().second;
        replay_.pop_front();
        return true;
    }
    if (!reader_.next(line)) {
        if (!done_ && missing_separators_ > kMaxSeparatorWarnings)
            log_warn(reader_.path() + ": " + std::to_string(missing_separators_) +
                     " records lack their '$$$$' line (each read as a record of its own)");
        done_ = true;
        return false;
    }
    number = reader_.line_number();
    return true;
}

void SdfReader::warn_missing_separator(std::uint64_t next_record_line, const SdfRecord& record) {
    ++missing_separators_;
    if (missing_separators_ > kMaxSeparatorWarnings) return;
    log_warn(
        reader_.path() + ":" + std::to_string(next_record_line) +
        ": missing '$$$$' before the record at line " + std::to_string(next_record_line) +
        " (the record at line " + std::to_string(record.line) + " ends on line " +
        std::to_string(next_record_line - 1) + "; both are read)" +
        (missing_separators_ == kMaxSeparatorWarnings ? "; further ones are only counted" : ""));
}

bool SdfReader::molblock_follows() {
    // Reads ahead to the next "M  END", "$$$$" or the end of the input, then
    // puts the lines back.
    Lines ahead;
    std::string line;
    std::uint64_t number = 0;
    bool found = false;
    while (next_line(line, number)) {
        const bool stop = is_end_of_record(line) || is_molblock_end(line);
        found = is_molblock_end(line);
        ahead.emplace_back(std::move(line), number);
        if (stop) break;
    }
    for (std::size_t i = ahead.size(); i-- > 0;)
        replay_.push_front(std::move(ahead[i]));
    return found;
}

bool SdfReader::next(SdfRecord& record) {
    record = SdfRecord{};
    RecordScan scan;
    std::string line;
    std::uint64_t number = 0;
    while (next_line(line, number)) {
        if (scan.lines.empty()) record.line = number;
        if (is_end_of_record(line)) {
            scan.terminated = true;
            scan.end_line = number;
            break;
        }
        // A data value may look like a counts line too: only a mol block
        // ending in "M  END" before the next "$$$$" makes it a record.
        if (is_counts_line(line) && scan.clean_cut() && molblock_follows()) {
            scan.split = true;
            const std::size_t k = scan.lines.size();
            replay_.emplace_front(std::move(line), number);
            for (std::size_t i = 0; i < 3; ++i)
                replay_.emplace_front(std::move(scan.lines[k - 1 - i]));
            scan.lines.resize(k - 3);
            break;
        }
        scan.add(std::move(line), number);
    }
    record.terminated = scan.terminated;
    record.unterminated_split = scan.split;
    record.has_end = scan.end_at != std::string::npos;
    if (!scan.terminated && !scan.split && !scan.any_text) return false;
    fill_record(scan, record);

    const std::string where = reader_.path() + ":" + std::to_string(record.line) + ": ";
    const std::uint64_t next_record = scan.split ? replay_.front().second : 0;
    if (scan.split) warn_missing_separator(next_record, record);
    record.error = record_error(scan, record, where, next_record);
    return true;
}

std::string sdf_title_line(std::string text) {
    text = escape_invalid_utf8(one_line(std::move(text)));
    if (text.rfind("$$$$", 0) == 0 || is_molblock_end(text)) text.insert(0, 1, ' ');
    return text;
}

std::string sdf_value_line(std::string text) {
    text = sdf_title_line(std::move(text));
    if (!text.empty() && text[0] == '>') text.insert(0, 1, ' ');
    return text;
}

}  // namespace plmkit::data
