#pragma once
// Streaming FASTA reader: constant memory, multi-line records, .gz, CRLF,
// blank lines; the id is the header's first word. Duplicate ids are kept in
// order with a warning (among the first FastaReaderOptions::max_checked_ids
// distinct ids: data/seen_ids.hpp); an empty sequence is returned with
// `error` set.
// Lines whose first non-blank character is ';' are comments (Pearson's FASTA
// format) and are skipped anywhere in the file; their count is said once on
// stderr at the end. A ';' later in a sequence line rejects the record,
// naming the line and column.
// Other text before the first '>' is an InputError naming file:line.
// With FastaReaderOptions::require_utf8_ids, an id that is not valid UTF-8 is
// a rejected record (embed and tokenize: HDF5 strings and JSON must be UTF-8);
// by default such ids are returned as they are (CSV outputs take any bytes).
#include <memory>
#include <string>

#include "data/records.hpp"
#include "data/seen_ids.hpp"
#include "src/line_reader.hpp"

namespace plmkit::data {

/// Comment lines (';' first) a FastaReader skipped.
struct CommentLines {
    std::uint64_t count = 0;
    std::uint64_t first_line = 0;  ///< 1-based; 0 while count is 0
    void note(std::uint64_t line) {
        if (count++ == 0) first_line = line;
    }
};

struct FastaReaderOptions {
    /// Reject records whose id is not valid UTF-8 (error set, id shown with
    /// each bad byte as \xHH). Off: ids are kept byte for byte.
    bool require_utf8_ids = false;
    /// Distinct ids remembered for the duplicate check (64-bit fingerprints,
    /// 16 bytes each at most); later new ids are not checked, said once.
    std::size_t max_checked_ids = SeenIds::kDefaultMaxIds;
};

class FastaReader {
  public:
    explicit FastaReader(const std::string& path, FastaReaderOptions options = {});
    /// Next record; false at end of input.
    bool next(SequenceRecord& record);
    const std::string& path() const { return reader_.path(); }
    std::uint64_t records() const { return count_; }
    std::uint64_t duplicate_ids() const { return ids_.duplicates(); }
    /// Comment lines skipped so far (the whole file's once next() is false).
    std::uint64_t comment_lines() const { return comments_.count; }
    std::uint64_t bytes_read() const { return reader_.bytes_read(); }

  private:
    void say_totals() const;

    LineReader reader_;
    FastaReaderOptions options_;
    std::string pending_header_;
    std::uint64_t pending_line_ = 0;  ///< 0: no header pending (end of input)
    bool started_ = false;
    bool done_ = false;
    std::uint64_t count_ = 0;
    DuplicateIdCheck ids_;
    CommentLines comments_;
};

/// The records FastaReader would return from `path` (its '>' lines), read
/// once without parsing them: the total of a progress line.
std::uint64_t count_fasta_records(const std::string& path);

}  // namespace plmkit::data
