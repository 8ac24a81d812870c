#pragma once
// Streaming FASTA reader: constant memory, multi-line records, .gz, CRLF,
// blank lines; the id is the header's first word. Duplicate ids are kept in
// order with a warning; an empty sequence is returned with `error` set.
// Text before the first '>' is an InputError naming file:line.
#include <memory>
#include <string>
#include <unordered_set>

#include "data/records.hpp"
#include "src/line_reader.hpp"

namespace plmkit::data {

class FastaReader {
  public:
    explicit FastaReader(const std::string& path);
    /// Next record; false at end of input.
    bool next(SequenceRecord& record);
    const std::string& path() const { return reader_.path(); }
    std::uint64_t records() const { return count_; }
    std::uint64_t duplicate_ids() const { return duplicates_; }
    std::uint64_t bytes_read() const { return reader_.bytes_read(); }

  private:
    LineReader reader_;
    std::string pending_header_;
    std::uint64_t pending_line_ = 0;  ///< 0: no header pending (end of input)
    bool started_ = false;
    bool done_ = false;
    std::uint64_t count_ = 0;
    std::uint64_t duplicates_ = 0;
    std::unordered_set<std::string> seen_;
};

}  // namespace plmkit::data
