#pragma once
// Rows for property models: one reader over every input a model can take.
//   molecules: .smi, CSV/TSV (a SMILES column), SDF (the mol block is the
//              input text), each also .gz (data::MoleculeReader)
//   proteins:  FASTA (data::FastaReader), or CSV/TSV with a sequence column
// Every record comes back as an InputRow; one that cannot be used has
// `error` set, so it can go to the rejects output.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/records.hpp"

namespace plmkit::data {

class MoleculeReader;
class FastaReader;

struct InputRow {
    std::uint64_t index = 0;  ///< 0-based record number
    std::uint64_t line = 0;   ///< 1-based line where the record starts
    std::string id;
    std::string input;  ///< SMILES, mol block (SDF) or amino-acid sequence
    std::vector<std::pair<std::string, std::string>> targets;  ///< requested columns
    std::vector<std::pair<std::string, std::string>> props;    ///< other columns
    std::string error;  ///< non-empty: rejected, with the reason
};

struct InputReaderOptions {
    bool protein = false;   ///< proteins (FASTA or a sequence column) instead of molecules
    std::string input_col;  ///< "" = smiles (molecules) / sequence (protein tables)
    std::string column_option = "--input-col";  ///< the option errors suggest for input_col
    std::string id_col;                         ///< "" = auto (MoleculeReaderOptions::id_col)
    std::vector<std::string> target_cols;
    std::string target_hint;  ///< see MoleculeReaderOptions::target_hint
    bool keep_props = false;
    std::string format = "auto";  ///< as MoleculeReaderOptions::format, plus fasta
    bool empty_ok = false;        ///< as MoleculeReaderOptions::empty_ok
};

class InputReader {
  public:
    /// Throws IoError (cannot open), UsageError (unknown column or format),
    /// InputError (no header, or a column it reads named twice in it).
    InputReader(const std::string& path, const InputReaderOptions& options);
    ~InputReader();
    InputReader(const InputReader&) = delete;
    InputReader& operator=(const InputReader&) = delete;

    bool next(InputRow& row);
    /// Header columns (empty for FASTA).
    std::vector<std::string> columns() const;
    bool is_fasta() const { return fasta_ != nullptr; }
    /// The table reader (CSV/TSV, .smi, SDF); null for FASTA.
    const MoleculeReader* table() const { return table_.get(); }

  private:
    std::unique_ptr<MoleculeReader> table_;
    std::unique_ptr<FastaReader> fasta_;
};

/// A FASTA record as the row InputReader returns for it (index, line, id,
/// the sequence as the input, error; the description is not kept), and a
/// table row back as the record SequenceReader returns (targets and props
/// dropped).
InputRow to_input_row(SequenceRecord&& record);
SequenceRecord to_sequence_record(InputRow&& row);

/// True for .fa/.fasta/.faa (.gz stripped) or format "fasta".
bool is_fasta_path(const std::string& path, const std::string& format = "auto");

}  // namespace plmkit::data
