#pragma once
// `--keep-cols` of `plmkit screen` (config `output.keep_cols`) and `plmkit
// predict`: input columns or SD tags (vendor id, price, plate/well, assay
// values) carried, as text, into the outputs (screen: hits.csv, hits.sdf,
// rejects.tsv; predict: the predictions CSV and its rejects TSV) after
// plmkit's own columns, so a row can be used without joining the outputs
// back to the input. Each record carries its values only while its chunk is
// processed (a screen hit's go on in its spooled hits row).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "data/molecule_reader.hpp"

namespace plmkit::pipelines {

/// Checks a keep_cols list (from `where`: the config key or --keep-cols):
/// UsageError for an empty or doubled name, or "all" with other names.
void check_keep_cols(const std::vector<std::string>& names, const std::string& where);

/// How a command names things in KeptColumns' messages.
struct KeptColumnsOptions {
    std::string option = "--keep-cols";  ///< the setting (--keep-cols, output.keep_cols)
    std::string input_label = "SMILES";  ///< the input column (SMILES, sequence)
    /// The output column that holds the input column's text already.
    std::string input_written_as = "input_smiles";
    /// What the command did with the records, in warn_at_end's message.
    std::string records_verb = "screened";
};

class KeptColumns {
  public:
    /// Resolves `requested` (names, or {"all"}: every column but the SMILES
    /// and id columns, in input order; for SDF the tags of the first record
    /// but the --id-col tag) against `reader`'s header. `option` names the
    /// setting in messages (--keep-cols or output.keep_cols). A kept column
    /// whose name equals one of `taken` (plmkit's own output columns),
    /// ignoring case, is written as "input_<name>"; when that is taken too
    /// (or another kept column has it) the run is refused. Throws UsageError
    /// for an unknown column (listing the header's, with the closest name),
    /// the SMILES or id column, or a .smi file without a header line;
    /// InputError for a kept column the header names twice. An SD tag not in
    /// the first record is a warning, not an error: a later record may have
    /// it (see warn_at_end).
    KeptColumns(const std::vector<std::string>& requested, const data::MoleculeReader& reader,
                const std::vector<std::string>& taken, const std::string& option);
    /// As above, with the messages' names from `options` (predict: its
    /// input column is written as smiles or sequence).
    KeptColumns(const std::vector<std::string>& requested, const data::MoleculeReader& reader,
                const std::vector<std::string>& taken, const KeptColumnsOptions& options);

    bool empty() const { return inputs_.empty(); }
    /// The names as the input spells them, and as the outputs write them.
    const std::vector<std::string>& inputs() const { return inputs_; }
    const std::vector<std::string>& outputs() const { return outputs_; }

    /// Moves `record`'s values of the kept columns into `values`, in order;
    /// "" where the record has no such column or tag.
    void pick(data::MoleculeRecord& record, std::vector<std::string>& values) {
        pick(record.props, values);
    }
    /// The same from a record's other columns / SD tags (name, value).
    void pick(std::vector<std::pair<std::string, std::string>>& props,
              std::vector<std::string>& values);

    /// SDF: warns about a kept tag that no record picked had (its column is
    /// empty) and, with "all", about tags first seen after the first record
    /// (not kept).
    void warn_at_end() const;

    /// The summary's reader.kept_columns: [{"column": input, "as": output}].
    nlohmann::json json() const;

  private:
    void resolve_table(const std::vector<std::string>& requested,
                       const data::MoleculeReader& reader);
    void resolve_sdf(const std::vector<std::string>& requested, const data::MoleculeReader& reader);
    void name_outputs(const std::vector<std::string>& taken);

    std::string path_, option_;
    KeptColumnsOptions names_;
    bool sdf_ = false, all_ = false;
    std::vector<std::string> inputs_, outputs_;
    std::vector<std::size_t> hint_;      ///< where each kept column was in the last record's props
    std::vector<std::uint64_t> found_;   ///< SDF: records that had each kept tag
    std::uint64_t picked_ = 0;           ///< records picked
    std::set<std::string> tags_seen_;    ///< SDF: every tag name met (capped)
    std::vector<std::string> not_kept_;  ///< SDF "all": tags first seen after record 1 (capped)
};

}  // namespace plmkit::pipelines
