// plmkit pretrain's output folder describes its run: history.tsv holds every
// epoch's losses (the best or not), and config.json the validation
// perplexity, the data file's size and hash and the plmkit version.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipelines/pretrain_history.hpp"
#include "pipelines/pretrain_job.hpp"
#include "tests/pipelines/train_test_data.hpp"
#include "tests/test_support.hpp"

#include "tests/catch.hpp"

using namespace plmkit;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kHeader = {
    "epoch", "train_loss", "valid_loss", "valid_perplexity", "valid_accuracy", "lr", "saved"};

/// history.tsv against the run's own epochs: one row each, in order.
void check_history(const std::string& dir, const pipelines::PretrainResult& r) {
    auto rows = test::read_csv(dir + "/history.tsv", '\t');
    REQUIRE(rows.size() == r.history.size() + 1);
    CHECK(rows[0] == kHeader);
    for (std::size_t k = 0; k < r.history.size(); ++k) {
        const auto& e = r.history[k];
        const auto& row = rows[k + 1];
        INFO("epoch " << e.epoch);
        REQUIRE(row.size() == kHeader.size());
        CHECK(row[0] == std::to_string(e.epoch));
        if (e.epoch == 0) {  // the input model: not trained
            CHECK(row[1].empty());
            CHECK(row[5].empty());
        } else {
            CHECK(std::stod(row[1]) == Approx(e.train_loss).epsilon(1e-9));
            CHECK(std::stod(row[5]) == Approx(e.lr).epsilon(1e-9));
        }
        CHECK(std::stod(row[2]) == Approx(e.valid_loss).epsilon(1e-9));
        CHECK(std::stod(row[3]) == Approx(std::exp(e.valid_loss)).epsilon(1e-9));
        CHECK(std::stod(row[4]) == Approx(e.valid_accuracy).epsilon(1e-9));
        CHECK(row[6] == (e.saved ? "1" : "0"));
    }
}

}  // namespace

TEST_CASE("pretrain history: a SMILES encoder's folder logs every epoch and its provenance",
          "[pretrain_history]") {
    pipelines::PretrainOptions o;
    o.data = test::esol_csv();
    o.output = test::temp_path("lm_history");
    o.max_records = 200;
    o.epochs = 3;
    o.batch_size = 16;
    o.hidden = 16, o.layers = 1, o.heads = 2, o.ffn = 32, o.max_len = 64;
    o.threads = 1;
    o.log_epochs = false;
    const auto r = pipelines::run_pretrain(o);
    REQUIRE(r.history.size() == 3);
    check_history(o.output, r);
    auto cfg = nlohmann::json::parse(test::read_file(o.output + "/config.json"));
    const auto& pre = cfg.at("pretrain");
    CHECK(pre.at("epoch") == r.best_epoch);
    CHECK(pre.at("valid_perplexity").get<double>() ==
          Approx(std::exp(pre.at("valid_loss").get<double>())));
    CHECK(pre.at("data_file").at("size") == fs::file_size(o.data));
    CHECK(pre.at("data_file").at("xxh64").get<std::string>().size() == 16);
    CHECK_FALSE(pre.at("plmkit_version").get<std::string>().empty());
}

TEST_CASE("pretrain history: a protein run logs epoch 0 and the epochs that were not saved",
          "[pretrain_history]") {
    // A learning rate too small to change the loss: no epoch beats the
    // input, so nothing after epoch 0 is saved, and history.tsv, written
    // after every epoch, is the only place the folder shows them.
    pipelines::PretrainOptions o;
    o.kind = "protein";
    o.esm_model = test::shared_path("fixtures/esm2_tiny/model");
    o.data = test::shared_path("data/flip_gb1/sampled.csv");
    o.output = test::temp_path("esm_history");
    o.max_records = 24;
    o.epochs = 2;
    o.lr = 1e-30;
    o.threads = 1;
    o.log_epochs = false;
    const auto r = pipelines::run_pretrain(o);
    REQUIRE(r.history.size() == 3);
    CHECK(r.best_epoch == 0);
    CHECK(r.history[0].saved);
    CHECK_FALSE(r.history[1].saved);
    CHECK_FALSE(r.history[2].saved);
    check_history(o.output, r);
    auto cfg = nlohmann::json::parse(test::read_file(o.output + "/config.json"));
    const auto& pre = cfg.at("plmkit_pretrain");
    CHECK(pre.at("epoch") == 0);
    CHECK(pre.at("data_file").at("size") == fs::file_size(o.data));
    CHECK_FALSE(pre.at("plmkit_version").get<std::string>().empty());
}

TEST_CASE("pretrain history: the text of history.tsv", "[pretrain_history]") {
    pipelines::PretrainEpoch e0, e1;
    e0.epoch = 0, e0.valid_loss = 2.0, e0.valid_accuracy = 0.25, e0.saved = true;
    e1.epoch = 1, e1.train_loss = 1.5, e1.valid_loss = 0.0, e1.valid_accuracy = 0.5;
    e1.lr = 1e-4;
    // e^2 = 7.389056099 (10 significant digits).
    CHECK(pipelines::pretrain_history_tsv({e0, e1}) ==
          "epoch\ttrain_loss\tvalid_loss\tvalid_perplexity\tvalid_accuracy\tlr\tsaved\n"
          "0\t\t2\t7.389056099\t0.25\t\t1\n"
          "1\t1.5\t0\t1\t0.5\t0.0001\t0\n");
}
