#pragma once
// The steps of the screening pipeline, in order; a reject names the step
// that removed the record (rejects.tsv `step` column, summary.json counts).
#include <string>

namespace plmkit::pipelines {

/// Steps in pipeline order; a reject names the step that removed the record.
enum class ScreenStep : int {
    read = 0,     ///< the reader could not use the record (e.g. no SMILES column)
    parse,        ///< RDKit parsing and sanitization
    standardize,  ///< MolStandardize
    dedupe,       ///< canonical SMILES seen before
    descriptors,  ///< descriptor computation (rejects only on an RDKit error)
    filter,       ///< property ranges, Lipinski, Veber, catalogs, SMARTS
    similarity,   ///< below the reference-set similarity threshold
    score,        ///< (never rejects)
    top,          ///< cut by --top K
    count_        ///< number of steps
};
constexpr int kScreenSteps = static_cast<int>(ScreenStep::count_);
const char* step_name(ScreenStep step);
/// Inverse of step_name (throws InputError for an unknown name).
ScreenStep step_from_name(const std::string& name);

/// True for a reject that left before dedupe, so that its key never entered
/// the dedupe index: read, parse and standardize rejects, and the filter
/// step's `elements` rule, which runs right after standardization
/// (pipelines/element_filter.hpp).
inline bool rejected_before_dedupe(ScreenStep step, const std::string& reason) {
    return step == ScreenStep::read || step == ScreenStep::parse ||
           step == ScreenStep::standardize ||
           (step == ScreenStep::filter && reason.rfind("elements: ", 0) == 0);
}

}  // namespace plmkit::pipelines
