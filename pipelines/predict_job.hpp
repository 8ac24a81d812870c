#pragma once
// `plmkit predict`: predictions of a trained property model for a library,
// streamed in chunks (memory flat in the input size). Output CSV columns:
// id, the input (smiles or sequence), then per target `<target>` (the
// ensemble mean: a value in the target's units, or a probability for
// classification) and, with an ensemble, `<target>_std`; a multiclass model
// writes the predicted class as `<target>`, then `<target>_prob_<class>`
// per class (class_labels.hpp class_columns), each with its `_std` when the
// model has a spread; then the --keep-cols columns of the input. Rows that
// cannot be read or featurized go to the rejects TSV (index, id, input,
// reason, then the kept columns); every input row is in exactly one of the
// two files (pipelines/prediction_writer.hpp).
//
// `plmkit evaluate`: the model's metrics (metrics.hpp) on a labelled table;
// rows that cannot be scored go to its rejects TSV, with the reason.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipelines/property_featurizer.hpp"

namespace plmkit::pipelines {

struct PredictOptions {
    std::string model;   ///< model directory (plmkit train)
    std::string input;   ///< CSV/TSV/.smi/.sdf for molecules; FASTA or CSV for proteins
    std::string output;  ///< CSV ("-" = stdout)
    /// Rejects TSV; "" = <output stem>.rejects.tsv, or with output "-"
    /// <input stem>.rejects.tsv in the current directory.
    std::string rejects;
    std::string input_col;  ///< "" = the column the model was trained on
    std::string id_col;     ///< "" = auto
    std::string format = "auto";
    std::size_t chunk = 4096;  ///< rows featurized and predicted at a time
    /// --keep-cols: input columns / SD tags written after predict's own
    /// columns in both files ({"all"}: every column but the input and id;
    /// pipelines/kept_columns.hpp). Refused for FASTA input.
    std::vector<std::string> keep_cols;
    /// --probabilities: as-trained | prior (models/class_prior.hpp).
    std::string probabilities = "as-trained";
    FeaturizerRuntime runtime;
    bool progress = true;
};

struct PredictSummary {
    std::uint64_t records = 0, predicted = 0, rejected = 0;
    std::uint64_t non_finite = 0;  ///< of `rejected`: the model's output was NaN/inf
    /// ESM-2 models: the model's --truncate (0 for other models) and how many
    /// predicted sequences were longer (only their first residues embedded;
    /// a warning says so).
    std::size_t truncate = 0;
    std::uint64_t truncated = 0;
    double seconds = 0;
    std::string rejects_path;
    std::string first_reject;  ///< "record <n> (id '<id>'): <reason>" of the first reject
};

/// Throws UsageError for a .txt input without --format (a SMILES list or a
/// table?), InputError when no record could be predicted (the rejects are
/// written, the output removed), a header-only input included.
PredictSummary run_predict(const PredictOptions& options);

struct EvaluateOptions {
    std::string model;
    std::string data;
    std::string output = "-";  ///< where the CLI writes the JSON (names the default rejects)
    /// Rejected rows TSV; "" = <output stem>.rejects.tsv, or with output "-"
    /// <data stem>.rejects.tsv in the current directory (then written only
    /// when a row is rejected).
    std::string rejects;
    std::string input_col;  ///< "" = the model's
    std::string id_col;
    std::vector<std::string> target_cols;  ///< empty = the model's targets (same order)
    /// Score only the rows the model's split.csv puts in these sets (train,
    /// valid, test, none; eval_split.hpp); empty = every row.
    std::vector<std::string> split_sets;
    std::string format = "auto";
    /// --probabilities: as-trained | prior (models/class_prior.hpp).
    std::string probabilities = "as-trained";
    FeaturizerRuntime runtime;
};

/// {"model", "data", "task", "targets", "probabilities" (classifiers: as-trained
/// or prior), "n", "rejected", "rejects" (the
/// rejects TSV: index, id, input, reason; null if not written), "metrics": {per target +
/// "mean"}}, and with split_sets "split" (EvalSplit::to_json). A row whose prediction is not finite
/// (NaN/inf) is rejected, not scored (a warning says so once). Throws UsageError when the table
/// lacks a target column, InputError (after writing the rejects) when no row can be scored.
nlohmann::json run_evaluate(const EvaluateOptions& options);

}  // namespace plmkit::pipelines
