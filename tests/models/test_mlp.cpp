#include "models/mlp.hpp"
#include "tests/catch.hpp"

using namespace plmkit::models;

TEST_CASE("mlp: shapes, parameter names and a dropout-free infer()", "[models][mlp]") {
    MlpOptions o;
    o.input_dim = 5;
    o.hidden = {8, 4};
    o.output_dim = 3;
    o.dropout = 0.5;
    Mlp mlp(o);
    std::vector<std::string> names;
    for (const auto& p : mlp->named_parameters())
        names.push_back(p.key());
    CHECK(names == std::vector<std::string>{"layers.0.weight", "layers.0.bias", "layers.1.weight",
                                            "layers.1.bias", "layers.2.weight", "layers.2.bias"});
    at::Tensor x = at::randn({7, 5});
    CHECK(mlp->forward(x).sizes() == at::IntArrayRef({7, 3}));
    mlp->eval();
    at::Tensor a = mlp->forward(x), b = mlp->infer(x);
    CHECK(at::allclose(a, b));
    SECTION("infer() is a hand-written Linear-ReLU stack") {
        auto p = mlp->named_parameters();
        at::Tensor h = at::relu(at::matmul(x, p["layers.0.weight"].t()) + p["layers.0.bias"]);
        h = at::relu(at::matmul(h, p["layers.1.weight"].t()) + p["layers.1.bias"]);
        h = at::matmul(h, p["layers.2.weight"].t()) + p["layers.2.bias"];
        CHECK(at::allclose(h, b, 1e-5, 1e-6));
    }
    SECTION("dropout is active in train mode only") {
        mlp->train();
        CHECK_FALSE(at::allclose(mlp->forward(x), mlp->forward(x)));
    }
    o.input_dim = 0;
    CHECK_THROWS(Mlp(o));
}
