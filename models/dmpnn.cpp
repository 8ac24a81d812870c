#include "models/dmpnn.hpp"

#include <torch/nn/functional/dropout.h>

#include <algorithm>

#include "src/error.hpp"
#include "src/strings.hpp"

namespace plmkit::models {

GraphBatch collate_graphs(const std::vector<const MolGraph*>& graphs, std::int64_t atom_dim,
                          std::int64_t bond_dim) {
    std::int64_t atoms = 0, bonds = 0;
    for (const auto* g : graphs) {
        if (static_cast<std::int64_t>(g->atom_features.size()) != g->atoms * atom_dim ||
            static_cast<std::int64_t>(g->bond_features.size()) !=
                static_cast<std::int64_t>(g->bonds()) * bond_dim ||
            g->to.size() != g->bonds() || g->bonds() % 2 != 0)
            throw Error("molecular graph of " + count_noun(g->atoms, "atom") + " and " +
                        count_noun(g->bonds(), "directed bond") + " does not have " +
                        std::to_string(atom_dim) + " atom and " + std::to_string(bond_dim) +
                        " bond features each");
        atoms += g->atoms;
        bonds += static_cast<std::int64_t>(g->bonds());
    }
    GraphBatch b;
    b.graphs = static_cast<std::int64_t>(graphs.size());
    b.atom_x = at::empty({atoms, atom_dim}, at::kFloat);
    b.bond_in = at::empty({bonds, atom_dim + bond_dim}, at::kFloat);
    b.from = at::empty({bonds}, at::kLong);
    b.to = at::empty({bonds}, at::kLong);
    b.reverse = at::empty({bonds}, at::kLong);
    b.atom_mol = at::empty({atoms}, at::kLong);
    b.mol_atoms = at::empty({b.graphs, 1}, at::kFloat);
    float* ax = b.atom_x.data_ptr<float>();
    float* bx = b.bond_in.data_ptr<float>();
    std::int64_t *from = b.from.data_ptr<std::int64_t>(), *to = b.to.data_ptr<std::int64_t>();
    std::int64_t *rev = b.reverse.data_ptr<std::int64_t>(),
                 *am = b.atom_mol.data_ptr<std::int64_t>();
    float* ma = b.mol_atoms.data_ptr<float>();
    std::int64_t a0 = 0, b0 = 0;
    for (std::int64_t m = 0; m < b.graphs; ++m) {
        const MolGraph& g = *graphs[m];
        std::copy(g.atom_features.begin(), g.atom_features.end(), ax + a0 * atom_dim);
        for (std::int32_t a = 0; a < g.atoms; ++a)
            am[a0 + a] = m;
        ma[m] = static_cast<float>(std::max<std::int32_t>(1, g.atoms));
        for (std::size_t e = 0; e < g.bonds(); ++e) {
            const std::int64_t k = b0 + static_cast<std::int64_t>(e);
            if (g.from[e] < 0 || g.from[e] >= g.atoms || g.to[e] < 0 || g.to[e] >= g.atoms)
                throw Error("molecular graph: bond " + std::to_string(e) + " names atom " +
                            std::to_string(std::max(g.from[e], g.to[e])) + " of " +
                            std::to_string(g.atoms));
            from[k] = a0 + g.from[e];
            to[k] = a0 + g.to[e];
            rev[k] = b0 + static_cast<std::int64_t>(e ^ 1U);
            float* row = bx + k * (atom_dim + bond_dim);
            std::copy_n(&g.atom_features[static_cast<std::size_t>(g.from[e] * atom_dim)], atom_dim,
                        row);
            std::copy_n(&g.bond_features[e * static_cast<std::size_t>(bond_dim)], bond_dim,
                        row + atom_dim);
        }
        a0 += g.atoms;
        b0 += static_cast<std::int64_t>(g.bonds());
    }
    return b;
}

DmpnnImpl::DmpnnImpl(const DmpnnOptions& options) : options_(options) {
    if (options_.atom_dim <= 0 || options_.bond_dim <= 0 || options_.hidden <= 0 ||
        options_.depth < 1)
        throw Error("D-MPNN needs atom and bond feature sizes, hidden size > 0 and depth >= 1");
    const std::int64_t h = options_.hidden;
    W_i = register_module(
        "W_i", torch::nn::Linear(
                   torch::nn::LinearOptions(options_.atom_dim + options_.bond_dim, h).bias(false)));
    W_h = register_module("W_h", torch::nn::Linear(torch::nn::LinearOptions(h, h).bias(false)));
    W_o = register_module("W_o", torch::nn::Linear(options_.atom_dim + h, h));
}

at::Tensor DmpnnImpl::forward(const GraphBatch& b) {
    namespace F = torch::nn::functional;
    const auto drop = [&](const at::Tensor& t) {
        if (options_.dropout <= 0) return t;
        return F::dropout(t, F::DropoutFuncOptions().p(options_.dropout).training(is_training()));
    };
    const std::int64_t atoms = b.atom_x.size(0), h = options_.hidden;
    const at::Tensor h0 = at::relu(W_i->forward(b.bond_in));
    at::Tensor msg = drop(h0);
    for (int step = 1; step < options_.depth; ++step) {
        // Sum of the messages into each atom, minus the reverse bond's own.
        at::Tensor into = at::zeros({atoms, h}, msg.options()).index_add(0, b.to, msg);
        at::Tensor m = into.index_select(0, b.from) - msg.index_select(0, b.reverse);
        msg = drop(at::relu(h0 + W_h->forward(m)));
    }
    at::Tensor into = at::zeros({atoms, h}, msg.options()).index_add(0, b.to, msg);
    at::Tensor atom_h = drop(at::relu(W_o->forward(at::cat({b.atom_x, into}, 1))));
    at::Tensor mol = at::zeros({b.graphs, h}, atom_h.options()).index_add(0, b.atom_mol, atom_h);
    return mol / b.mol_atoms;
}

MpnnNetImpl::MpnnNetImpl(const DmpnnOptions& encoder, const MlpOptions& ffn) {
    if (ffn.input_dim < encoder.hidden)
        throw Error("the D-MPNN's MLP takes " + count_noun(ffn.input_dim, "input") +
                    ", fewer than the encoder's " + std::to_string(encoder.hidden));
    encoder_ = register_module("encoder", Dmpnn(encoder));
    ffn_ = register_module("ffn", Mlp(ffn));
}

std::int64_t MpnnNetImpl::feature_dim() const {
    return ffn_->options().input_dim - encoder_->options().hidden;
}

at::Tensor MpnnNetImpl::forward(const GraphBatch& batch, const at::Tensor& x) {
    at::Tensor mol = encoder_->forward(batch);
    if (feature_dim() == 0) return ffn_->forward(mol);
    if (!x.defined() || x.size(0) != mol.size(0) || x.size(1) != feature_dim())
        throw Error("the D-MPNN network takes " + count_noun(feature_dim(), "feature") +
                    " per molecule besides its graph");
    return ffn_->forward(at::cat({mol, x}, 1));
}

at::Tensor MpnnTrainable::forward(const TrainTensors& data, const at::Tensor& rows) {
    if (!data.graphs) throw Error("MpnnTrainable::forward: the data has no molecular graphs");
    const at::Tensor r = rows.to(at::kCPU, at::kLong).contiguous();
    const std::int64_t* idx = r.data_ptr<std::int64_t>();
    std::vector<const MolGraph*> batch;
    for (std::int64_t i = 0; i < r.numel(); ++i)
        batch.push_back(&(*data.graphs)[static_cast<std::size_t>(idx[i])]);
    const auto& eo = net_->encoder()->options();
    GraphBatch g = collate_graphs(batch, eo.atom_dim, eo.bond_dim);
    at::Tensor x;
    if (net_->feature_dim() > 0) x = data.x.index_select(0, r);
    return net_->forward(g, x);
}

}  // namespace plmkit::models
