// Featurizers against RDKit's Python API (tests/pipelines/data/
// make_featurizer_golden.py), plus normalization and JSON round trip.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include "tests/catch.hpp"

#include "pipelines/featurizers.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using pipelines::Featurizer;
using pipelines::FeaturizerOptions;

namespace {
nlohmann::json golden() {
    return nlohmann::json::parse(
        test::read_file(test::source_path("tests/pipelines/data/featurizer_golden.json")));
}
std::size_t index_of(const Featurizer& f, const std::string& name) {
    const auto& n = f.descriptor_names();
    auto it = std::find(n.begin(), n.end(), name);
    REQUIRE(it != n.end());
    return static_cast<std::size_t>(it - n.begin());
}
}  // namespace

TEST_CASE("featurizers: Morgan counts equal RDKit's hashed Morgan fingerprint",
          "[pipelines][featurizers]") {
    FeaturizerOptions o;
    o.name = "morgan";
    Featurizer f(o);
    REQUIRE(f.dim() == 2048);
    for (const auto& g : golden()) {
        std::vector<float> x(f.dim(), -1.f);
        REQUIRE(f.featurize_smiles(g["smiles"], x.data()) == "");
        std::vector<float> expected(2048, 0.f);
        for (const auto& [k, v] : g["morgan_counts"].items())
            expected[std::stoul(k)] = std::log1p(v.get<float>());
        CHECK(x == expected);
    }
}

TEST_CASE("featurizers: rdkit2d descriptors equal RDKit Python values",
          "[pipelines][featurizers]") {
    FeaturizerOptions o;
    o.name = "rdkit2d";
    Featurizer f(o);
    REQUIRE(f.dim() == f.descriptor_names().size());
    for (const auto& g : golden()) {
        INFO(g["smiles"].get<std::string>());
        std::vector<float> x(f.dim());
        REQUIRE(f.featurize_smiles(g["smiles"], x.data()) == "");
        for (const auto& [name, v] : g["properties"].items()) {
            INFO(name);
            CHECK(x[index_of(f, name)] == Approx(v.get<double>()).epsilon(1e-5));
        }
        for (const char* group : {"MQN", "SlogP_VSA", "SMR_VSA", "PEOE_VSA"}) {
            const auto& vals = g[group];
            for (std::size_t i = 0; i < vals.size(); ++i)
                CHECK(x[index_of(f, group + std::to_string(i + 1))] ==
                      Approx(vals[i].get<double>()).epsilon(1e-5).margin(1e-5));
        }
        CHECK(x[index_of(f, "count_C")] == g["count_C"].get<float>());
        CHECK(x[index_of(f, "count_total_h")] == g["count_total_h"].get<float>());
        CHECK(x[index_of(f, "count_fragments")] == g["count_fragments"].get<float>());
    }
}

TEST_CASE("featurizers: normalization and JSON round trip", "[pipelines][featurizers]") {
    Featurizer f;  // morgan+rdkit2d
    REQUIRE(f.dim() == 2048 + f.descriptor_names().size());
    std::vector<std::string> smiles = {"CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCCCCCCCCC"};
    std::vector<float> x(smiles.size() * f.dim());
    for (std::size_t i = 0; i < smiles.size(); ++i)
        REQUIRE(f.featurize_smiles(smiles[i], &x[i * f.dim()]) == "");
    f.fit(x, {0, 1, 2, 3});
    std::size_t mw = 2048 + index_of(f, "amw");
    SECTION("a fitted descriptor has mean 0 and unit variance on the training rows") {
        double s = 0, ss = 0;
        for (std::size_t i = 0; i < smiles.size(); ++i) {
            std::vector<float> row(x.begin() + i * f.dim(), x.begin() + (i + 1) * f.dim());
            float morgan = row[100];
            f.normalize(row.data());
            CHECK(row[100] == morgan);  // Morgan part untouched
            s += row[mw];
            ss += row[mw] * row[mw];
        }
        CHECK(s / 4 == Approx(0).margin(1e-5));
        CHECK(ss / 4 == Approx(1).epsilon(1e-4));
    }
    SECTION("NaN becomes 0 (the training mean)") {
        std::vector<float> row(f.dim(), std::nanf(""));
        f.normalize(row.data());
        CHECK(row[mw] == 0.f);
    }
    SECTION("the JSON description gives the same features") {
        Featurizer g = Featurizer::from_json(nlohmann::json::parse(f.to_json().dump()));
        std::vector<float> a(f.dim()), b(g.dim());
        f.featurize_smiles("CCN(CC)CC", a.data());
        g.featurize_smiles("CCN(CC)CC", b.data());
        f.normalize(a.data());
        g.normalize(b.data());
        CHECK(a == b);
    }
}

TEST_CASE("featurizers: bad names and bad SMILES", "[pipelines][featurizers]") {
    FeaturizerOptions o;
    o.name = "esm";  // not an RDKit featurizer (PropertyFeaturizer handles it)
    CHECK_THROWS_WITH(Featurizer(o), Catch::Contains("unknown RDKit featurizer 'esm'"));
    o.name = "ecfp";
    CHECK_THROWS_AS(Featurizer(o), UsageError);
    Featurizer f;
    std::vector<float> x(f.dim());
    CHECK(f.featurize_smiles("C1CC", x.data()) != "");
    CHECK(f.featurize_smiles("c1cccc1", x.data()) != "");
}

TEST_CASE("featurizers: a model with an older, shorter descriptor list still loads",
          "[pipelines][featurizers]") {
    // plmkit before the descList extras saved rdkit2d models with the list
    // minus pipelines::extra_descriptor_names(); such a model must featurize
    // as before, and an unknown name must be refused.
    FeaturizerOptions o;
    o.name = "rdkit2d";
    Featurizer f(o);
    std::vector<std::string> smiles = {"CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1"};
    std::vector<float> x(smiles.size() * f.dim());
    for (std::size_t i = 0; i < smiles.size(); ++i)
        REQUIRE(f.featurize_smiles(smiles[i], &x[i * f.dim()]) == "");
    f.fit(x, {0, 1, 2});
    auto j = f.to_json();
    const std::size_t keep = f.descriptor_names().size() - 132;
    auto& d = j["rdkit2d"];
    for (const char* key : {"names", "mean", "std", "signed_log"}) {
        auto v = d[key];
        d[key] = nlohmann::json(std::vector<nlohmann::json>(v.begin(), v.begin() + keep));
    }
    Featurizer old = Featurizer::from_json(j);
    REQUIRE(old.dim() == keep);
    std::vector<float> a(f.dim()), b(old.dim());
    f.featurize_smiles("CCN(CC)CC(=O)O", a.data());
    old.featurize_smiles("CCN(CC)CC(=O)O", b.data());
    CHECK(std::vector<float>(a.begin(), a.begin() + keep) == b);
    d["names"][0] = "NoSuchDescriptor";
    CHECK_THROWS_WITH(Featurizer::from_json(j), Catch::Contains("'NoSuchDescriptor'"));
}
