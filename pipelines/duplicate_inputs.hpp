#pragma once
// Rows of a training table that hold the same molecule (canonical SMILES) or
// protein sequence as an earlier row. A random split puts the copies of a
// molecule in different sets, so the valid and test metrics then score
// molecules the model trained on (optimistic figures, and early stopping
// chosen on them); copies with different values are noise the user may not
// know about. train warns once and records the counts in metrics.json.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "pipelines/property_table.hpp"

namespace plmkit::pipelines {

struct DuplicateInputs {
    /// Rows whose input an earlier row has.
    std::uint64_t repeats = 0;
    /// Valid and test rows whose input is also a training row's.
    std::uint64_t held_out_in_train = 0;
    /// Repeats with a value that differs from the first copy's, on a target
    /// both have labelled.
    std::uint64_t conflicting = 0;
    /// (row, its first copy's row) of the first few repeats, as table rows.
    std::vector<std::pair<std::size_t, std::size_t>> examples;
    /// metrics.json's "duplicates": {"rows", "held_out_in_train", "conflicting"}.
    nlohmann::json to_json() const;
};

/// Groups rows by `keys` (one per row). `sets` holds each row's set
/// (data::SplitSet; below 0 for none), `targets` the rows' values [n x
/// num_targets] (NaN = missing).
DuplicateInputs find_duplicate_inputs(const std::vector<std::string>& keys,
                                      const std::vector<int>& sets,
                                      const std::vector<double>& targets, std::size_t num_targets);

/// The canonical SMILES of a molecule input (a SMILES or an SDF mol block);
/// the input itself when RDKit cannot parse it.
std::string canonical_molecule_key(const std::string& input);

/// "" without repeats; else the warning (without "plmkit: warning: ") that
/// names the first repeats by data row and id and says what they do.
std::string duplicate_inputs_warning(const DuplicateInputs& d, const PropertyTable& t,
                                     bool molecules);

/// Finds the table's repeated inputs (canonical SMILES for molecules, the
/// sequence for proteins), warns once when there are any, and returns
/// metrics.json's "duplicates".
nlohmann::json check_duplicate_inputs(const PropertyTable& t, const std::vector<int>& sets,
                                      bool molecules);

}  // namespace plmkit::pipelines
