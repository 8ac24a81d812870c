#pragma once
// Streaming reader for molecule libraries: SMILES files (.smi), CSV/TSV
// tables with a header, and SD files (mol blocks + SD tags), each also .gz.
// Every input record comes back as a MoleculeRecord; one that cannot be used
// has `error` set (with the reason) instead of being dropped. SDF mol blocks
// are returned as text: parsing them is RDKit's job, in pipelines/.
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "data/records.hpp"
#include "data/sdf_record.hpp"
#include "src/line_reader.hpp"

namespace plmkit::data {

struct MoleculeReaderOptions {
    /// auto|smi|csv|tsv|sdf; auto: from the extension, ".gz" stripped
    /// (.smi .smiles .ism .txt -> smi, .csv, .tsv .tab, .sdf .sd .mol).
    std::string format = "auto";
    /// Column holding the SMILES (CSV/TSV/.smi with header); matched exactly,
    /// then case-insensitively. With the default, "canonical_smiles" and
    /// "smi" are tried too.
    std::string smiles_col = "smiles";
    /// How errors (and "empty <label>" rejects) name the column, and the
    /// option that chooses it (a caller with another option, or a protein
    /// table, says so).
    std::string column_label = "SMILES";
    std::string column_option = "--smiles-col";
    /// Column or SD tag holding the id. Empty = auto: the first of
    /// auto_id_columns(protein_ids) the header has (case-insensitive); for
    /// SDF the title line first. Without one, the id is "<file-stem>:<n>"
    /// (n from 1).
    std::string id_col;
    /// A protein table (a sequence column): the automatic id also looks for
    /// protein id names (auto_id_columns(true)).
    bool protein_ids = false;
    /// Columns or SD tags copied into `targets` as strings ("" when blank).
    std::vector<std::string> target_cols;
    /// Appended to the error for a missing target column, before the
    /// closest-name suggestion (evaluate: the column was the model's target).
    std::string target_hint;
    /// Copy every other column / SD tag into `props`.
    bool keep_props = true;
    /// CSV/TSV: a file without a header line (empty or blank) is an empty
    /// table (no columns, no records) instead of an InputError (embed: as
    /// an empty FASTA).
    bool empty_ok = false;
};

/// The id columns tried, in order, without --id-col: "id", "name",
/// "Compound ID", "chembl_id", "mol_id"; for a protein table (`protein`)
/// then "protein_id", "accession", "uniprot_id", "uniprot", "entry",
/// "sequence_id", "seq_id" (after the others, so a table with one of
/// those keeps it; a table of molecule pairs with a protein_id column,
/// Davis, does not give its molecules the protein's id).
const std::vector<std::string>& auto_id_columns(bool protein);

class MoleculeReader {
  public:
    /// Opens `path` ("-" = stdin, with an explicit format) and reads the
    /// header. Throws IoError (cannot open), UsageError (unknown format or
    /// column, listing the available ones), InputError (no header; a column
    /// it reads, the id column found automatically included, that the header
    /// names more than once).
    MoleculeReader(const std::string& path, const MoleculeReaderOptions& options = {});
    ~MoleculeReader();
    MoleculeReader(const MoleculeReader&) = delete;
    MoleculeReader& operator=(const MoleculeReader&) = delete;

    /// Next record; false at end of input.
    bool next(MoleculeRecord& record);

    /// Records returned so far, and how many of them had `error` set.
    std::uint64_t records() const { return count_; }
    std::uint64_t rejected() const { return rejected_; }
    const std::string& path() const { return reader_.path(); }
    /// The resolved format: smi, csv, tsv or sdf.
    const std::string& format() const { return format_; }
    /// Header columns (CSV/TSV, .smi with a header line); for SDF the tags
    /// of the first record.
    std::vector<std::string> columns() const { return columns_; }
    /// The id column as the header spells it (chosen by `id_col` or the
    /// automatic names); for SDF `id_col` as given; "" when there is none
    /// (SDF titles, "<file-stem>:<n>").
    std::string id_column() const;
    /// The SMILES column as the header spells it (chosen by `smiles_col` or
    /// found as `canonical_smiles`/`smi`); "" for SDF (the mol block) and a
    /// .smi file without a header line (its first field).
    std::string smiles_column() const;
    std::uint64_t bytes_read() const { return reader_.bytes_read(); }

  private:
    void open_table();
    void open_smi();
    void open_sdf();
    void resolve_columns();
    bool next_table(MoleculeRecord& record);
    /// Reads on while the quoted field opened on `line` (the row's first
    /// line) stays open, splitting the joined lines into fields_. False when
    /// the row is malformed (a stray quote): record.error says why, fields_
    /// are `line`'s alone and the lines after it are put back to be read as
    /// rows of their own.
    bool join_quoted_row(const std::string& line, MoleculeRecord& record);
    bool next_smi(MoleculeRecord& record);
    bool next_sdf(MoleculeRecord& record);
    bool read_line(std::string& line);
    bool is_prop(std::size_t column) const;
    std::string column_name(std::size_t column) const;
    void fill_from_fields(const std::vector<std::string>& fields, MoleculeRecord& record);
    void finish(MoleculeRecord& record);
    std::string fallback_id(std::uint64_t index) const;

    MoleculeReaderOptions options_;
    LineReader reader_;
    std::string format_;
    std::string stem_;
    char sep_ = ',';
    std::vector<std::string> columns_;
    int smiles_index_ = -1;
    int id_index_ = -1;
    std::vector<int> target_index_;
    std::string sdf_id_tag_;  ///< SDF: tag used as id (empty: title line)
    // One line or SDF record read ahead (while reading the header).
    std::string pending_;
    std::uint64_t pending_line_ = 0;
    std::uint64_t line_no_ = 0;  ///< line number of the line read_line() returned
    bool has_pending_ = false;
    std::string line_end_;         ///< the end of the line read_line() returned
    bool line_from_file_ = false;  ///< that line came from reader_ (not replay_)
    struct HeldLine {
        std::string text;
        std::uint64_t number = 0;
        std::string end;  ///< its line end, as LineReader::line_end()
    };
    /// Lines to read again: those a stray quote had joined into one row (see
    /// next_table).
    std::deque<HeldLine> replay_;
    std::unique_ptr<SdfReader> sdf_;  ///< SDF: cuts reader_ into records
    SdfRecord pending_record_;
    bool has_pending_record_ = false;
    std::vector<std::string> fields_;
    std::uint64_t count_ = 0;
    std::uint64_t rejected_ = 0;
};

}  // namespace plmkit::data
