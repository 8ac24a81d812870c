#pragma once
// Directed message-passing neural network (D-MPNN; Yang et al. 2019, "Analyzing
// learned molecular representations for property prediction", the model of
// Chemprop) on models::MolGraph, and a property network that puts an MLP on
// its molecule vector (optionally concatenated with fixed features, as
// Chemprop does with RDKit descriptors).
//
// With x_v the atom features, e_vw the features of bond v->w and H the
// hidden size:
//   h0_vw = ReLU(W_i [x_v, e_vw])
//   m_vw  = sum over bonds k->v, k != w, of h_kv      (depth - 1 times)
//   h_vw  = ReLU(h0_vw + W_h m_vw)
//   m_v   = sum over bonds k->v of h_kv
//   h_v   = ReLU(W_o [x_v, m_v] + b_o)
//   molecule = mean of h_v over its atoms
// Parameters: encoder.W_i.weight [H, A + B], encoder.W_h.weight [H, H],
// encoder.W_o.weight [H, A + H], encoder.W_o.bias [H], ffn.layers.<i>.*.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "models/mlp.hpp"
#include "models/mol_graph.hpp"
#include "models/trainable.hpp"

namespace plmkit::models {

struct DmpnnOptions {
    std::int64_t atom_dim = 0, bond_dim = 0;
    std::int64_t hidden = 300;
    int depth = 3;  ///< message-passing steps (>= 1)
    double dropout = 0.0;
};

/// Several graphs as one disjoint graph, as tensors (CPU).
struct GraphBatch {
    at::Tensor atom_x;     ///< [atoms, A] float
    at::Tensor bond_in;    ///< [bonds, A + B] float: source atom's features, bond's
    at::Tensor from, to;   ///< [bonds] int64
    at::Tensor reverse;    ///< [bonds] int64
    at::Tensor atom_mol;   ///< [atoms] int64: the graph of each atom
    at::Tensor mol_atoms;  ///< [graphs, 1] float: atoms per graph (at least 1)
    std::int64_t graphs = 0;
};

/// Throws Error when a graph's feature sizes are not atom_dim / bond_dim.
GraphBatch collate_graphs(const std::vector<const MolGraph*>& graphs, std::int64_t atom_dim,
                          std::int64_t bond_dim);

class DmpnnImpl : public torch::nn::Module {
  public:
    explicit DmpnnImpl(const DmpnnOptions& options);
    /// Molecule vectors [graphs, hidden]; dropout only in train() mode.
    at::Tensor forward(const GraphBatch& batch);
    const DmpnnOptions& options() const { return options_; }

  private:
    DmpnnOptions options_;
    torch::nn::Linear W_i{nullptr}, W_h{nullptr}, W_o{nullptr};
};
TORCH_MODULE(Dmpnn);

/// D-MPNN encoder plus MLP: graphs (and fixed features when
/// ffn.input_dim > hidden) -> outputs [graphs, T].
class MpnnNetImpl : public torch::nn::Module {
  public:
    MpnnNetImpl(const DmpnnOptions& encoder, const MlpOptions& ffn);
    /// `x` [graphs, F] is concatenated to the molecule vectors when the
    /// network takes features (undefined otherwise).
    at::Tensor forward(const GraphBatch& batch, const at::Tensor& x);
    /// Number of fixed features taken (ffn input minus the hidden size).
    std::int64_t feature_dim() const;
    Dmpnn encoder() const { return encoder_; }
    Mlp ffn() const { return ffn_; }

  private:
    Dmpnn encoder_{nullptr};
    Mlp ffn_{nullptr};
};
TORCH_MODULE(MpnnNet);

/// Trains an MpnnNet on TrainTensors::graphs (and ::x with features).
class MpnnTrainable final : public Trainable {
  public:
    explicit MpnnTrainable(MpnnNet net) : net_(std::move(net)) {}
    at::Tensor forward(const TrainTensors& data, const at::Tensor& rows) override;
    std::vector<at::Tensor> parameters() override { return net_->parameters(); }
    void train(bool on) override { net_->train(on); }
    std::int64_t eval_rows() const override { return 512; }
    MpnnNet net() const { return net_; }

  private:
    MpnnNet net_;
};

}  // namespace plmkit::models
