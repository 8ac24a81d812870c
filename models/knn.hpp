#pragma once
// k nearest neighbours on fingerprint columns: the property model's
// similarity part (`--head ...+knn`). The training rows' columns
// [begin, end) of the feature row (the Morgan block: log(1 + count) per
// hashed slot, or bits) are kept sparse; a new row is compared with each by
// the MinMax similarity sum(min(a, b)) / sum(max(a, b)) (Tanimoto on bits),
// and its prediction per target is the similarity-weighted mean of the
// labels of the k most similar rows labelled for that target (class-1
// probability, or the standardized value), with the weighted standard
// deviation of those labels as spread. Rows are predicted on LibTorch's
// intra-op threads; equal similarities go to the row
// stored first, so a prediction does not depend on the thread count.
//
// Multi-class (fit_classes): a label becomes K 0/1 targets (one-hot), so
// the prediction of class c is the similarity-weighted share of class c
// among the k neighbours (the binary case's weighting; the K shares sum to
// 1) and its spread the weighted standard deviation of that 0/1 indicator.
//
// What a chemist checks first on a new compound ("what are its nearest
// known neighbours?") as a model: weak alone, but its errors differ from
// those of trees and MLPs on the whole feature row, so it helps their mean
// (BENCHMARKS.md, BBBP).
#include <cstdint>
#include <string>
#include <vector>

#include "src/safetensors.hpp"

namespace plmkit::models {

struct KnnOptions {
    int k = 5;                        ///< neighbours per prediction
    std::int64_t begin = 0, end = 0;  ///< feature columns compared: [begin, end)
};

/// MinMax similarity of a[0..n) and b[0..n) (values >= 0): sum of the
/// element-wise minima over sum of the maxima, 0 when both are all zero.
double minmax_similarity(const float* a, const float* b, std::int64_t n);

class NearestNeighbours {
  public:
    NearestNeighbours() = default;

    /// Keeps the rows of x[n * dim] (row-major) with targets y[n * T] and
    /// mask[n * T] (0 = missing label: the row is no neighbour for that
    /// target). Throws UsageError for bad options, a negative or non-finite
    /// value in the compared columns, or a target without a labelled row.
    static NearestNeighbours fit(const float* x, const float* y, const float* mask, std::int64_t n,
                                 std::int64_t dim, std::int64_t targets, const KnnOptions& options);
    /// Multi-class: labels[n] class indices (0 .. classes - 1), mask[n] 0
    /// for a row without a label; stored as `classes` one-hot targets, so
    /// num_targets() == classes. Throws UsageError for a label outside.
    static NearestNeighbours fit_classes(const float* x, const float* labels, const float* mask,
                                         std::int64_t n, std::int64_t dim, std::int64_t classes,
                                         const KnnOptions& options);
    /// Whether every labelled row's targets are one-hot (a multi-class
    /// model's neighbours).
    bool one_hot() const;

    const KnnOptions& options() const { return options_; }
    std::int64_t input_dim() const { return dim_; }
    std::int64_t num_targets() const { return targets_; }
    std::int64_t size() const { return static_cast<std::int64_t>(sums_.size()); }

    /// out[n * T] the weighted mean of the neighbours' labels, sd[n * T]
    /// (may be null) their weighted standard deviation. Rows are not checked
    /// for NaN here.
    void predict(const float* x, std::int64_t n, double* out, double* sd) const;

    /// Tensors "knn.indptr" (I32 [rows + 1]), "knn.columns" (I32 [nonzeros],
    /// relative to begin), "knn.values" (F32 [nonzeros]), "knn.targets" and
    /// "knn.mask" (F32 [rows * T]); `keep` holds the data the views point to.
    void to_tensors(std::vector<TensorView>& views, std::vector<std::vector<char>>& keep) const;
    /// Reads them back, checking dtypes, sizes, columns, values and labels
    /// against `options` (from config.json). Throws ModelError naming the file.
    static NearestNeighbours from_tensors(const SafetensorsFile& file, std::int64_t dim,
                                          std::int64_t targets, const KnnOptions& options);
    static std::size_t tensor_count() { return 5; }

  private:
    /// Checks the stored rows and fills sums_ and labelled_; returns "" or
    /// what is wrong.
    std::string index();
    /// predict for one row: out[T], sd[T] (may be null).
    void predict_row(const float* row, double* out, double* sd) const;

    KnnOptions options_;
    std::int64_t dim_ = 0, targets_ = 0;
    std::vector<std::int32_t> indptr_, columns_;  ///< CSR of the compared columns
    std::vector<float> values_;
    std::vector<float> y_, mask_;                      ///< [rows * T]
    std::vector<double> sums_;                         ///< per row: sum of its values
    std::vector<std::vector<std::int32_t>> labelled_;  ///< per target: rows with a label
};

}  // namespace plmkit::models
