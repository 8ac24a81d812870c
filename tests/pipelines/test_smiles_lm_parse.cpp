// The smiles-lm featurizer embeds only SMILES that RDKit parses: a SMILES
// the tokenizer accepts but RDKit does not (an unclosed ring, an aromatic
// ring that cannot be kekulized) is rejected with RDKit's reason, in
// predict and in train (which featurizes its table with the same code).
#include <fstream>
#include <string>
#include <vector>

#include "pipelines/pretrain_job.hpp"
#include "pipelines/property_predictor.hpp"
#include "pipelines/smiles_lm_featurizer.hpp"
#include "pipelines/train_job.hpp"
#include "tests/pipelines/train_test_data.hpp"
#include "tests/test_support.hpp"

#include "tests/catch.hpp"

using namespace plmkit;

namespace {

/// A tiny SMILES encoder (one epoch on 100 ESOL molecules), made once.
const std::string& tiny_lm() {
    static const std::string dir = [] {
        pipelines::PretrainOptions o;
        o.data = test::esol_csv();
        o.output = test::temp_path("lm_parse_encoder");
        o.max_records = 100;
        o.epochs = 1;
        o.batch_size = 32;
        o.hidden = 16;
        o.layers = 1;
        o.heads = 2;
        o.ffn = 32;
        o.max_len = 128;
        o.threads = 1;
        o.log_epochs = false;
        pipelines::run_pretrain(o);
        return o.output;
    }();
    return dir;
}

const std::vector<std::string> kInputs = {"CCO", "C1CC", "c1cccc1", "c1ccccc1"};

}  // namespace

TEST_CASE("smiles-lm: SMILES RDKit cannot parse are rejected with its reason", "[smiles_lm]") {
    pipelines::SmilesLmFeaturizer f({tiny_lm(), 4096});
    pipelines::FeatureMatrix fm = f.featurize(kInputs);
    REQUIRE(fm.rows == 4);
    CHECK(fm.ok(0));
    CHECK(fm.ok(3));
    CHECK_THAT(fm.errors[1], Catch::StartsWith("unparsable SMILES: ") &&
                                 Catch::Contains("unclosed ring", Catch::CaseSensitive::No));
    CHECK_THAT(fm.errors[2], Catch::StartsWith("unparsable SMILES: ") &&
                                 Catch::Contains("kekul", Catch::CaseSensitive::No));
    std::vector<float> row(f.dim());
    CHECK_THAT(f.featurize_smiles("C1CC", row.data()), Catch::Contains("unparsable SMILES"));
    // A tokenizer error keeps its own reason.
    CHECK_THAT(f.featurize({"CC O"}).errors[0], Catch::Contains("position 3"));
}

TEST_CASE("smiles-lm: train rejects unparsable SMILES, predict too", "[smiles_lm][train_job]") {
    // The first 60 ESOL rows plus the two SMILES RDKit refuses.
    auto rows = test::read_csv(test::esol_csv());
    const std::string data = test::temp_path("lm_parse_data.csv");
    {
        std::ofstream out(data);
        out << "id,smiles,y\n";
        for (std::size_t i = 1; i <= 60; ++i)
            out << "m" << i << "," << rows[i].back() << "," << rows[i][8] << "\n";
        out << "ring,C1CC,-1\narom,c1cccc1,-2\n";
    }
    pipelines::TrainOptions o;
    o.data = data;
    o.target_cols = {"y"};
    o.output = test::temp_path("lm_parse_model");
    o.featurizer.name = "smiles-lm";
    o.featurizer.lm_model = tiny_lm();
    o.hidden = {8};
    o.epochs = 2;
    o.threads = 1;
    pipelines::TrainSummary s = pipelines::run_train(o);
    CHECK(s.records == 62);
    CHECK(s.rejected == 2);
    const std::string rejects = test::read_file(o.output + "/rejects.tsv");
    CHECK_THAT(rejects, Catch::Contains("ring\tC1CC\tunparsable SMILES: "));
    CHECK_THAT(rejects, Catch::Contains("arom\tc1cccc1\tunparsable SMILES: "));

    pipelines::PropertyPredictor p(o.output, {});
    pipelines::Predictions pred = p.predict(kInputs);
    CHECK(pred.errors[0].empty());
    CHECK_THAT(pred.errors[1], Catch::StartsWith("unparsable SMILES"));
    CHECK_THAT(pred.errors[2], Catch::StartsWith("unparsable SMILES"));
    CHECK(pred.errors[3].empty());
}
