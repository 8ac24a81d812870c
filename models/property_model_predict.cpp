// PropertyModel::predict (models/property_model.hpp): each part's mean and
// spread (the MLP ensemble's from property_model_mlp.cpp), in the original
// units, then their weighted mean and spread, NaN for rows with a NaN
// feature.
#include "models/property_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "src/error.hpp"

namespace plmkit::models {
namespace {

/// Each part's predictions for the n rows, in the order they were added.
struct PartPredictions {
    std::size_t cells = 0;  ///< rows * outputs
    std::vector<std::vector<double>> means, sds;
    std::vector<double> weights;  ///< each part's, in the order of means

    /// A slot for the next part: its weight, mean and spread (0 unless filled).
    void add(double weight) {
        weights.push_back(weight);
        means.emplace_back(cells);
        sds.emplace_back(cells, 0.0);
    }
    double* mean() { return means.back().data(); }
    double* sd() { return sds.back().data(); }
};

/// The parts' weighted mean and spread into mean[cells] and std[cells] (std
/// may be null); NaN for each row of x[n * dim] with a NaN feature.
void combine_parts(const PartPredictions& p, const float* x, std::int64_t n, std::int64_t dim,
                   std::size_t t, double* mean, double* std) {
    std::vector<char> bad(static_cast<std::size_t>(n), 0);
    for (std::int64_t r = 0; r < n; ++r)
        for (std::int64_t c = 0; c < dim; ++c)
            if (std::isnan(x[r * dim + c])) bad[r] = 1;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    double total = 0;
    for (double w : p.weights)
        total += w;
    const auto& means = p.means;
    for (std::size_t i = 0; i < p.cells; ++i) {
        double mu = means[0][i], sd = p.sds[0][i];
        if (means.size() > 1) {
            mu = 0;
            for (std::size_t k = 0; k < means.size(); ++k)
                mu += p.weights[k] * means[k][i];
            mu /= total;
            double var = 0;
            for (std::size_t k = 0; k < means.size(); ++k)
                var += p.weights[k] * (means[k][i] - mu) * (means[k][i] - mu);
            sd = std::sqrt(var / total);
        }
        const bool b = bad[i / t];
        mean[i] = b ? nan : mu;
        if (std) std[i] = b ? nan : sd;
    }
}

}  // namespace

void PropertyModel::predict(const float* x, std::int64_t n, double* mean, double* std,
                            const std::vector<const MolGraph*>* graphs) const {
    predict_members({x}, n, mean, std, graphs);
}

void PropertyModel::predict_members(const std::vector<const float*>& x_in, std::int64_t n,
                                    double* mean, double* std,
                                    const std::vector<const MolGraph*>* graphs) const {
    if (n == 0) return;
    if (mpnn_ && (!graphs || static_cast<std::int64_t>(graphs->size()) != n))
        throw Error("PropertyModel::predict: the model's D-MPNNs need one graph per row");
    std::vector<const float*> x = x_in;
    if (x.size() == 1 && members_.size() > 1) x.assign(members_.size(), x.front());
    if (x.size() != std::max<std::size_t>(1, members_.size()))
        throw Error("PropertyModel::predict_members: one feature matrix per member expected");
    if (!forest_ && !gbm_ && !mpnn_ && !knn_) return predict_mlp(x, n, mean, std);
    const std::size_t t = num_outputs();
    PartPredictions p;
    p.cells = static_cast<std::size_t>(n) * t;
    // Regression parts other than the MLPs predict standardized targets.
    auto unstandardize = [&] {
        if (config_.task != "regression" || config_.target_mean.empty()) return;
        double *m = p.mean(), *s = p.sd();
        for (std::size_t i = 0; i < p.cells; ++i) {
            m[i] = m[i] * config_.target_std[i % t] + config_.target_mean[i % t];
            s[i] *= config_.target_std[i % t];
        }
    };
    if (!members_.empty()) {
        p.add(config_.part_weight("mlp"));
        predict_mlp(x, n, p.mean(), p.sd());
    }
    const float* x0 = x.front();
    if (forest_) {
        p.add(config_.part_weight("forest"));
        forest_->predict(x0, n, p.mean(), p.sd());
        unstandardize();
    }
    if (gbm_) {
        p.add(config_.part_weight("gbm"));
        gbm_->predict(x0, n, p.mean());
        unstandardize();
    }
    if (mpnn_) {
        p.add(config_.part_weight("mpnn"));
        const MpnnLink link = config_.task == "multiclass"       ? MpnnLink::softmax
                              : config_.task == "classification" ? MpnnLink::sigmoid
                                                                 : MpnnLink::raw;
        mpnn_->predict(*graphs, x0, link, p.mean(), p.sd(), mpnn_shift_, config_.class_counts);
        unstandardize();
    }
    if (knn_) {
        p.add(config_.part_weight("knn"));
        knn_->predict(x0, n, p.mean(), p.sd());
        unstandardize();
    }
    combine_parts(p, x0, n, input_dim(), t, mean, std);
}

}  // namespace plmkit::models
