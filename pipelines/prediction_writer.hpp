#pragma once
// The two files of `plmkit predict`: the predictions CSV (id, smiles or
// sequence, the model's prediction columns, then the --keep-cols columns)
// and the rejects TSV (index, id, smiles or sequence, reason, then the same
// kept columns). Every value is valid UTF-8: a byte that is not is written
// `\xHH` (as screen and embed write such text), so that Python's csv module
// and pandas read the files; every cell is also put on one line (each tab,
// CR and LF a space), as screen writes them, so a record is one line.
#include <cstdint>
#include <string>
#include <vector>

#include "data/input_reader.hpp"
#include "models/property_model.hpp"
#include "src/csv.hpp"

namespace plmkit::pipelines {

/// The shortest text that reads back as the same double (std::to_chars).
std::string format_prediction(double v);

class PredictionWriter {
  public:
    /// Opens `output` ("-" = stdout) and `rejects` and writes their headers;
    /// `input_name` is smiles or sequence, `kept` the output names of the
    /// --keep-cols columns. With `sdf` the input column shows each record's
    /// canonical SMILES rather than its mol block.
    PredictionWriter(const std::string& output, const std::string& rejects,
                     const models::PropertyModel& model, const std::string& input_name, bool sdf,
                     const std::vector<std::string>& kept);

    /// The predictions CSV's columns before the kept ones.
    static std::vector<std::string> columns(const models::PropertyModel& model,
                                            const std::string& input_name);
    /// The rejects TSV's columns before the kept ones.
    static std::vector<std::string> reject_columns(const std::string& input_name);

    /// A predicted row: the model's outputs `mean` (and `std`, null without a
    /// spread), then the row's `kept` values.
    void prediction(const data::InputRow& row, const double* mean, const double* std,
                    const std::vector<std::string>& kept);
    void reject(const data::InputRow& row, const std::string& why,
                const std::vector<std::string>& kept);

    /// Closes the rejects, then the output: a complete output always has
    /// its rejects.
    void close();

  private:
    const models::PropertyModel& model_;
    bool sdf_;
    std::size_t kept_;
    CsvWriter out_, rejects_;
    std::vector<std::string> fields_;
};

}  // namespace plmkit::pipelines
