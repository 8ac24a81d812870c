#include "data/sequence_reader.hpp"

#include <cctype>

#include "data/fasta_reader.hpp"
#include "data/input_reader.hpp"
#include "data/molecule_reader.hpp"
#include "src/error.hpp"
#include "src/utf8.hpp"

namespace plmkit::data {

namespace {

std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

/// The extension of the file name, lower-case, ".gz" stripped ("" if none).
std::string table_extension(const std::string& path) {
    std::string name = lower(path.substr(path.find_last_of('/') + 1));
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0)
        name.resize(name.size() - 3);
    const std::size_t dot = name.rfind('.');
    return dot == std::string::npos ? "" : name.substr(dot + 1);
}

InputReaderOptions table_options(const std::string& format, const SequenceReaderOptions& o) {
    InputReaderOptions io;
    io.protein = true;
    io.format = format;
    io.input_col = o.seq_col.empty() ? "sequence" : o.seq_col;
    io.column_option = o.seq_option;
    io.id_col = o.id_col;
    io.keep_props = false;
    io.empty_ok = true;  // as an empty FASTA: no records, not an error
    return io;
}

}  // namespace

std::string sequence_format(const std::string& path, const std::string& format) {
    const std::string f = lower(format);
    if (f == "fasta" || f == "csv" || f == "tsv") return f;
    if (!f.empty() && f != "auto")
        throw UsageError("--format '" + format + "': expected auto, fasta, csv or tsv");
    const std::string ext = table_extension(path);
    if (ext == "csv") return "csv";
    if (ext == "tsv" || ext == "tab") return "tsv";
    return "fasta";
}

SequenceReader::SequenceReader(const std::string& path, const SequenceReaderOptions& options)
    : path_(path), format_(sequence_format(path, options.format)), options_(options) {
    if (format_ == "fasta") {
        FastaReaderOptions fo;
        fo.require_utf8_ids = options.require_utf8_ids;
        fasta_ = std::make_unique<FastaReader>(path, fo);
    } else {
        table_ = std::make_unique<InputReader>(path, table_options(format_, options));
    }
}

SequenceReader::~SequenceReader() = default;

std::string SequenceReader::id_column() const {
    return table_ ? table_->table()->id_column() : std::string();
}

bool SequenceReader::next(SequenceRecord& record) {
    if (fasta_) {
        if (!fasta_->next(record)) return false;
        ++count_;
        return true;
    }
    InputRow row;
    if (!table_->next(row)) {
        if (!done_) say_totals();
        done_ = true;
        return false;
    }
    ++count_;
    record = to_sequence_record(std::move(row));
    // HDF5 strings are tagged UTF-8: as FastaReader, the reject shows the
    // id with the bad bytes as \xHH.
    std::string bad_id = options_.require_utf8_ids
                             ? invalid_utf8_reason(record.id, "id", record.line)
                             : std::string();
    if (!bad_id.empty()) {
        record.error = std::move(bad_id);
        record.id = escape_invalid_utf8(record.id);
    } else {
        ids_.note(record.id, path_ + ":" + std::to_string(record.line));
    }
    return true;
}

std::string SequenceReader::no_records_reason() const {
    if (!table_) return "no FASTA records (no line starts with '>')";
    return table_->columns().empty() ? "an empty table (no header line, no rows)"
                                     : "no rows after the header";
}

void SequenceReader::say_totals() const {
    ids_.say_total(path_);
}

std::uint64_t count_sequence_records(const std::string& path,
                                     const SequenceReaderOptions& options) {
    const std::string format = sequence_format(path, options.format);
    if (format == "fasta") return count_fasta_records(path);
    InputReader reader(path, table_options(format, options));
    InputRow row;
    std::uint64_t n = 0;
    while (reader.next(row))
        ++n;
    return n;
}

}  // namespace plmkit::data
