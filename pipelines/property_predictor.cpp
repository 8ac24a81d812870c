#include "pipelines/property_predictor.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "pipelines/encoder_spec.hpp"
#include "pipelines/mol_graph_builder.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit::pipelines {
namespace {

FeaturizerRuntime with_base(FeaturizerRuntime rt, const std::string& dir) {
    if (rt.base_dir.empty()) rt.base_dir = dir;
    return rt;
}

/// A model's D-MPNNs must take graphs this build makes (its own layout, or
/// plmkit-graph-2's, which differs only for SD "either" double bonds).
void check_graphs(const models::PropertyModel& model, PropertyFeaturizer& f) {
    const auto& o = model.config().mpnn;
    const std::optional<MolGraphOptions> layout = mol_graph_options(o.graph_features);
    if (!layout || o.encoder.atom_dim != kAtomFeatures || o.encoder.bond_dim != kBondFeatures)
        throw ModelError("the model's D-MPNNs take molecular graphs '" + o.graph_features +
                         "' with " + std::to_string(o.encoder.atom_dim) + " atom and " +
                         std::to_string(o.encoder.bond_dim) + " bond features; this build makes '" +
                         kGraphFeatures + "' (and plmkit-graph-2) with " +
                         std::to_string(kAtomFeatures) + " and " + std::to_string(kBondFeatures));
    if (!f.makes_graphs())
        throw ModelError("the model has D-MPNNs but its featurizer (" + f.name() +
                         ") gives no molecular graphs");
    f.keep_graphs(true);
    f.set_graph_options(*layout);
}

std::vector<const models::MolGraph*> graph_pointers(const std::vector<models::MolGraph>& graphs,
                                                    const std::vector<std::size_t>& where) {
    std::vector<const models::MolGraph*> out;
    for (std::size_t i : where)
        out.push_back(&graphs[i]);
    return out;
}

/// --dtype and --device set how ESM-2 runs; for a model of another
/// featurizer a note says they are not used rather than ignoring them.
void note_unused_runtime(const std::string& featurizer, const FeaturizerRuntime& rt) {
    if (featurizer == "esm") return;
    const std::string what = "this model's featurizer (" + featurizer + ")";
    if (rt.dtype_given && rt.dtype != ComputeDType::f32)
        log_info("note: --dtype " + to_string(rt.dtype) + " applies to ESM-2 features; " + what +
                 " computes in fp32");
    if (rt.device.kind == DeviceKind::cuda)
        log_info("note: --device " + to_string(rt.device) + " applies to ESM-2; " + what +
                 " and the model's heads run on the CPU");
}

/// A value as the reason shows it ("nan", "inf", "-inf", or the number).
std::string shown_value(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

}  // namespace

std::string probabilities_note(const models::PropertyModel& model) {
    const auto& c = model.config();
    if (model.probabilities() != models::Probabilities::prior || !c.class_prior) return "";
    std::string weighted, as_trained;
    for (const auto& part : models::head_parts(c.head)) {
        std::string& list = c.class_prior->weighted(part) ? weighted : as_trained;
        list += (list.empty() ? "" : ", ") + part;
    }
    const std::string balance =
        c.task == "multiclass" ? "class frequencies" : "positive rate of each target";
    if (weighted.empty())
        return "prior probabilities: no part of this model was trained with class weights, so "
               "its probabilities are already at the training rows' " +
               balance + " (as trained)";
    const std::string corrected = "prior probabilities: the " + weighted + " part" +
                                  (weighted.find(',') == std::string::npos ? "" : "s") +
                                  " corrected from balanced classes to the training rows' " +
                                  balance;
    if (as_trained.empty()) return corrected;
    return corrected + ", before the parts are averaged; the " + as_trained + " part" +
           (as_trained.find(',') == std::string::npos ? "" : "s") + " (unweighted) as trained";
}

std::string non_finite_output(const models::PropertyModel& model, const double* mean,
                              const double* std) {
    const auto& c = model.config();
    for (std::size_t j = 0; j < c.num_outputs(); ++j) {
        if (std::isfinite(mean[j]) && (!std || std::isfinite(std[j]))) continue;
        const bool bad_mean = !std::isfinite(mean[j]);
        std::size_t target = 0;  // multiclass: the target whose class output j is
        while (c.task == "multiclass" && target + 1 < c.targets.size() &&
               j >= c.class_offset(target + 1))
            ++target;
        const std::string what =
            c.task == "multiclass" ? c.targets[target] + "' class '" + c.classes[j] : c.targets[j];
        return "the model's output is not finite (NaN/inf): target '" + what + "' " +
               (bad_mean ? "= " + shown_value(mean[j]) : "std = " + shown_value(std[j])) +
               " (damaged weights, or features far outside the training data?)";
    }
    return "";
}

PropertyPredictor::PropertyPredictor(const std::string& model_dir, const FeaturizerRuntime& runtime)
    : model_(models::PropertyModel::load(model_dir)) {
    try {
        load_featurizers(with_base(runtime, model_dir));
    } catch (const ModelError& e) {
        // Name the file the description came from.
        throw ModelError(model_dir + "/config.json: " + e.what());
    }
}

PropertyPredictor::PropertyPredictor(models::PropertyModel model, const FeaturizerRuntime& runtime)
    : model_(std::move(model)) {
    load_featurizers(runtime);
}

void PropertyPredictor::load_featurizers(const FeaturizerRuntime& runtime) {
    const auto& desc = model_.config().featurizer;
    if (model_.config().member_encoders) {
        EncoderSpec spec = EncoderSpec::from_json(desc, runtime);
        for (const auto& state : model_.encoders())
            featurizers_.push_back(spec.member_featurizer(state, runtime));
    } else {
        featurizers_.push_back(PropertyFeaturizer::from_json(desc, runtime));
    }
    note_unused_runtime(desc.value("name", std::string()), runtime);
    if (model_.mpnn()) check_graphs(model_, *featurizers_.front());
    if (static_cast<std::int64_t>(featurizer().dim()) != model_.input_dim())
        throw ModelError("the model's featurizer (" + featurizer().name() + ") gives " +
                         std::to_string(featurizer().dim()) + " features, its heads expect " +
                         std::to_string(model_.input_dim()));
}

PropertyPredictor::~PropertyPredictor() = default;
PropertyPredictor::PropertyPredictor(PropertyPredictor&&) noexcept = default;

void PropertyPredictor::predict_raw(float* rows, std::size_t n, double* mean, double* std,
                                    const std::vector<models::MolGraph>* graphs) const {
    if (!shared_features())
        throw Error("PropertyPredictor::predict_raw: the members have their own encoders");
    const std::size_t d = featurizer().dim();
    for (std::size_t i = 0; i < n; ++i)
        featurizer().normalize(rows + i * d);
    std::vector<const models::MolGraph*> g;
    if (graphs)
        for (const auto& graph : *graphs)
            g.push_back(&graph);
    model_.predict(rows, static_cast<std::int64_t>(n), mean, std, graphs ? &g : nullptr);
}

Predictions PropertyPredictor::predict(const std::vector<std::string>& inputs) const {
    std::vector<FeatureMatrix> fm;
    for (const auto& f : featurizers_)
        fm.push_back(f->featurize(inputs));
    Predictions p;
    p.rows = inputs.size();
    p.targets = model_.num_outputs();
    p.mean.assign(p.rows * p.targets, std::numeric_limits<double>::quiet_NaN());
    p.std.assign(p.rows * p.targets, std::numeric_limits<double>::quiet_NaN());
    p.errors = fm.front().errors;  // the same tokenization for every member
    // Only the rows that featurized go through the heads.
    std::vector<std::size_t> where;
    for (std::size_t i = 0; i < p.rows; ++i)
        if (p.errors[i].empty()) where.push_back(i);
    const std::size_t d = featurizer().dim();
    std::vector<std::vector<float>> ok(fm.size());
    std::vector<const float*> x;
    for (std::size_t k = 0; k < fm.size(); ++k) {
        ok[k].reserve(where.size() * d);
        for (std::size_t i : where) {
            ok[k].insert(ok[k].end(), fm[k].row(i), fm[k].row(i) + d);
            featurizers_[k]->normalize(ok[k].data() + ok[k].size() - d);
        }
        x.push_back(ok[k].data());
    }
    std::vector<double> mean(where.size() * p.targets), sd(where.size() * p.targets);
    std::vector<const models::MolGraph*> graphs;
    if (model_.mpnn()) graphs = graph_pointers(fm.front().graphs, where);
    model_.predict_members(x, static_cast<std::int64_t>(where.size()), mean.data(), sd.data(),
                           model_.mpnn() ? &graphs : nullptr);
    for (std::size_t k = 0; k < where.size(); ++k) {
        for (std::size_t j = 0; j < p.targets; ++j) {
            p.mean[where[k] * p.targets + j] = mean[k * p.targets + j];
            p.std[where[k] * p.targets + j] = sd[k * p.targets + j];
        }
        p.errors[where[k]] = non_finite_output(model_, &mean[k * p.targets], &sd[k * p.targets]);
    }
    return p;
}

std::string PropertyPredictor::predict_molecule(const RDKit::ROMol& mol, const std::string& smiles,
                                                double* mean, double* std,
                                                const std::vector<double>* screen_row) const {
    const std::size_t d = featurizer().dim();
    std::vector<std::vector<float>> rows(featurizers_.size(), std::vector<float>(d));
    std::vector<const float*> x;
    for (std::size_t k = 0; k < featurizers_.size(); ++k) {
        if (!(screen_row &&
              featurizers_[k]->features_from_screen_row(mol, *screen_row, rows[k].data()))) {
            std::string why = featurizers_[k]->featurize_molecule(mol, smiles, rows[k].data());
            if (!why.empty()) return why;
        }
        featurizers_[k]->normalize(rows[k].data());
        x.push_back(rows[k].data());
    }
    if (!model_.mpnn()) {
        model_.predict_members(x, 1, mean, std);
        return non_finite_output(model_, mean, std);
    }
    models::MolGraph graph;
    std::string why = featurizer().molecule_graph(mol, &graph);
    if (!why.empty()) return why;
    const std::vector<const models::MolGraph*> graphs{&graph};
    model_.predict_members(x, 1, mean, std, &graphs);
    return non_finite_output(model_, mean, std);
}

}  // namespace plmkit::pipelines
