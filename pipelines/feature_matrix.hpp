#pragma once
// A featurizer's output for a batch of inputs: a row-major float matrix
// [rows, dim] in input order, plus one error string per row ("" = ok). A
// rejected row holds NaN and its reason; the caller sends it to the rejects.
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "models/mol_graph.hpp"

namespace plmkit::pipelines {

struct FeatureMatrix {
    std::size_t rows = 0;
    std::size_t dim = 0;
    std::vector<float> values;        ///< rows * dim
    std::vector<std::string> errors;  ///< rows entries, "" when the row is valid
    /// Molecular graphs per row, when the featurizer was asked for them
    /// (PropertyFeaturizer::keep_graphs); empty otherwise.
    std::vector<models::MolGraph> graphs;

    const float* row(std::size_t i) const { return values.data() + i * dim; }
    bool ok(std::size_t i) const { return errors[i].empty(); }
    std::size_t rejected() const {
        std::size_t n = 0;
        for (const auto& e : errors)
            n += !e.empty();
        return n;
    }
};

/// A [rows, dim] matrix of NaN with no errors yet.
inline FeatureMatrix nan_feature_matrix(std::size_t rows, std::size_t dim) {
    FeatureMatrix fm;
    fm.rows = rows;
    fm.dim = dim;
    fm.values.assign(rows * dim, std::numeric_limits<float>::quiet_NaN());
    fm.errors.assign(rows, "");
    return fm;
}

}  // namespace plmkit::pipelines
