#include "models/knn.hpp"

#include "models/flat_tensors.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {

double minmax_similarity(const float* a, const float* b, std::int64_t n) {
    double lo = 0, hi = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        lo += std::min(a[i], b[i]);
        hi += std::max(a[i], b[i]);
    }
    return hi > 0 ? lo / hi : 0.0;
}

namespace {

std::string options_problem(const KnnOptions& o, std::int64_t dim) {
    if (o.k < 1) return "k must be >= 1, got " + std::to_string(o.k);
    if (o.begin < 0 || o.end <= o.begin || o.end > dim)
        return "columns [" + std::to_string(o.begin) + ", " + std::to_string(o.end) +
               ") are not a non-empty range of the " + count_noun(dim, "feature");
    return "";
}

}  // namespace

std::string NearestNeighbours::index() {
    const std::int64_t rows = static_cast<std::int64_t>(indptr_.size()) - 1;
    const std::int64_t width = options_.end - options_.begin;
    if (rows < 1) return "no rows";
    if (indptr_.front() != 0 || indptr_.back() != static_cast<std::int64_t>(columns_.size()) ||
        columns_.size() != values_.size())
        return "the row offsets do not cover the " + count_noun(columns_.size(), "value");
    if (static_cast<std::int64_t>(y_.size()) != rows * targets_ || y_.size() != mask_.size())
        return "targets or mask are not rows x " + std::to_string(targets_);
    sums_.assign(static_cast<std::size_t>(rows), 0.0);
    for (std::int64_t r = 0; r < rows; ++r) {
        if (indptr_[r + 1] < indptr_[r])
            return "row " + std::to_string(r) + " ends before it starts";
        for (std::int32_t i = indptr_[r]; i < indptr_[r + 1]; ++i) {
            if (columns_[i] < 0 || columns_[i] >= width ||
                (i > indptr_[r] && columns_[i] <= columns_[i - 1]))
                return "row " + std::to_string(r) + " has column " + std::to_string(columns_[i]) +
                       " out of order or outside [0, " + std::to_string(width) + ")";
            if (!std::isfinite(values_[i]) || values_[i] <= 0)
                return "row " + std::to_string(r) + " has value " + std::to_string(values_[i]) +
                       " (stored values are finite and > 0)";
            sums_[r] += values_[i];
        }
    }
    labelled_.assign(static_cast<std::size_t>(targets_), {});
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t t = 0; t < targets_; ++t) {
            const float m = mask_[r * targets_ + t];
            if (m != 0 && m != 1) return "mask value " + std::to_string(m) + " is not 0 or 1";
            if (m == 0) continue;
            if (!std::isfinite(y_[r * targets_ + t]))
                return "row " + std::to_string(r) + " has a label that is not a number";
            labelled_[t].push_back(static_cast<std::int32_t>(r));
        }
    for (std::int64_t t = 0; t < targets_; ++t)
        if (labelled_[t].empty()) return "target " + std::to_string(t) + " has no labelled row";
    return "";
}

NearestNeighbours NearestNeighbours::fit(const float* x, const float* y, const float* mask,
                                         std::int64_t n, std::int64_t dim, std::int64_t targets,
                                         const KnnOptions& options) {
    std::string why = options_problem(options, dim);
    if (!why.empty()) throw UsageError("nearest neighbours: " + why);
    NearestNeighbours m;
    m.options_ = options;
    m.dim_ = dim;
    m.targets_ = targets;
    m.indptr_.push_back(0);
    for (std::int64_t r = 0; r < n; ++r) {
        const float* row = x + r * dim;
        for (std::int64_t c = options.begin; c < options.end; ++c) {
            const float v = row[c];
            if (!std::isfinite(v) || v < 0)
                throw UsageError("nearest neighbours: training row " + std::to_string(r) +
                                 ", feature " + std::to_string(c) + " is " + std::to_string(v) +
                                 "; the compared columns must be fingerprint values >= 0");
            if (v == 0) continue;
            m.columns_.push_back(static_cast<std::int32_t>(c - options.begin));
            m.values_.push_back(v);
        }
        m.indptr_.push_back(static_cast<std::int32_t>(m.columns_.size()));
    }
    m.y_.assign(y, y + n * targets);
    m.mask_.assign(mask, mask + n * targets);
    why = m.index();
    if (!why.empty()) throw UsageError("nearest neighbours: " + why);
    return m;
}

NearestNeighbours NearestNeighbours::fit_classes(const float* x, const float* labels,
                                                 const float* mask, std::int64_t n,
                                                 std::int64_t dim, std::int64_t classes,
                                                 const KnnOptions& options) {
    if (classes < 2)
        throw UsageError("nearest neighbours: 2 or more classes expected, got " +
                         std::to_string(classes));
    std::vector<float> y(static_cast<std::size_t>(n * classes), 0.f), m(y.size(), 0.f);
    for (std::int64_t r = 0; r < n; ++r) {
        if (!(mask[r] > 0)) continue;
        const float v = labels[r];
        if (!(v >= 0 && v < static_cast<float>(classes)) || v != std::floor(v))
            throw UsageError("nearest neighbours: training row " + std::to_string(r) +
                             " has class index " + std::to_string(v) + ", expected 0 .. " +
                             std::to_string(classes - 1));
        y[r * classes + static_cast<std::int64_t>(v)] = 1.f;
        std::fill_n(&m[r * classes], classes, 1.f);
    }
    return fit(x, y.data(), m.data(), n, dim, classes, options);
}

bool NearestNeighbours::one_hot() const {
    for (std::size_t r = 0; r < sums_.size(); ++r) {
        double ones = 0;
        int labelled = 0;
        for (std::int64_t t = 0; t < targets_; ++t) {
            const float y = y_[r * targets_ + t];
            if (y != 0 && y != 1) return false;
            ones += y;
            labelled += mask_[r * targets_ + t] > 0 ? 1 : 0;
        }
        if (labelled != 0 && (labelled != targets_ || ones != 1)) return false;
    }
    return true;
}

void NearestNeighbours::predict(const float* x, std::int64_t n, double* out, double* sd) const {
    const std::int64_t T = targets_;
    at::parallel_for(0, n, 16, [&](std::int64_t first, std::int64_t last) {
        for (std::int64_t qi = first; qi < last; ++qi)
            predict_row(x + qi * dim_, out + qi * T, sd ? sd + qi * T : nullptr);
    });
}

void NearestNeighbours::predict_row(const float* row, double* out, double* sd) const {
    const std::int64_t rows = size(), T = targets_;
    const std::int64_t b = options_.begin, width = options_.end - options_.begin;
    const float* q = row + b;
    double qsum = 0;
    for (std::int64_t c = 0; c < width; ++c)
        qsum += std::max(0.0f, q[c]);
    std::vector<double> sim(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r) {
        double lo = 0;
        for (std::int32_t i = indptr_[r]; i < indptr_[r + 1]; ++i)
            lo += std::min(std::max(0.0f, q[columns_[i]]), values_[i]);
        const double hi = qsum + sums_[r] - lo;
        sim[r] = hi > 0 ? lo / hi : 0.0;
    }
    std::vector<std::int32_t> order;
    for (std::int64_t t = 0; t < T; ++t) {
        order = labelled_[t];
        const std::size_t k = std::min<std::size_t>(options_.k, order.size());
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k),
                          order.end(), [&](std::int32_t a, std::int32_t c) {
                              return sim[a] > sim[c] || (sim[a] == sim[c] && a < c);
                          });
        double w = 0;
        for (std::size_t i = 0; i < k; ++i)
            w += sim[order[i]];
        const bool flat = !(w > 0);  // no neighbour shares a column: plain mean
        if (flat) w = static_cast<double>(k);
        double mean = 0;
        for (std::size_t i = 0; i < k; ++i)
            mean += (flat ? 1.0 : sim[order[i]]) * y_[order[i] * T + t];
        mean /= w;
        double var = 0;
        for (std::size_t i = 0; i < k; ++i) {
            const double d = y_[order[i] * T + t] - mean;
            var += (flat ? 1.0 : sim[order[i]]) * d * d;
        }
        out[t] = mean;
        if (sd) sd[t] = std::sqrt(var / w);
    }
}

void NearestNeighbours::to_tensors(std::vector<TensorView>& views,
                                   std::vector<std::vector<char>>& keep) const {
    add_view(views, keep, "knn.indptr", StoredDType::i32, indptr_);
    add_view(views, keep, "knn.columns", StoredDType::i32, columns_);
    add_view(views, keep, "knn.values", StoredDType::f32, values_);
    add_view(views, keep, "knn.targets", StoredDType::f32, y_);
    add_view(views, keep, "knn.mask", StoredDType::f32, mask_);
}

NearestNeighbours NearestNeighbours::from_tensors(const SafetensorsFile& file, std::int64_t dim,
                                                  std::int64_t targets, const KnnOptions& options) {
    std::string why = options_problem(options, dim);
    if (!why.empty()) throw ModelError(file.path() + ": nearest neighbours: " + why);
    NearestNeighbours m;
    m.options_ = options;
    m.dim_ = dim;
    m.targets_ = targets;
    m.indptr_ = read_vector<std::int32_t>(file, "knn.indptr", StoredDType::i32, -1, "rows + 1");
    const auto nnz = static_cast<std::int64_t>(m.indptr_.empty() ? 0 : m.indptr_.back());
    m.columns_ = read_vector<std::int32_t>(file, "knn.columns", StoredDType::i32, nnz);
    m.values_ = read_vector<float>(file, "knn.values", StoredDType::f32, nnz);
    const std::int64_t cells = (static_cast<std::int64_t>(m.indptr_.size()) - 1) * targets;
    m.y_ =
        read_vector<float>(file, "knn.targets", StoredDType::f32, std::max<std::int64_t>(0, cells));
    m.mask_ =
        read_vector<float>(file, "knn.mask", StoredDType::f32, std::max<std::int64_t>(0, cells));
    why = m.index();
    if (!why.empty()) throw ModelError(file.path() + ": nearest neighbours: " + why);
    return m;
}

}  // namespace plmkit::models
