#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "models/smiles_encoder.hpp"
#include "pipelines/pretrain_job.hpp"
#include "pipelines/smiles_lm_featurizer.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"
#include "tokenizers/smiles_tokenizer.hpp"

#include "tests/catch.hpp"

using namespace plmkit;

namespace {

const std::size_t kRecords = 500;

pipelines::PretrainOptions tiny_options(const std::string& out) {
    pipelines::PretrainOptions o;
    o.data = test::shared_path("data/esol/delaney-processed.csv");
    o.output = out;
    o.max_records = kRecords;
    // A transformer from scratch sits on the unigram plateau for its first
    // ~150 steps here; 24 epochs of 25 batches get it clearly past it.
    o.epochs = 24;
    o.batch_size = 16;
    o.lr = 1e-3;
    o.hidden = 64;
    o.layers = 2;
    o.heads = 4;
    o.ffn = 128;
    o.max_len = 128;
    o.dropout = 0.0;
    o.valid_fraction = 0.2;
    o.seed = 3;
    o.log_epochs = false;
    return o;
}

/// The SMILES column of the first `n` rows, read by hand (last column).
std::vector<std::string> esol_smiles(std::size_t n) {
    std::ifstream in(test::shared_path("data/esol/delaney-processed.csv"));
    std::string line;
    std::getline(in, line);
    std::vector<std::string> out;
    while (out.size() < n && std::getline(in, line)) {
        std::string s = line.substr(line.rfind(',') + 1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
            s.pop_back();
        out.push_back(s);
    }
    return out;
}

/// Accuracy of always predicting the most frequent token: the share of the
/// most frequent token among all SMILES tokens (what a unigram model gets on
/// uniformly chosen masked positions).
double unigram_baseline(const std::vector<std::string>& smiles) {
    std::map<std::string, double> counts;
    double total = 0;
    for (const auto& s : smiles) {
        auto t = tokenizers::SmilesTokenizer::tokenize(s);
        REQUIRE(t.ok);
        for (const auto& tok : t.tokens)
            counts[tok] += 1, total += 1;
    }
    double best = 0;
    for (const auto& kv : counts)
        best = std::max(best, kv.second);
    return best / total;
}

/// The tiny run, trained once for all sections (Catch2 re-enters the test
/// case body for every SECTION).
struct TinyRun {
    std::string out = test::temp_path("pretrain_esol_lm");
    pipelines::PretrainResult result = pipelines::run_pretrain(tiny_options(out));
};
const TinyRun& tiny_run() {
    static const TinyRun run;
    return run;
}

}  // namespace

TEST_CASE("pretrain: a tiny masked-LM run on ESOL learns", "[pretrain_job]") {
    const std::string& out = tiny_run().out;
    const pipelines::PretrainResult& r = tiny_run().result;
    const double baseline = unigram_baseline(esol_smiles(kRecords));

    SECTION("validation loss goes down and accuracy beats the unigram baseline") {
        CHECK(r.records == kRecords);
        CHECK(r.skipped == 0);
        CHECK(r.train_size + r.valid_size == kRecords);
        CHECK(r.valid_size == 100);
        REQUIRE(r.history.size() == 24);
        CHECK(r.history.back().valid_loss < r.history.front().valid_loss - 0.3);
        CHECK(r.history.back().train_loss < r.history.front().train_loss);
        const auto best =
            std::min_element(r.history.begin(), r.history.end(),
                             [](auto& a, auto& b) { return a.valid_loss < b.valid_loss; });
        CHECK(best->epoch == r.best_epoch);
        INFO("baseline " << baseline << ", best accuracy " << best->valid_accuracy);
        CHECK(baseline > 0.2);
        CHECK(best->valid_accuracy > baseline + 0.1);
        CHECK(r.valid_masked > 300);
    }
    SECTION("the saved LM_DIR holds the best epoch and featurizes") {
        auto cfg = nlohmann::json::parse(test::read_file(out + "/config.json"));
        CHECK(cfg["pretrain"]["epoch"] == r.best_epoch);
        CHECK(std::abs(cfg["pretrain"]["valid_loss"].get<double>() - r.best_valid_loss) < 1e-9);
        // The training options are recorded too (only mask_prob and seed were),
        // so the run can be repeated from its config.json.
        const auto& o = cfg["pretrain"]["options"];
        CHECK(o["epochs"] == 24);
        CHECK(o["batch_size"] == 16);
        CHECK(o["lr"] == 1e-3);
        CHECK(o["valid_fraction"] == 0.2);
        CHECK(o["max_records"] == kRecords);
        CHECK(o["weight_decay"] == 0.01);
        CHECK(o["min_freq"] == 1);
        CHECK(o["max_tokens"] == 0);
        CHECK(o["seed"] == 3);
        CHECK(cfg["dropout"] == 0.0);
        models::LoadedSmilesEncoder lm = models::load_smiles_encoder(out);
        CHECK(lm.vocab.size() == r.vocab_size);

        pipelines::SmilesLmFeaturizer f({out, 64});  // small budget: several batches
        CHECK(f.dim() == 64);
        std::vector<std::string> smiles = esol_smiles(20);
        smiles.insert(smiles.begin() + 3, "CC O");  // space: not tokenizable
        smiles.push_back("C[C@@H](O)c1ccccc1");
        pipelines::FeatureMatrix fm = f.featurize(smiles);
        REQUIRE(fm.rows == smiles.size());
        CHECK(fm.rejected() == 1);
        CHECK_THAT(fm.errors[3], Catch::Contains("position 3"));
        CHECK(std::isnan(fm.row(3)[0]));
        // each row equals the encoder's pooled output for that SMILES alone
        at::NoGradGuard no_grad;
        for (std::size_t i : {0, 4, 12, 21}) {
            std::vector<std::int32_t> ids;
            REQUIRE(models::encode_smiles(lm.vocab, smiles[i], 128, ids).empty());
            std::vector<std::int64_t> ids64(ids.begin(), ids.end());
            at::Tensor tok = at::tensor(ids64, at::kLong).unsqueeze(0);
            at::Tensor p = lm.model->pooled(tok)[0];
            at::Tensor got = at::from_blob(const_cast<float*>(fm.row(i)), {64}, at::kFloat);
            INFO("row " << i);
            CHECK(at::allclose(got, p, 1e-4, 1e-5));
        }
        std::vector<float> one(64);
        CHECK(f.featurize_smiles(smiles[0], one.data()).empty());
        CHECK(std::equal(one.begin(), one.end(), fm.row(0),
                         [](float a, float b) { return std::abs(a - b) < 1e-5; }));
        CHECK(f.to_json()["name"] == "smiles-lm");
    }
}

TEST_CASE("pretrain: option and input errors", "[pretrain_job]") {
    pipelines::PretrainOptions o = tiny_options(test::temp_path("pretrain_bad"));
    SECTION("protein kind needs the ESM-2 checkpoint to continue from") {
        o.kind = "protein";
        CHECK_THROWS_WITH(pipelines::run_pretrain(o),
                          Catch::Contains("--kind protein needs --esm-model"));
    }
    SECTION("missing SMILES column lists the columns") {
        o.smiles_col = "structure";
        CHECK_THROWS_AS(pipelines::run_pretrain(o), UsageError);
    }
    SECTION("too few usable SMILES") {
        const std::string path = test::temp_path("pretrain_one.csv");
        test::write_file(path, "smiles\nCCO\nC C\n");
        o.data = path;
        CHECK_THROWS_WITH(pipelines::run_pretrain(o), Catch::Contains("1 usable SMILES"));
    }
    SECTION("bad mask probability") {
        o.mask_prob = 1.5;
        CHECK_THROWS_AS(pipelines::run_pretrain(o), UsageError);
    }
    CHECK_FALSE(std::filesystem::exists(o.output));
}

TEST_CASE("pretrain: the learning-rate schedule both kinds share", "[pretrain_job]") {
    // Figured by hand: warm-up over 10% of 100 steps to lr, then linear decay
    // from lr at step 10 to lr/10 at step 100.
    pipelines::PretrainOptions o;
    o.lr = 2.0;
    o.warmup_fraction = 0.1;
    CHECK(pipelines::pretrain_lr(o, 0, 100) == Approx(0.2));
    CHECK(pipelines::pretrain_lr(o, 4, 100) == Approx(1.0));
    CHECK(pipelines::pretrain_lr(o, 9, 100) == Approx(2.0));
    CHECK(pipelines::pretrain_lr(o, 10, 100) == Approx(2.0));
    CHECK(pipelines::pretrain_lr(o, 55, 100) == Approx(1.1));  // half-way: 0.1 + 0.9 / 2
    CHECK(pipelines::pretrain_lr(o, 99, 100) == Approx(2.0 * (0.1 + 0.9 / 90)));
    CHECK(pipelines::pretrain_lr(o, 100, 100) == Approx(0.2));
    // At least one warm-up step: 6% of 5 steps rounds to none.
    o.warmup_fraction = 0.06;
    CHECK(pipelines::pretrain_lr(o, 0, 5) == Approx(2.0));
    CHECK(pipelines::pretrain_lr(o, 3, 5) == Approx(1.1));  // 1 - 2/4 of the way
}
