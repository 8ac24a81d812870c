#pragma once
// A table of inputs (molecules or protein sequences) with measured values,
// read and featurized for training or evaluation, plus the helpers
// train / evaluate share. Rows that cannot be used (unreadable, bad or
// missing target, not featurizable) end up in `rejects` with the reason.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/property_featurizer.hpp"

namespace plmkit::pipelines {

struct PropertyTable {
    std::vector<std::uint64_t> index;  ///< 0-based data row
    /// 1-based file line where each row's record starts (empty = unknown):
    /// rejects name an unparsable SDF record by it.
    std::vector<std::uint64_t> lines;
    std::vector<std::string> ids, inputs;
    std::vector<float> features;  ///< [n x dim], raw (not normalized); empty until featurized
    std::vector<double> targets;  ///< [n x T], NaN = missing
    /// multiclass: the label text [n x T] ("" = missing; targets then holds
    /// 0 for a label until class_labels.hpp maps it to its class index).
    std::vector<std::string> labels;
    std::vector<std::string> scaffolds;     ///< Murcko scaffolds (when requested)
    std::vector<std::string> split_values;  ///< the split column (when requested)
    /// The validation-flag column (when requested), as "true" / "false".
    std::vector<std::string> valid_flags;
    std::vector<models::MolGraph> graphs;  ///< per row, when the featurizer made them
    std::size_t dim = 0, num_targets = 0;
    std::uint64_t records = 0;
    /// Rejected rows: "index \t id \t input \t reason" lines.
    std::vector<std::string> rejects;
    std::size_t size() const { return ids.size(); }
};

struct TableOptions {
    InputKind kind = InputKind::molecule;
    std::string input_col;  ///< "" = smiles / sequence
    std::string id_col;
    std::vector<std::string> target_cols;
    std::string target_hint;  ///< appended to a missing-target-column error
    /// classification: targets must be 0/1 (a number other than 0/1 is an
    /// InputError naming the line; text is a reject with the reason).
    /// multiclass: targets are class labels, kept as text in `labels`.
    std::string task = "regression";
    bool require_targets = true;  ///< reject rows whose targets are all blank
    bool scaffolds = false;       ///< fill PropertyTable::scaffolds (molecules)
    std::string split_col;        ///< fill PropertyTable::split_values
    /// Fill PropertyTable::valid_flags: true/1/yes or false/0/no (any case),
    /// blank = false; anything else is an InputError naming the line.
    std::string valid_col;
    std::string format = "auto";
};

/// Reads `path`: ids, inputs and targets of every usable row (no features
/// yet). Throws UsageError when a column is missing, IoError when unreadable,
/// InputError for a classification target holding a number other than 0/1
/// (multi-class labels) or a --valid-col value that is not a true/false
/// spelling.
PropertyTable read_property_table(const std::string& path, const TableOptions& options);

/// Raw features of every row; rows the featurizer rejects move to `rejects`.
void featurize_table(PropertyTable& table, const PropertyFeaturizer& featurizer);

/// Bemis-Murcko scaffold (RDKit MurckoDecompose, canonical SMILES) of a
/// SMILES; "" for acyclic molecules; the SMILES itself when unparsable.
std::string murcko_scaffold(const std::string& smiles);

/// Per-target metrics (metrics.hpp task_metrics; missing values skipped) and
/// their mean over targets under "mean". y and pred are [n x T] row-major;
/// multiclass (one target): y holds class indices, pred [n x classes]
/// probabilities (class_metrics.hpp multiclass_metrics); several targets:
/// y [n x T] each target's class index, pred [n x classes] each target's
/// class_counts[j] probabilities one after the other, and "mean" the mean
/// of the targets' metrics.
nlohmann::json evaluate_predictions(const std::string& task,
                                    const std::vector<std::string>& targets,
                                    const std::vector<double>& y, const std::vector<double>& pred,
                                    std::size_t classes = 0,
                                    const std::vector<std::int64_t>& class_counts = {});

/// Writes rejects ("index \t id \t input \t reason" lines) to `path` (TSV
/// with the header index, id, <input_header>, reason) atomically; with
/// `more_header` (e.g. "line"), that is appended to the header, for lines
/// with one more field.
void write_rejects(const std::string& path, const std::vector<std::string>& rejects,
                   const std::string& input_header = "input", const std::string& more_header = "");

/// The words of the reject reason of a censored target value ('<5',
/// '>10', '>= 0.1'), which train counts to warn about them.
constexpr const char* kCensoredReason = "is a censored value";

/// A rejects line: tabs and newlines in the fields become spaces; an SDF
/// mol block shows as shown_smiles(input, line).
std::string reject_line(std::uint64_t index, const std::string& id, const std::string& input,
                        const std::string& reason, std::uint64_t line = 0);

}  // namespace plmkit::pipelines
