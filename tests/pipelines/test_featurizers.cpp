// Featurizers against RDKit's Python API (tests/pipelines/data/
// make_featurizer_golden.py), plus normalization and JSON round trip.
#include <GraphMol/ROMol.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include "tests/catch.hpp"

#include "pipelines/descriptors.hpp"
#include "pipelines/featurizers.hpp"
#include "pipelines/mol_parse.hpp"
#include "pipelines/property_featurizer.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using pipelines::compute_descriptors;
using pipelines::descriptor_row;
using pipelines::Featurizer;
using pipelines::FeaturizerOptions;
using pipelines::parse_smiles;
using pipelines::PropertyFeaturizer;
using pipelines::PropertyFeaturizerOptions;

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
    CHECK_THROWS_WITH(Featurizer(o), Catch::Contains("unknown RDKit featurizer part 'esm'"));
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

TEST_CASE("featurizers: parts joined by '+' are laid out in a fixed order",
          "[pipelines][featurizers]") {
    CHECK(pipelines::canonical_featurizer_name("rdkit2d+torsion+morgan") ==
          "morgan+torsion+rdkit2d");
    CHECK_THROWS_WITH(pipelines::canonical_featurizer_name("morgan+morgan"),
                      Catch::Contains("names 'morgan' twice"));
    CHECK_THROWS_WITH(pipelines::canonical_featurizer_name("rdkit2d+basic"),
                      Catch::Contains("both rdkit2d and basic"));
    CHECK_THROWS_WITH(pipelines::canonical_featurizer_name("morgan+"),
                      Catch::Contains("unknown RDKit featurizer part ''"));

    FeaturizerOptions o;
    o.name = "rdkit2d+maccs+torsion+atompair+morgan";
    o.torsion_slots = 1024;
    Featurizer f(o);
    CHECK(f.options().name == "morgan+maccs+atompair+torsion+rdkit2d");
    const std::size_t nd = f.descriptor_names().size();
    REQUIRE(f.dim() == 2048 + 167 + 2048 + 1024 + nd);
    const auto all = golden();
    const auto& g = all[0];
    std::vector<float> x(f.dim());
    REQUIRE(f.featurize_smiles(g["smiles"], x.data()) == "");
    // Each block where the layout puts it (MACCS at 2048, atom pairs at
    // 2215, torsions folded to 1024 slots at 4263, descriptors last).
    for (const auto& [k, v] : g["morgan_counts"].items())
        CHECK(x[std::stoul(k)] == Approx(std::log1p(v.get<float>())));
    for (const auto& bit : g["maccs_on_bits"])
        CHECK(x[2048 + bit.get<std::size_t>()] == 1.f);
    for (const auto& [k, v] : g["atompair_counts"].items())
        CHECK(x[2048 + 167 + std::stoul(k)] == Approx(std::log1p(v.get<float>())));
    std::vector<float> torsion(1024, 0.f);
    for (const auto& [k, v] : g["torsion_counts"].items())
        torsion[std::stoul(k) % 1024] += v.get<float>();
    for (std::size_t i = 0; i < 1024; ++i)
        CHECK(x[2048 + 167 + 2048 + i] == Approx(std::log1p(torsion[i])));
    CHECK(x[2048 + 167 + 2048 + 1024 + index_of(f, "amw")] ==
          Approx(g["properties"]["amw"].get<double>()).epsilon(1e-5));

    SECTION("normalization touches the descriptors only; JSON keeps the layout") {
        std::vector<float> rows(2 * f.dim());
        REQUIRE(f.featurize_smiles("CCO", rows.data()) == "");
        REQUIRE(f.featurize_smiles("c1ccccc1O", rows.data() + f.dim()) == "");
        f.fit(rows, {0, 1});
        std::vector<float> y = x;
        f.normalize(y.data());
        CHECK(std::equal(x.begin(), x.end() - static_cast<std::ptrdiff_t>(nd), y.begin()));
        const auto j = f.to_json();
        CHECK(j["torsion"]["slots"] == 1024);
        CHECK(j["maccs"]["keys"] == 167);
        Featurizer h = Featurizer::from_json(nlohmann::json::parse(j.dump()));
        REQUIRE(h.dim() == f.dim());
        std::vector<float> z(h.dim());
        REQUIRE(h.featurize_smiles(g["smiles"], z.data()) == "");
        h.normalize(z.data());
        CHECK(z == y);
    }
    SECTION("a model with a part this build does not know is refused") {
        auto j = f.to_json();
        j["name"] = "morgan+ecfp";
        CHECK_THROWS_AS(Featurizer::from_json(j), ModelError);
    }
}

TEST_CASE("featurizers: basic features from the screen's descriptor row equal computing them",
          "[pipelines][featurizers][screen]") {
    // plmkit screen hands the default model its descriptor row instead of
    // computing the same RDKit values again; the two must be the same floats.
    PropertyFeaturizerOptions basic;
    basic.name = "basic";
    auto f = PropertyFeaturizer::create(basic);
    std::ifstream src(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"));
    REQUIRE(src);
    std::string line;
    std::getline(src, line);
    int n = 0;
    while (n < 300 && std::getline(src, line)) {
        const std::string smiles = line.substr(0, line.find(','));
        auto parsed = parse_smiles(smiles);
        if (!parsed.mol) continue;
        std::vector<float> computed(f->dim()), from_row(f->dim(), -1.0f);
        REQUIRE(f->featurize_molecule(*parsed.mol, smiles, computed.data()).empty());
        const auto row = descriptor_row(compute_descriptors(*parsed.mol));
        REQUIRE(f->features_from_screen_row(*parsed.mol, row, from_row.data()));
        INFO(smiles);
        CHECK(from_row == computed);
        ++n;
    }
    CHECK(n == 300);
    // Any other featurizer computes its own features.
    PropertyFeaturizerOptions morgan_options;
    morgan_options.name = "morgan";
    auto morgan = PropertyFeaturizer::create(morgan_options);
    auto mol = parse_smiles("CCO");
    std::vector<float> out(morgan->dim());
    CHECK_FALSE(morgan->features_from_screen_row(
        *mol.mol, descriptor_row(compute_descriptors(*mol.mol)), out.data()));
}
