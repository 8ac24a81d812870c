#pragma once
// Protein sequences from FASTA or from a CSV/TSV table with a sequence column
// (FLIP's splits, DeepLoc), each plain or .gz, as SequenceRecords: the reader
// behind `plmkit embed`. FASTA is data::FastaReader; a table is read with
// data::InputReader (the reader of train/predict --kind protein), and its rows
// get the FASTA records' checks: an id that is not valid UTF-8 is rejected
// (with require_utf8_ids), a repeated id is warned about (record kept).
// The format: "csv"/"tsv" or "fasta" as given, else (auto) a .csv name is
// CSV, .tsv/.tab TSV (".gz" stripped) and any other name FASTA.
#include <cstdint>
#include <memory>
#include <string>

#include "data/records.hpp"
#include "data/seen_ids.hpp"

namespace plmkit::data {

class FastaReader;
class InputReader;

struct SequenceReaderOptions {
    std::string format = "auto";           ///< auto | fasta | csv | tsv
    std::string seq_col = "sequence";      ///< table: the sequence column
    std::string id_col;                    ///< table: "" = auto_id_columns(true), else <stem>:<n>
    std::string seq_option = "--seq-col";  ///< the option errors name for seq_col
    bool require_utf8_ids = false;         ///< as FastaReaderOptions::require_utf8_ids
};

/// "fasta", "csv" or "tsv" for `path` read with `format` (see above);
/// UsageError for another format.
std::string sequence_format(const std::string& path, const std::string& format);

class SequenceReader {
  public:
    /// Throws IoError (cannot open), UsageError (bad format; a table without
    /// the sequence or id column, listing its columns with a did-you-mean),
    /// InputError (a header line with an unclosed quote; a column it reads
    /// named twice). A table without a header line (an empty or blank file)
    /// is an empty table, as an empty FASTA is an empty input: no records.
    SequenceReader(const std::string& path, const SequenceReaderOptions& options);
    ~SequenceReader();
    SequenceReader(const SequenceReader&) = delete;
    SequenceReader& operator=(const SequenceReader&) = delete;

    /// Next record (`line`: its header line, or the row's first line); false
    /// at end of input. `description` is empty for table rows.
    bool next(SequenceRecord& record);
    const std::string& path() const { return path_; }
    /// "fasta", "csv" or "tsv".
    const std::string& format() const { return format_; }
    bool is_table() const { return format_ != "fasta"; }
    std::uint64_t records() const { return count_; }
    /// Table: the id column as the header spells it ("" when the ids are
    /// <file stem>:<row>); FASTA: "".
    std::string id_column() const;
    /// Why an input without records has none, for the warning that says so:
    /// "no FASTA records (no line starts with '>')", "an empty table (no
    /// header line, no rows)" or "no rows after the header".
    std::string no_records_reason() const;

  private:
    void say_totals() const;

    std::string path_;
    std::string format_;
    SequenceReaderOptions options_;
    std::unique_ptr<FastaReader> fasta_;
    std::unique_ptr<InputReader> table_;
    std::uint64_t count_ = 0;
    DuplicateIdCheck ids_{"row"};
    bool done_ = false;
};

/// The records a SequenceReader would return from `path` (FASTA: its '>'
/// lines, read without parsing them; a table: its rows): a progress total.
std::uint64_t count_sequence_records(const std::string& path, const SequenceReaderOptions& options);

}  // namespace plmkit::data
