#include "models/mpnn_ensemble.hpp"

#include "models/class_groups.hpp"
#include "models/module_tensors.hpp"

#include <cstring>

#include "src/error.hpp"

namespace plmkit::models {
namespace {

std::string tensor_name(std::size_t k, const std::string& name) {
    return "mpnn." + std::to_string(k) + "." + name;
}

}  // namespace

nlohmann::json mpnn_options_json(const MpnnOptions& o, std::size_t members) {
    return {{"members", members},
            {"graph_features", o.graph_features},
            {"atom_dim", o.encoder.atom_dim},
            {"bond_dim", o.encoder.bond_dim},
            {"hidden", o.encoder.hidden},
            {"depth", o.encoder.depth},
            {"dropout", o.encoder.dropout},
            {"features", o.feature_dim()},
            {"ffn_hidden", o.ffn.hidden},
            {"ffn_dropout", o.ffn.dropout}};
}

MpnnOptions mpnn_options_from_json(const nlohmann::json& j, const std::string& where,
                                   std::size_t* members) {
    try {
        MpnnOptions o;
        *members = j.at("members").get<std::size_t>();
        o.graph_features = j.at("graph_features").get<std::string>();
        o.encoder.atom_dim = j.at("atom_dim").get<std::int64_t>();
        o.encoder.bond_dim = j.at("bond_dim").get<std::int64_t>();
        o.encoder.hidden = j.at("hidden").get<std::int64_t>();
        o.encoder.depth = j.at("depth").get<int>();
        o.encoder.dropout = j.value("dropout", 0.0);
        o.ffn.input_dim = o.encoder.hidden + j.at("features").get<std::int64_t>();
        o.ffn.hidden = j.at("ffn_hidden").get<std::vector<std::int64_t>>();
        o.ffn.dropout = j.value("ffn_dropout", 0.0);
        if (*members == 0 || o.encoder.atom_dim <= 0 || o.encoder.bond_dim <= 0 ||
            o.encoder.hidden <= 0 || o.encoder.depth < 1 || o.feature_dim() < 0)
            throw ModelError(where +
                             ": \"mpnn\" needs members, atom_dim, bond_dim, hidden > 0, "
                             "depth >= 1 and features >= 0");
        return o;
    } catch (const nlohmann::json::exception& e) {
        throw ModelError(where + ": \"mpnn\": " + e.what());
    }
}

MpnnEnsemble::MpnnEnsemble(MpnnOptions options, std::vector<MpnnNet> nets)
    : options_(std::move(options)), nets_(std::move(nets)) {
    if (nets_.empty()) throw ModelError("a message-passing part needs at least one network");
    for (auto& n : nets_) {
        const auto& e = n->encoder()->options();
        const auto& f = n->ffn()->options();
        if (e.atom_dim != options_.encoder.atom_dim || e.bond_dim != options_.encoder.bond_dim ||
            e.hidden != options_.encoder.hidden || e.depth != options_.encoder.depth ||
            f.input_dim != options_.ffn.input_dim || f.hidden != options_.ffn.hidden ||
            f.output_dim != options_.ffn.output_dim)
            throw ModelError("a D-MPNN network's sizes differ from the model's");
        n->eval();
    }
}

MpnnEnsemble MpnnEnsemble::from_tensors(const SafetensorsFile& file, const MpnnOptions& options,
                                        std::size_t members) {
    std::vector<MpnnNet> nets;
    for (std::size_t k = 0; k < members; ++k) {
        MpnnNet net(options.encoder, options.ffn);
        read_parameters(*net, file, tensor_name(k, ""));
        nets.push_back(net);
    }
    return MpnnEnsemble(options, std::move(nets));
}

std::size_t MpnnEnsemble::tensor_count() const {
    return nets_.size() * nets_.front()->named_parameters().size();
}

void MpnnEnsemble::to_tensors(std::vector<TensorView>& views, std::vector<at::Tensor>& keep) const {
    for (std::size_t k = 0; k < nets_.size(); ++k) {
        for (const auto& p : nets_[k]->named_parameters()) {
            at::Tensor t = p.value().detach().to(at::kCPU, at::kFloat).contiguous();
            keep.push_back(t);
            TensorView v;
            v.name = tensor_name(k, p.key());
            v.dtype = StoredDType::f32;
            v.shape.assign(t.sizes().begin(), t.sizes().end());
            v.data = t.data_ptr<float>();
            v.nbytes = static_cast<std::size_t>(t.numel()) * sizeof(float);
            views.push_back(v);
        }
    }
}

void MpnnEnsemble::predict(const std::vector<const MolGraph*>& graphs, const float* x,
                           MpnnLink link, double* mean, double* std,
                           const std::vector<double>& logit_shift,
                           const std::vector<std::int64_t>& class_counts) const {
    at::InferenceMode guard;
    at::Tensor shift;
    if (link != MpnnLink::raw && !logit_shift.empty()) {
        if (static_cast<std::int64_t>(logit_shift.size()) != options_.ffn.output_dim)
            throw Error("MpnnEnsemble::predict: one logit shift per output expected");
        shift = at::tensor(logit_shift, at::kDouble);
    }
    const auto n = static_cast<std::int64_t>(graphs.size());
    const std::int64_t t = options_.ffn.output_dim, f = options_.feature_dim();
    constexpr std::int64_t kBatch = 512;
    for (std::int64_t b0 = 0; b0 < n; b0 += kBatch) {
        const std::int64_t b1 = std::min(n, b0 + kBatch);
        std::vector<const MolGraph*> part(graphs.begin() + b0, graphs.begin() + b1);
        GraphBatch batch =
            collate_graphs(part, options_.encoder.atom_dim, options_.encoder.bond_dim);
        at::Tensor xb;
        if (f > 0) xb = at::from_blob(const_cast<float*>(x + b0 * f), {b1 - b0, f}, at::kFloat);
        std::vector<at::Tensor> outs;
        for (MpnnNet net : nets_) {  // eval mode: forward touches no module state
            at::Tensor o = net->forward(batch, xb).to(at::kDouble);
            if (shift.defined()) o = o + shift;
            if (link == MpnnLink::sigmoid) o = at::sigmoid(o);
            if (link == MpnnLink::softmax) o = softmax_groups(o, class_counts);
            outs.push_back(o);
        }
        at::Tensor all = at::stack(outs);  // [K, rows, T]
        at::Tensor mu = all.mean(0).contiguous();
        at::Tensor sd =
            (outs.size() > 1 ? all.std(0, /*unbiased=*/false) : at::zeros_like(mu)).contiguous();
        const auto cells = static_cast<std::size_t>((b1 - b0) * t);
        std::memcpy(mean + b0 * t, mu.data_ptr<double>(), cells * sizeof(double));
        if (std) std::memcpy(std + b0 * t, sd.data_ptr<double>(), cells * sizeof(double));
    }
}

}  // namespace plmkit::models
