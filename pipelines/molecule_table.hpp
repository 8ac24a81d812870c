#pragma once
// A table of molecules with measured values, read and featurized for
// training or evaluation, plus the helpers train/evaluate share.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/featurizers.hpp"

namespace plmkit::pipelines {

/// Featurized molecules of a table with their targets.
struct MoleculeTable {
    std::vector<std::uint64_t> index;  ///< 0-based data row
    std::vector<std::string> ids, smiles;
    std::vector<float> features;            ///< [n x dim], raw (not normalized)
    std::vector<double> targets;            ///< [n x T], NaN = missing
    std::vector<std::string> scaffolds;     ///< Murcko scaffolds (when requested)
    std::vector<std::string> split_values;  ///< the split column (when requested)
    std::size_t dim = 0, num_targets = 0;
    std::uint64_t records = 0;
    /// Rejected rows: "index \t id \t smiles \t reason" lines.
    std::vector<std::string> rejects;
    std::size_t size() const { return ids.size(); }
};

struct TableOptions {
    std::string input_col = "smiles";
    std::string id_col;
    std::vector<std::string> target_cols;
    std::string task = "regression";  ///< classification: targets must be 0/1
    bool scaffolds = false;           ///< fill MoleculeTable::scaffolds
    std::string split_col;            ///< fill MoleculeTable::split_values
};

/// Reads `path` and featurizes every row (raw features). A row with an
/// unparsable SMILES, a non-numeric target or no target at all is rejected.
/// Throws UsageError when a column is missing, IoError when unreadable.
MoleculeTable read_molecule_table(const std::string& path, const Featurizer& featurizer,
                                  const TableOptions& options);

/// Bemis-Murcko scaffold (RDKit MurckoDecompose, canonical SMILES) of a
/// SMILES; "" for acyclic molecules; the SMILES itself when unparsable.
std::string murcko_scaffold(const std::string& smiles);

/// Per-target metrics (metrics.hpp task_metrics; missing values skipped) and
/// their mean over targets under "mean". y and pred are [n x T] row-major.
nlohmann::json evaluate_predictions(const std::string& task,
                                    const std::vector<std::string>& targets,
                                    const std::vector<double>& y, const std::vector<double>& pred);

/// Writes MoleculeTable::rejects to `path` (TSV with a header) atomically.
void write_rejects(const std::string& path, const std::vector<std::string>& rejects);

}  // namespace plmkit::pipelines
