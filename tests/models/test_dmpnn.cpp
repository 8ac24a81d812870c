// The D-MPNN against a direct, loop-by-loop reading of its equations
// (Yang et al. 2019, models/dmpnn.hpp): for each directed bond v->w the
// message is the sum of h over the bonds k->v with k != w, found here by
// scanning an explicit neighbour list instead of the sum-then-subtract of
// the tensor code.
#include <cmath>
#include <vector>

#include "models/dmpnn.hpp"
#include "models/mpnn_ensemble.hpp"
#include "models/property_model.hpp"
#include "src/error.hpp"
#include "tests/catch.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::models;

namespace {

constexpr std::int64_t kA = 3, kB = 2;

/// A graph with the given undirected edges and deterministic features.
MolGraph make_graph(std::int32_t atoms, const std::vector<std::pair<int, int>>& edges, float salt) {
    MolGraph g;
    g.atoms = atoms;
    for (std::int32_t a = 0; a < atoms; ++a)
        for (std::int64_t f = 0; f < kA; ++f)
            g.atom_features.push_back(std::sin(salt + 1.3f * a + 0.7f * f));
    for (std::size_t e = 0; e < edges.size(); ++e) {
        g.from.insert(g.from.end(), {edges[e].first, edges[e].second});
        g.to.insert(g.to.end(), {edges[e].second, edges[e].first});
        for (int dir = 0; dir < 2; ++dir)
            for (std::int64_t f = 0; f < kB; ++f)
                g.bond_features.push_back(std::cos(salt + 0.9f * e + 0.4f * f));
    }
    return g;
}

using Vec = std::vector<double>;

Vec matvec(const at::Tensor& w, const Vec& x) {  // w [out, in]
    auto a = w.accessor<float, 2>();
    Vec y(static_cast<std::size_t>(w.size(0)), 0.0);
    for (std::int64_t i = 0; i < w.size(0); ++i)
        for (std::int64_t j = 0; j < w.size(1); ++j)
            y[i] += a[i][j] * x[j];
    return y;
}

Vec relu(Vec v) {
    for (auto& x : v)
        x = std::max(0.0, x);
    return v;
}

/// The molecule vector of one graph, straight from the equations.
Vec reference(const MolGraph& g, DmpnnImpl& net) {
    const auto params = net.named_parameters();
    const at::Tensor wi = params["W_i.weight"], wh = params["W_h.weight"];
    const at::Tensor wo = params["W_o.weight"], bo = params["W_o.bias"];
    const int depth = net.options().depth;
    const std::size_t nb = g.bonds();
    auto atom = [&](int a) {
        return Vec(g.atom_features.begin() + a * kA, g.atom_features.begin() + (a + 1) * kA);
    };
    std::vector<Vec> h0(nb), h(nb);
    for (std::size_t b = 0; b < nb; ++b) {
        Vec in = atom(g.from[b]);
        in.insert(in.end(), g.bond_features.begin() + b * kB,
                  g.bond_features.begin() + (b + 1) * kB);
        h0[b] = h[b] = relu(matvec(wi, in));
    }
    for (int t = 1; t < depth; ++t) {
        std::vector<Vec> next(nb);
        for (std::size_t b = 0; b < nb; ++b) {  // bond v -> w
            Vec m(h0[b].size(), 0.0);
            for (std::size_t k = 0; k < nb; ++k)  // bonds k -> v, k != w
                if (g.to[k] == g.from[b] && g.from[k] != g.to[b])
                    for (std::size_t i = 0; i < m.size(); ++i)
                        m[i] += h[k][i];
            Vec u = matvec(wh, m);
            for (std::size_t i = 0; i < u.size(); ++i)
                u[i] += h0[b][i];
            next[b] = relu(u);
        }
        h = next;
    }
    Vec mol(static_cast<std::size_t>(net.options().hidden), 0.0);
    for (int v = 0; v < g.atoms; ++v) {
        Vec m(mol.size(), 0.0);
        for (std::size_t k = 0; k < nb; ++k)
            if (g.to[k] == v)
                for (std::size_t i = 0; i < m.size(); ++i)
                    m[i] += h[k][i];
        Vec in = atom(v);
        in.insert(in.end(), m.begin(), m.end());
        Vec o = matvec(wo, in);
        for (std::size_t i = 0; i < o.size(); ++i)
            mol[i] += std::max(0.0, o[i] + bo[static_cast<std::int64_t>(i)].item<float>());
    }
    for (auto& x : mol)
        x /= std::max(1, g.atoms);
    return mol;
}

DmpnnOptions small_options(int depth) {
    DmpnnOptions o;
    o.atom_dim = kA;
    o.bond_dim = kB;
    o.hidden = 5;
    o.depth = depth;
    return o;
}

}  // namespace

TEST_CASE("dmpnn: batched forward equals the equations computed bond by bond", "[models][dmpnn]") {
    // A branched graph with a ring (0-1-2-0 plus 2-3), a chain, one lone atom.
    const MolGraph ring = make_graph(4, {{0, 1}, {1, 2}, {2, 0}, {2, 3}}, 0.1f);
    const MolGraph chain = make_graph(3, {{0, 1}, {1, 2}}, 0.5f);
    const MolGraph lone = make_graph(1, {}, 0.9f);
    for (int depth : {1, 2, 3, 4}) {
        at::manual_seed(depth);
        Dmpnn net(small_options(depth));
        net->eval();
        GraphBatch b = collate_graphs({&ring, &chain, &lone}, kA, kB);
        CHECK(b.graphs == 3);
        at::Tensor out = net->forward(b);
        REQUIRE(out.size(0) == 3);
        const std::vector<const MolGraph*> graphs{&ring, &chain, &lone};
        for (int m = 0; m < 3; ++m) {
            Vec want = reference(*graphs[m], *net);
            for (std::int64_t i = 0; i < 5; ++i) {
                INFO("depth " << depth << ", graph " << m << ", unit " << i);
                CHECK(out[m][i].item<float>() == Approx(want[i]).margin(1e-5));
            }
        }
    }
}

TEST_CASE("dmpnn: collate offsets atoms and bonds, pairs each bond with its reverse",
          "[models][dmpnn]") {
    const MolGraph a = make_graph(2, {{0, 1}}, 0.0f);
    const MolGraph b = make_graph(3, {{0, 1}, {1, 2}}, 1.0f);
    GraphBatch g = collate_graphs({&a, &b}, kA, kB);
    CHECK(g.atom_x.size(0) == 5);
    CHECK(g.bond_in.size(0) == 6);
    CHECK(g.bond_in.size(1) == kA + kB);
    const std::vector<std::int64_t> from{0, 1, 2, 3, 3, 4}, to{1, 0, 3, 2, 4, 3},
        rev{1, 0, 3, 2, 5, 4}, mol{0, 0, 1, 1, 1};
    for (int k = 0; k < 6; ++k) {
        CHECK(g.from[k].item<std::int64_t>() == from[k]);
        CHECK(g.to[k].item<std::int64_t>() == to[k]);
        CHECK(g.reverse[k].item<std::int64_t>() == rev[k]);
    }
    for (int k = 0; k < 5; ++k)
        CHECK(g.atom_mol[k].item<std::int64_t>() == mol[k]);
    // Bond 4 is b's 1 -> 2: its source atom's features, then its own.
    CHECK(g.bond_in[4][0].item<float>() == b.atom_features[1 * kA]);
    CHECK(g.bond_in[4][kA].item<float>() == b.bond_features[2 * kB]);
    CHECK(g.mol_atoms[1][0].item<float>() == 3.f);

    MolGraph bad = a;
    bad.atom_features.pop_back();
    CHECK_THROWS_AS(collate_graphs({&bad}, kA, kB), Error);
    MolGraph far = a;
    far.to[0] = 7;
    CHECK_THROWS_WITH(collate_graphs({&far}, kA, kB), Catch::Contains("names atom 7"));
}

TEST_CASE("dmpnn: the molecule vector does not depend on atom or bond order", "[models][dmpnn]") {
    at::manual_seed(3);
    Dmpnn net(small_options(3));
    net->eval();
    MolGraph g = make_graph(4, {{0, 1}, {1, 2}, {2, 0}, {2, 3}}, 0.2f);
    // Atoms renumbered by p, bonds listed in another order.
    const std::vector<int> p{2, 0, 3, 1};
    MolGraph q;
    q.atoms = 4;
    q.atom_features.assign(g.atom_features.size(), 0.f);
    for (int a = 0; a < 4; ++a)
        std::copy_n(&g.atom_features[a * kA], kA, &q.atom_features[p[a] * kA]);
    for (int e : {3, 1, 0, 2}) {
        for (int d : {1, 0}) {  // reversed direction first
            q.from.push_back(p[g.from[2 * e + d]]);
            q.to.push_back(p[g.to[2 * e + d]]);
            q.bond_features.insert(q.bond_features.end(), &g.bond_features[(2 * e + d) * kB],
                                   &g.bond_features[(2 * e + d + 1) * kB]);
        }
    }
    at::Tensor x = net->forward(collate_graphs({&g}, kA, kB));
    at::Tensor y = net->forward(collate_graphs({&q}, kA, kB));
    CHECK(at::allclose(x, y, 1e-5, 1e-6));
}

TEST_CASE("dmpnn: a property model with D-MPNNs saves, loads and predicts the same",
          "[models][dmpnn]") {
    at::manual_seed(11);
    MpnnOptions mo;
    mo.encoder = small_options(3);
    mo.ffn.input_dim = 5 + 4;  // molecule vector and 4 fixed features
    mo.ffn.hidden = {6};
    mo.ffn.output_dim = 1;
    mo.graph_features = "test-graph";
    std::vector<MpnnNet> nets{MpnnNet(mo.encoder, mo.ffn), MpnnNet(mo.encoder, mo.ffn)};
    PropertyModelConfig c;
    c.task = "classification";
    c.targets = {"y"};
    c.featurizer = {{"name", "test"}};
    c.head = "mlp+mpnn";
    c.mlp.input_dim = 4;
    c.mlp.hidden = {3};
    c.mlp.output_dim = 1;
    auto mpnn = std::make_shared<const MpnnEnsemble>(mo, nets);
    PropertyModel model(c, {Mlp(c.mlp)}, {}, nullptr, nullptr, mpnn);
    CHECK(model.num_parts() == 2);
    const std::string dir = test::temp_path("pm_mpnn");
    model.save(dir);
    PropertyModel back = PropertyModel::load(dir);
    REQUIRE(back.mpnn());
    CHECK(back.mpnn()->size() == 2);
    CHECK(back.config().mpnn.graph_features == "test-graph");

    const MolGraph g1 = make_graph(4, {{0, 1}, {1, 2}, {2, 0}, {2, 3}}, 0.3f);
    const MolGraph g2 = make_graph(2, {{0, 1}}, 0.6f);
    const std::vector<const MolGraph*> graphs{&g1, &g2};
    std::vector<float> x{0.1f, -0.2f, 0.3f, 0.4f, 1.0f, 0.5f, -0.5f, 0.0f};
    std::vector<double> m1(2), s1(2), m2(2), s2(2);
    model.predict(x.data(), 2, m1.data(), s1.data(), &graphs);
    back.predict(x.data(), 2, m2.data(), s2.data(), &graphs);
    for (int i = 0; i < 2; ++i) {
        CHECK(m1[i] == m2[i]);
        CHECK(s1[i] == s2[i]);
        CHECK((m1[i] > 0 && m1[i] < 1));
    }
    // The mean of the two parts: the MLP's and the D-MPNNs' own mean.
    std::vector<double> mp(2), ms(2);
    back.mpnn()->predict(graphs, x.data(), MpnnLink::sigmoid, mp.data(), ms.data());
    PropertyModel mlp_only(
        [&] {
            PropertyModelConfig m = back.config();
            m.head = "mlp";
            return m;
        }(),
        back.members());
    std::vector<double> ml(2);
    mlp_only.predict(x.data(), 2, ml.data(), nullptr);
    for (int i = 0; i < 2; ++i)
        CHECK(m2[i] == Approx((mp[i] + ml[i]) / 2).epsilon(1e-12));

    CHECK_THROWS_WITH(back.predict(x.data(), 2, m1.data(), nullptr), Catch::Contains("graph"));
    // A missing tensor is named.
    {
        SafetensorsFile file(dir + "/model.safetensors");
        std::vector<TensorView> views;
        for (const auto& name : file.names())
            if (name != "mpnn.1.encoder.W_h.weight") views.push_back(file.get(name));
        write_safetensors(dir + "/model.safetensors.tmp", views, {});
    }
    std::filesystem::rename(dir + "/model.safetensors.tmp", dir + "/model.safetensors");
    CHECK_THROWS_WITH(PropertyModel::load(dir), Catch::Contains("mpnn.1.encoder.W_h.weight"));
}

namespace {

/// Each network's class probabilities for `graphs`, by a softmax written
/// out here over the logits of its forward pass, `shift` added to each
/// class's logit first; then their mean and population std per cell.
void reference_softmax(const MpnnEnsemble& e, const std::vector<const MolGraph*>& graphs,
                       const std::vector<float>& x, const std::vector<double>& shift, Vec& mean,
                       Vec& sd) {
    const std::int64_t n = static_cast<std::int64_t>(graphs.size());
    const std::int64_t k = e.options().ffn.output_dim, f = e.options().feature_dim();
    std::vector<Vec> probs;
    for (MpnnNet net : e.nets()) {
        at::Tensor xb = at::from_blob(const_cast<float*>(x.data()), {n, f}, at::kFloat);
        at::Tensor logits = net->forward(collate_graphs(graphs, kA, kB), xb).detach();
        Vec p(static_cast<std::size_t>(n * k));
        for (std::int64_t r = 0; r < n; ++r) {
            double total = 0;
            for (std::int64_t c = 0; c < k; ++c)
                total += std::exp(logits[r][c].item<double>() + shift[c]);
            for (std::int64_t c = 0; c < k; ++c)
                p[r * k + c] = std::exp(logits[r][c].item<double>() + shift[c]) / total;
        }
        probs.push_back(p);
    }
    mean.assign(static_cast<std::size_t>(n * k), 0.0);
    sd.assign(mean.size(), 0.0);
    for (std::size_t i = 0; i < mean.size(); ++i) {
        for (const auto& p : probs)
            mean[i] += p[i] / static_cast<double>(probs.size());
        for (const auto& p : probs)
            sd[i] += (p[i] - mean[i]) * (p[i] - mean[i]) / static_cast<double>(probs.size());
        sd[i] = std::sqrt(sd[i]);
    }
}

}  // namespace

TEST_CASE("dmpnn: a multiclass model's D-MPNNs average their softmax; save and load keep it",
          "[models][dmpnn][multiclass]") {
    at::manual_seed(23);
    MpnnOptions mo;
    mo.encoder = small_options(2);
    mo.ffn.input_dim = 5 + 4;
    mo.ffn.hidden = {6};
    mo.ffn.output_dim = 3;  // one logit a class
    mo.graph_features = "test-graph";
    std::vector<MpnnNet> nets{MpnnNet(mo.encoder, mo.ffn), MpnnNet(mo.encoder, mo.ffn)};
    PropertyModelConfig c;
    c.task = "multiclass";
    c.targets = {"band"};
    c.classes = {"high", "low", "mid"};
    c.featurizer = {{"name", "test"}};
    c.head = "mlp+mpnn";
    c.mlp.input_dim = 4;
    c.mlp.hidden = {3};
    c.mlp.output_dim = 3;
    ClassPrior prior;  // as if both networks' losses had weighted the classes
    prior.weighted_parts = {"mlp", "mpnn"};
    prior.labelled_rows = {10};
    prior.frequencies = {0.2, 0.5, 0.3};
    prior.weights = {2.0, 0.5, 1.25};
    c.class_prior = prior;
    auto mpnn = std::make_shared<const MpnnEnsemble>(mo, nets);
    PropertyModel model(c, {Mlp(c.mlp)}, {}, nullptr, nullptr, mpnn);
    const std::string dir = test::temp_path("pm_mpnn_multiclass");
    model.save(dir);
    PropertyModel back = PropertyModel::load(dir);
    REQUIRE(back.mpnn());
    CHECK(back.config().task == "multiclass");
    CHECK(back.config().classes == c.classes);
    CHECK(back.mpnn()->options().ffn.output_dim == 3);

    const MolGraph g1 = make_graph(4, {{0, 1}, {1, 2}, {2, 0}, {2, 3}}, 0.3f);
    const MolGraph g2 = make_graph(2, {{0, 1}}, 0.6f);
    const MolGraph g3 = make_graph(3, {{0, 1}, {1, 2}}, -0.8f);
    const std::vector<const MolGraph*> graphs{&g1, &g2, &g3};
    const std::vector<float> x{0.1f,  -0.2f, 0.3f, 0.4f, 1.0f,  0.5f,
                               -0.5f, 0.0f,  2.0f, 0.7f, -1.2f, 0.2f};
    Vec m1(9), s1(9), m2(9), s2(9);
    model.predict(x.data(), 3, m1.data(), s1.data(), &graphs);
    back.predict(x.data(), 3, m2.data(), s2.data(), &graphs);
    CHECK(m1 == m2);  // bitwise: the saved float32 weights are the trained ones
    CHECK(s1 == s2);
    for (int r = 0; r < 3; ++r)
        CHECK(m2[r * 3] + m2[r * 3 + 1] + m2[r * 3 + 2] == Approx(1.0).epsilon(1e-12));

    SECTION("the D-MPNN part: the mean and spread of each network's softmax") {
        Vec want_m, want_s, got_m(9), got_s(9);
        reference_softmax(*back.mpnn(), graphs, x, {0, 0, 0}, want_m, want_s);
        back.mpnn()->predict(graphs, x.data(), MpnnLink::softmax, got_m.data(), got_s.data());
        for (std::size_t i = 0; i < 9; ++i) {
            CHECK(got_m[i] == Approx(want_m[i]).margin(1e-6));
            CHECK(got_s[i] == Approx(want_s[i]).margin(1e-6));
        }
        // The model is the mean of its two parts.
        PropertyModelConfig mc = back.config();
        mc.head = "mlp";
        PropertyModel mlp_only(mc, back.members());
        Vec ml(9);
        mlp_only.predict(x.data(), 3, ml.data(), nullptr);
        for (std::size_t i = 0; i < 9; ++i)
            CHECK(m2[i] == Approx((ml[i] + got_m[i]) / 2).epsilon(1e-12));
    }
    SECTION("--probabilities prior: each network's softmax corrected by the class weights") {
        PropertyModelConfig mc = back.config();
        mc.head = "mpnn";
        PropertyModel alone(mc, {}, {}, nullptr, nullptr, back.mpnn());
        alone.set_probabilities(Probabilities::prior, dir);
        Vec got(9);
        alone.predict(x.data(), 3, got.data(), nullptr, &graphs);
        // p'_k proportional to p_k / w_k, per network, then averaged.
        Vec want(9, 0.0);
        for (MpnnNet net : back.mpnn()->nets()) {
            MpnnEnsemble one(back.mpnn()->options(), {net});
            Vec p(9), s(9);
            reference_softmax(one, graphs, x, {0, 0, 0}, p, s);
            for (int r = 0; r < 3; ++r) {
                double q[3];
                prior_class_probabilities(&p[r * 3], prior.weights.data(), 3, q);
                for (int k = 0; k < 3; ++k)
                    want[r * 3 + k] += q[k] / 2;
            }
        }
        for (std::size_t i = 0; i < 9; ++i)
            CHECK(got[i] == Approx(want[i]).margin(1e-6));
    }
}
