#include "data/fasta_reader.hpp"

#include <cctype>

#include "src/error.hpp"
#include "src/log.hpp"
#include "src/utf8.hpp"

namespace plmkit::data {

namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/// Index of the first non-whitespace character, or npos for a blank line.
std::size_t first_non_space(const std::string& line) {
    for (std::size_t i = 0; i < line.size(); ++i)
        if (!is_space(line[i])) return i;
    return std::string::npos;
}

/// Appends line[from..] to `out` without whitespace; whole runs at a time.
void append_without_spaces(const std::string& line, std::size_t from, std::string& out) {
    std::size_t i = from;
    const std::size_t n = line.size();
    while (i < n) {
        std::size_t j = i;
        while (j < n && !is_space(line[j]))
            ++j;
        out.append(line, i, j - i);
        while (j < n && is_space(line[j]))
            ++j;
        i = j;
    }
}

std::string trim(const std::string& s) {
    std::size_t b = 0, e = s.size();
    while (b < e && is_space(s[b]))
        ++b;
    while (e > b && is_space(s[e - 1]))
        --e;
    return s.substr(b, e - b);
}

std::string excerpt(const std::string& s) {
    constexpr std::size_t kMax = 40;
    std::string t = trim(s);
    if (t.size() > kMax) t = t.substr(0, kMax) + "...";
    return "'" + t + "'";
}

/// For a first line that is a CSV/TSV header with a sequence column (FLIP's
/// `sequence,target,set,validation`, DeepLoc's `protein_id,...,sequence`):
/// how to have it read as the table it is; "" otherwise. `path` already
/// named as a table (tokenize reads FASTA only): which commands read it.
std::string table_hint(const std::string& line, const std::string& path) {
    const char sep = line.find('\t') != std::string::npos ? '\t' : ',';
    if (line.find(sep) == std::string::npos) return "";
    std::string column;
    std::size_t start = 0;
    while (column.empty()) {
        const std::size_t end = line.find(sep, start);
        std::string field = trim(line.substr(start, end == std::string::npos ? end : end - start));
        if (field.size() >= 2 && field.front() == '"' && field.back() == '"')
            field = field.substr(1, field.size() - 2);
        std::string lower;
        for (char c : field)
            lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "sequence" || lower == "seq" || lower == "protein_sequence" ||
            lower == "aa_seq")
            column = field;
        if (end == std::string::npos) break;
        start = end + 1;
    }
    if (column.empty()) return "";
    const std::string kind = sep == ',' ? "csv" : "tsv";
    std::string name = path;
    for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0)
        name.resize(name.size() - 3);
    for (const char* ext : {".csv", ".tsv", ".tab"})
        if (name.size() > 4 && name.compare(name.size() - 4, 4, ext) == 0)
            return " (the header of a " + std::string(sep == ',' ? "CSV" : "TSV") +
                   " table with a sequence column '" + column +
                   "'; this command reads FASTA only: embed and pretrain read the table with "
                   "--seq-col '" +
                   column + "', train and predict with --input-col '" + column + "')";
    return " (the header of a " + std::string(sep == ',' ? "CSV" : "TSV") +
           " table with a sequence column '" + column +
           "', read as FASTA because of the file's name: name it ." + kind + " or ." + kind +
           ".gz (embed and predict also take --format " + kind +
           "), and name the column: "
           "--seq-col '" +
           column + "' for embed and pretrain, --input-col '" + column + "' for train and predict)";
}

/// Splits "  id rest of line" (after the '>') into id and description.
void parse_header(const std::string& header, std::size_t gt, SequenceRecord& record) {
    std::size_t b = gt + 1;
    while (b < header.size() && is_space(header[b]))
        ++b;
    std::size_t e = b;
    while (e < header.size() && !is_space(header[e]))
        ++e;
    record.id = header.substr(b, e - b);
    record.description = trim(header.substr(e));
}

/// Skips blank lines and comment lines up to the first header line, which
/// goes to header and header_line (left as they are when the input holds no
/// header). Throws on other text before it.
void read_first_header(LineReader& reader, std::string& header, std::uint64_t& header_line,
                       CommentLines& comments) {
    std::string line;
    while (reader.next(line)) {
        std::size_t p = first_non_space(line);
        if (p == std::string::npos) continue;
        if (line[p] == ';') {
            comments.note(reader.line_number());
            continue;
        }
        if (line[p] != '>')
            throw InputError(reader.where() +
                             ": expected '>' at the start of a FASTA record, found " +
                             excerpt(line) + table_hint(line, reader.path()));
        header = line;
        header_line = reader.line_number();
        return;
    }
}

/// Appends the sequence lines (whitespace removed, blank and comment lines
/// skipped) to sequence up to the next header line, which goes to header and
/// header_line (left as they are at the end of the input). The first ';'
/// inside a sequence line (not its first character) goes to semicolon_error.
void read_sequence(LineReader& reader, std::string& sequence, std::string& header,
                   std::uint64_t& header_line, CommentLines& comments,
                   std::string& semicolon_error) {
    std::string line;
    while (reader.next(line)) {
        std::size_t p = first_non_space(line);
        if (p == std::string::npos) continue;
        if (line[p] == '>') {
            header.swap(line);
            header_line = reader.line_number();
            return;
        }
        if (line[p] == ';') {
            comments.note(reader.line_number());
            continue;
        }
        const std::size_t semicolon = line.find(';', p);
        if (semicolon != std::string::npos && semicolon_error.empty())
            semicolon_error = "invalid character ';' on line " +
                              std::to_string(reader.line_number()) + ", column " +
                              std::to_string(semicolon + 1) +
                              " (a ';' starts a comment only as the first character of a line)";
        append_without_spaces(line, p, sequence);
    }
}

}  // namespace

std::uint64_t count_fasta_records(const std::string& path) {
    LineReader reader(path);
    std::string line;
    std::uint64_t n = 0;
    while (reader.next(line)) {
        const std::size_t p = first_non_space(line);
        n += p != std::string::npos && line[p] == '>';
    }
    return n;
}

FastaReader::FastaReader(const std::string& path, FastaReaderOptions options)
    : reader_(path), options_(options), ids_("record", options.max_checked_ids) {}

bool FastaReader::next(SequenceRecord& record) {
    if (!started_) {
        started_ = true;
        read_first_header(reader_, pending_header_, pending_line_, comments_);
    }
    if (pending_line_ == 0) {
        if (!done_) say_totals();
        done_ = true;
        return false;
    }

    record = SequenceRecord{};
    parse_header(pending_header_, pending_header_.find('>'), record);
    record.index = count_++;
    record.line = pending_line_;
    pending_line_ = 0;
    std::string semicolon_error;
    read_sequence(reader_, record.sequence, pending_header_, pending_line_, comments_,
                  semicolon_error);

    const std::string where = reader_.path() + ":" + std::to_string(record.line);
    std::string bad_id =
        options_.require_utf8_ids ? invalid_utf8_reason(record.id, "id", record.line) : "";
    if (record.id.empty()) {
        record.error = "header line has no id after '>'";
    } else if (!bad_id.empty()) {
        // HDF5 strings are tagged UTF-8 and tokenize writes JSON: both need
        // valid UTF-8. The reject shows the id with the bad bytes as \xHH.
        record.error = bad_id;
        record.id = escape_invalid_utf8(record.id);
    } else {
        ids_.note(record.id, where);
    }
    if (record.error.empty()) record.error = std::move(semicolon_error);
    if (record.error.empty() && record.sequence.empty()) record.error = "empty sequence";
    return true;
}

void FastaReader::say_totals() const {
    ids_.say_total(reader_.path());
    if (comments_.count > 0)
        log_info(reader_.path() + ": skipped " + std::to_string(comments_.count) +
                 (comments_.count == 1 ? " comment line" : " comment lines") +
                 " (lines starting with ';'), the first on line " +
                 std::to_string(comments_.first_line));
}

}  // namespace plmkit::data
