#pragma once
// Tabular text: splitting CSV/TSV lines with RFC 4180 quotes, quoting fields
// for output, and a small streaming CsvWriter (atomic file or stdout).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "src/atomic_file.hpp"

namespace plmkit {

/// Splits one line into fields at `sep`. A field that starts with '"' is
/// quoted: separators inside are kept and '""' stands for one '"'. Fields are
/// not trimmed. An unterminated quote takes the rest of the line.
std::vector<std::string> split_csv_line(std::string_view line, char sep);

/// As above into `fields` (reused, for speed). Returns false when a quoted
/// field is not closed on this line (a quoted newline: the caller may append
/// "\n" and the next line and split again).
bool split_csv_line(std::string_view line, char sep, std::vector<std::string>& fields);

/// `field` quoted for output when it contains `sep`, '"', a newline or
/// leading/trailing spaces; otherwise unchanged.
std::string csv_escape(std::string_view field, char sep);

/// '\t' for names ending in .tsv/.tab (optionally .gz), ',' otherwise.
char csv_separator_for(const std::string& path);

/// Writes a header and rows. A path of "-" writes to stdout (unbuffered by
/// the library's logging); otherwise the file appears only at close().
/// Destroying an unclosed writer discards a file output.
class CsvWriter {
  public:
    /// sep = 0: chosen from the file name (csv_separator_for).
    explicit CsvWriter(const std::string& path, char sep = 0);
    ~CsvWriter();
    CsvWriter(const CsvWriter&) = delete;
    CsvWriter& operator=(const CsvWriter&) = delete;

    /// Column names; every later row must have the same number of fields.
    void header(const std::vector<std::string>& columns);
    void row(const std::vector<std::string>& fields);
    /// Flushes and, for a file, renames it into place (throws IoError).
    void close();

    const std::string& path() const { return path_; }
    char separator() const { return sep_; }
    std::uint64_t rows() const { return rows_; }

  private:
    void write_fields(const std::vector<std::string>& fields);

    std::string path_;
    char sep_;
    std::unique_ptr<AtomicFile> atomic_;
    std::FILE* file_ = nullptr;
    std::size_t columns_ = 0;
    std::uint64_t rows_ = 0;
    std::string buffer_;
};

}  // namespace plmkit
