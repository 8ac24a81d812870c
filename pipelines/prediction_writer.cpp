#include "pipelines/prediction_writer.hpp"

#include <charconv>

#include "models/class_metrics.hpp"
#include "pipelines/class_labels.hpp"
#include "pipelines/mol_parse.hpp"
#include "src/utf8.hpp"

namespace plmkit::pipelines {
namespace {

/// A multiclass row's fields: per target the most probable class (the
/// first on ties), then its classes' probabilities (and spreads, `std` not
/// null), from the row's outputs `mean` (and `std`).
void class_fields(const models::PropertyModelConfig& c, const double* mean, const double* std,
                  std::vector<std::string>& fields) {
    for (std::size_t j = 0; j < c.targets.size(); ++j) {
        const std::size_t b = c.class_offset(j);
        const auto k = static_cast<std::size_t>(c.class_counts.at(j));
        fields.push_back(c.classes[b + models::predicted_class(mean + b, k)]);
        for (std::size_t i = b; i < b + k; ++i) {
            fields.push_back(format_prediction(mean[i]));
            if (std) fields.push_back(format_prediction(std[i]));
        }
    }
}

/// What the output's smiles|sequence column shows: the input, or for an SDF
/// record the canonical SMILES of its molecule (where it starts when RDKit
/// cannot parse it).
std::string shown_input(const data::InputRow& r, bool sdf) {
    return sdf ? shown_smiles(r.input, r.line) : r.input;
}

}  // namespace

/// So that rows with different predictions never tie in the CSV and metrics
/// recomputed from it match `evaluate` when the rows went through the model
/// in the same batches (--chunk and --threads change the order of the sums:
/// ~1e-6 relative differences). A fixed 9 digits (%.9g) was not enough: the
/// float32 output is unstandardized (x * sd + mean) or put through the
/// sigmoid in double, and two outputs one float32 step apart near 0 became
/// one value, which moved Spearman recomputed from the CSV by 2e-6.
std::string format_prediction(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

PredictionWriter::PredictionWriter(const std::string& output, const std::string& rejects,
                                   const models::PropertyModel& model,
                                   const std::string& input_name, bool sdf,
                                   const std::vector<std::string>& kept)
    : model_(model), sdf_(sdf), kept_(kept.size()), out_(output), rejects_(rejects, '\t') {
    std::vector<std::string> h = columns(model, input_name);
    h.insert(h.end(), kept.begin(), kept.end());
    out_.header(h);
    h = reject_columns(input_name);
    h.insert(h.end(), kept.begin(), kept.end());
    rejects_.header(h);
}

std::vector<std::string> PredictionWriter::columns(const models::PropertyModel& m,
                                                   const std::string& input_name) {
    std::vector<std::string> h = {"id", input_name};
    const auto& c = m.config();
    if (c.task == "multiclass") {
        // Per target, the predicted class, then each class's probability
        // (and spread).
        for (std::size_t j = 0; j < c.targets.size(); ++j) {
            h.push_back(c.targets[j]);
            for (const auto& col : class_columns(c.targets[j], c.target_classes(j))) {
                h.push_back(col);
                if (m.has_spread()) h.push_back(col + "_std");
            }
        }
        return h;
    }
    for (const auto& t : c.targets) {
        h.push_back(t);
        if (m.has_spread()) h.push_back(t + "_std");
    }
    return h;
}

std::vector<std::string> PredictionWriter::reject_columns(const std::string& input_name) {
    return {"index", "id", input_name, "reason"};
}

void PredictionWriter::prediction(const data::InputRow& row, const double* mean, const double* std,
                                  const std::vector<std::string>& kept) {
    // Every cell on one line, as screen writes its hits (an id quoted over
    // two lines in the input has its line break as a space).
    fields_.assign({one_line_utf8(row.id), one_line_utf8(shown_input(row, sdf_))});
    const auto& c = model_.config();
    if (c.task == "multiclass") {
        class_fields(c, mean, std, fields_);
    } else {
        for (std::size_t j = 0; j < model_.num_outputs(); ++j) {
            fields_.push_back(format_prediction(mean[j]));
            if (std) fields_.push_back(format_prediction(std[j]));
        }
    }
    // Kept values too (a multi-line SD value's lines joined by spaces).
    for (std::size_t k = 0; k < kept_; ++k)
        fields_.push_back(k < kept.size() ? one_line_utf8(kept[k]) : std::string());
    out_.row(fields_);
}

void PredictionWriter::reject(const data::InputRow& row, const std::string& why,
                              const std::vector<std::string>& kept) {
    fields_.assign({std::to_string(row.index), one_line_utf8(row.id),
                    one_line_utf8(shown_input(row, sdf_)),
                    one_line_utf8(sdf_ ? mol_block_reason(row.input, why, row.line) : why)});
    for (std::size_t k = 0; k < kept_; ++k)
        fields_.push_back(k < kept.size() ? one_line_utf8(kept[k]) : std::string());
    rejects_.row(fields_);
}

void PredictionWriter::close() {
    rejects_.close();
    out_.close();
}

}  // namespace plmkit::pipelines
