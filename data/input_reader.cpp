#include "data/input_reader.hpp"

#include <algorithm>
#include <cctype>

#include "data/fasta_reader.hpp"
#include "data/molecule_reader.hpp"
#include "src/strings.hpp"

namespace plmkit::data {
InputRow to_input_row(SequenceRecord&& record) {
    InputRow row;
    row.index = record.index;
    row.line = record.line;
    row.id = std::move(record.id);
    row.input = std::move(record.sequence);
    row.error = std::move(record.error);
    return row;
}

SequenceRecord to_sequence_record(InputRow&& row) {
    SequenceRecord record;
    record.index = row.index;
    record.line = row.line;
    record.id = std::move(row.id);
    record.sequence = std::move(row.input);
    record.error = std::move(row.error);
    return record;
}

bool is_fasta_path(const std::string& path, const std::string& format) {
    if (format == "fasta") return true;
    if (format != "auto") return false;
    std::string p = path;
    std::transform(p.begin(), p.end(), p.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (ends_with(p, ".gz")) p.resize(p.size() - 3);
    return ends_with(p, ".fa") || ends_with(p, ".fasta") || ends_with(p, ".faa");
}

InputReader::InputReader(const std::string& path, const InputReaderOptions& o) {
    if (o.protein && is_fasta_path(path, o.format)) {
        fasta_ = std::make_unique<FastaReader>(path);
        return;
    }
    MoleculeReaderOptions mo;
    mo.format = o.format;
    mo.smiles_col = o.input_col.empty() ? (o.protein ? "sequence" : "smiles") : o.input_col;
    mo.column_label = o.protein ? "sequence" : "SMILES";
    mo.column_option = o.column_option;
    mo.id_col = o.id_col;
    mo.protein_ids = o.protein;
    mo.target_cols = o.target_cols;
    mo.target_hint = o.target_hint;
    mo.keep_props = o.keep_props;
    mo.empty_ok = o.empty_ok;
    table_ = std::make_unique<MoleculeReader>(path, mo);
}

InputReader::~InputReader() = default;

std::vector<std::string> InputReader::columns() const {
    return table_ ? table_->columns() : std::vector<std::string>{};
}

bool InputReader::next(InputRow& row) {
    if (fasta_) {
        SequenceRecord r;
        if (!fasta_->next(r)) return false;
        row = to_input_row(std::move(r));
        return true;
    }
    MoleculeRecord r;
    if (!table_->next(r)) return false;
    row = InputRow{};
    row.index = r.index;
    row.line = r.line;
    row.id = std::move(r.id);
    row.input = r.smiles.empty() ? std::move(r.molblock) : std::move(r.smiles);
    row.targets = std::move(r.targets);
    row.props = std::move(r.props);
    row.error = std::move(r.error);
    return true;
}

}  // namespace plmkit::data
