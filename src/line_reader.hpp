#pragma once
// Streaming line reader for plain or gzip-compressed text (detected from the
// content, not the name). Constant memory; a line ends at "\n", "\r\n"
// (also "\r\r\n", a CRLF file converted twice) or a lone "\r" (old Mac
// files), which are stripped (line_end() says which), as is a UTF-8
// byte-order mark at the start;
// counts lines from 1 so errors can name `file:line`. A file that mixes LF
// and lone-CR line ends gets one warning. "-" reads standard input. Bytes
// after the last gzip member: see src/decompressing_input.hpp.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace plmkit {

class DecompressingInput;

class LineReader {
  public:
    explicit LineReader(const std::string& path);
    ~LineReader();
    LineReader(const LineReader&) = delete;
    LineReader& operator=(const LineReader&) = delete;

    /// Reads the next line into `line` (without the end-of-line). Returns
    /// false at end of input. Throws IoError on a read error, InputError on
    /// a corrupt or truncated gzip stream (naming the bytes and line read)
    /// and on a line holding a NUL byte (binary data, not text).
    bool next(std::string& line);

    /// The bytes that ended the line last returned by next(): "\n", "\r\n"
    /// (or more CRs before the LF), "\r", or "" for a last line without one.
    /// A CSV reader joining the lines of a quoted field puts them back.
    const std::string& line_end() const { return line_end_; }
    /// Says that the end of the line last returned is text (a line break
    /// inside a quoted CSV field), not a line end: a lone CR there does not
    /// count for the mixed line ends warning. Call before the next next().
    void line_end_is_text() { end_pending_ = false; }

    /// 1-based number of the line last returned by next().
    std::uint64_t line_number() const { return line_number_; }
    const std::string& path() const { return path_; }
    /// "path:line", for messages.
    std::string where() const;
    /// Bytes of (decompressed) input consumed so far.
    std::uint64_t bytes_read() const { return bytes_read_; }

  private:
    bool fill();
    /// Index of the first '\n' or '\r' at or after `from`, or end_.
    std::size_t find_line_end(std::size_t from);
    /// Returns buffer_[begin_, stop) as the next line; the next starts at `after`.
    bool take(std::string& line, std::size_t stop, std::size_t after, bool lone_cr);
    void count_line(std::string& line);
    void note_line_end(bool lone_cr);
    void note_pending_line_end();

    std::string path_;
    std::unique_ptr<DecompressingInput> input_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;
    std::size_t end_ = 0;
    bool eof_ = false;
    std::uint64_t line_number_ = 0;
    std::uint64_t bytes_read_ = 0;
    std::uint64_t first_lone_cr_line_ = 0;  ///< 0: none yet
    bool saw_lf_ = false;                   ///< a line ended in "\n" or "\r\n"
    bool warned_mixed_ = false;
    std::string line_end_;      ///< see line_end()
    bool end_pending_ = false;  ///< line_end_ not yet noted (see line_end_is_text)
    bool pending_lone_cr_ = false;
    std::size_t lf_at_ = 0;  ///< the next '\n' at or after the last search, or end_
    bool lf_known_ = false;  ///< lf_at_ is valid (until fill() moves the bytes)
};

/// Whether `path` names a regular file, which can be read more than once (a
/// counting pass for the progress total, then the run). Standard input ("-"),
/// a pipe (`--input <(zcat ...)`) or a device yields its bytes only once.
bool is_rereadable_file(const std::string& path);

}  // namespace plmkit
