#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "pipelines/esm_featurizer.hpp"
#include "src/error.hpp"
#include "src/safetensors.hpp"
#include "tests/test_support.hpp"

#include "tests/catch.hpp"

using namespace plmkit;
using pipelines::EsmFeaturizer;
using pipelines::EsmFeaturizerOptions;

namespace {

/// Sequences of a FASTA file whose records start at '>', in file order (read by hand).
std::vector<std::string> fasta_sequences(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '>')
            out.emplace_back();
        else
            out.back() += line;
    }
    return out;
}

std::vector<std::string> fixture_sequences() {
    return fasta_sequences(test::shared_path("fixtures/esm2_tiny/sequences.fasta"));
}

/// Row `i` of a [N,64] float32 tensor of expected.safetensors (fair-esm).
std::vector<float> expected_row(const SafetensorsFile& f, const std::string& name, std::size_t i) {
    const TensorView& v = f.get(name);
    REQUIRE(v.dtype == StoredDType::f32);
    const auto e = static_cast<std::size_t>(v.shape[1]);
    const float* p = static_cast<const float*>(v.data) + i * e;
    return std::vector<float>(p, p + e);
}

double max_diff(const float* a, const std::vector<float>& b) {
    double m = 0;
    for (std::size_t k = 0; k < b.size(); ++k)
        m = std::max(m, static_cast<double>(std::abs(a[k] - b[k])));
    return m;
}

EsmFeaturizerOptions fixture_options() {
    EsmFeaturizerOptions o;
    o.model_dir = test::shared_path("fixtures/esm2_tiny/model");
    return o;
}

}  // namespace

TEST_CASE("ESM featurizer reproduces fair-esm's mean embeddings", "[esm_featurizer]") {
    SafetensorsFile expected(test::shared_path("fixtures/esm2_tiny/expected.safetensors"));
    const std::vector<std::string> seqs = fixture_sequences();
    REQUIRE(seqs.size() == 7);

    SECTION("final layer mean, any batch composition") {
        for (std::size_t budget : {std::size_t(1), std::size_t(300), std::size_t(4096)}) {
            EsmFeaturizerOptions o = fixture_options();
            o.max_tokens = budget;
            EsmFeaturizer f(o);
            CHECK(f.dim() == 64);
            CHECK(f.layer() == 3);
            pipelines::FeatureMatrix fm = f.featurize(seqs);
            REQUIRE(fm.rows == 7);
            CHECK(fm.rejected() == 0);
            for (std::size_t i = 0; i < 7; ++i) {
                INFO("budget " << budget << ", sequence " << i);
                CHECK(max_diff(fm.row(i), expected_row(expected, "mean", i)) < 1e-4);
            }
        }
    }
    SECTION("an intermediate layer and <cls> pooling") {
        EsmFeaturizerOptions o = fixture_options();
        o.layer = 1;
        pipelines::FeatureMatrix fm = EsmFeaturizer(o).featurize(seqs);
        for (std::size_t i = 0; i < 7; ++i)
            CHECK(max_diff(fm.row(i), expected_row(expected, "layer_mean_1", i)) < 1e-4);
        o.layer = -1;
        o.pooling = "bos";
        fm = EsmFeaturizer(o).featurize(seqs);
        for (std::size_t i = 0; i < 7; ++i)
            CHECK(max_diff(fm.row(i), expected_row(expected, "bos", i)) < 1e-4);
    }
    SECTION("bad sequences are reported per record, the rest are unchanged") {
        std::vector<std::string> mixed{seqs[4], "MKT1LV", seqs[0], "", seqs[5]};
        pipelines::FeatureMatrix fm = EsmFeaturizer(fixture_options()).featurize(mixed);
        REQUIRE(fm.rows == 5);
        CHECK(fm.rejected() == 2);
        CHECK_THAT(fm.errors[1], Catch::Contains("'1'") && Catch::Contains("position 4"));
        CHECK_FALSE(fm.errors[3].empty());
        CHECK(std::isnan(fm.row(1)[0]));
        CHECK(max_diff(fm.row(0), expected_row(expected, "mean", 4)) < 1e-4);
        CHECK(max_diff(fm.row(2), expected_row(expected, "mean", 0)) < 1e-4);
        CHECK(max_diff(fm.row(4), expected_row(expected, "mean", 5)) < 1e-4);
    }
    SECTION("option errors") {
        EsmFeaturizerOptions o = fixture_options();
        o.layer = 4;
        CHECK_THROWS_AS(EsmFeaturizer(o), UsageError);
        o.layer = -1;
        o.pooling = "max";
        CHECK_THROWS_AS(EsmFeaturizer(o), UsageError);
        o = fixture_options();
        o.model_dir += "-missing";
        CHECK_THROWS_AS(EsmFeaturizer(o), Error);
        CHECK(EsmFeaturizer(fixture_options()).to_json()["layer"] == 3);
    }
}

// tests/pipelines/data/esm2_tiny_masked.safetensors: fair-esm 2.0.1, truncated to 24 residues
// (make_mask_reference.py); train --featurizer esm reads its sequences through the same path.
TEST_CASE("ESM featurizer: sequences with <mask> and <unk> match fair-esm", "[esm_featurizer]") {
    SafetensorsFile expected(
        test::source_path("tests/pipelines/data/esm2_tiny_masked.safetensors"));
    const auto seqs = fasta_sequences(test::source_path("tests/pipelines/data/masked.fasta"));
    REQUIRE(seqs.size() == 4);
    EsmFeaturizerOptions o = fixture_options();
    o.truncate = 24;
    pipelines::FeatureMatrix fm = EsmFeaturizer(o).featurize(seqs);
    REQUIRE(fm.rows == 4);
    CHECK(fm.rejected() == 0);
    for (std::size_t i = 0; i < 4; ++i) {
        INFO("sequence " << i);
        CHECK(max_diff(fm.row(i), expected_row(expected, "mean", i)) < 1e-4);
    }
}

TEST_CASE("truncation count: residues as the tokenizer counts them", "[esm_featurizer]") {
    pipelines::TruncationCount count(4);
    count.add("MK<mask>T");      // 4 residues: not longer
    count.add("mkt<unk>a *\n");  // 5: longer
    count.add("MKT#AAAA");       // rejected by the tokenizer: never embedded, not counted
    CHECK(count.sequences() == 3);
    CHECK(count.longer() == 1);
    CHECK_THAT(count.warning(),
               Catch::Contains("1 of 3 sequences") && Catch::Contains("longest 5"));
}
