// plmkit train with an encoder directory (--lm-model, --esm-model), as the
// user sees it: --resume refuses an encoder whose files changed since the
// interruption, flags of another featurizer are refused instead of ignored,
// --finetune last:N beyond the encoder's blocks fails before anything is
// written, and --dtype goes only with frozen ESM-2 features.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_file;
namespace fs = std::filesystem;

namespace {

const std::string kTarget = "measured log solubility in mols per litre";

/// The header and the first 100 ESOL rows.
const std::string& esol100() {
    static const std::string path = [] {
        const std::string text = read_file(shared_path("data/esol/delaney-processed.csv"));
        std::size_t end = 0;
        for (int i = 0; i <= 100; ++i)
            end = text.find('\n', end) + 1;
        const std::string p = temp_path("enc_esol100.csv");
        write_file(p, text.substr(0, end));
        return p;
    }();
    return path;
}

/// A tiny 2-block SMILES encoder from plmkit pretrain (seed `seed`).
std::string pretrain_lm(const std::string& name, int seed) {
    const std::string out = temp_path(name);
    auto r = run_plmkit({"pretrain",  "--kind",   "smiles",
                         "--data",    esol100(),  "--epochs",
                         "1",         "--hidden", "16",
                         "--layers",  "2",        "--heads",
                         "2",         "--ffn",    "32",
                         "--max-len", "96",       "--threads",
                         "1",         "--seed",   std::to_string(seed),
                         "--output",  out});
    if (r.exit_code != 0) throw std::runtime_error("pretrain failed: " + r.err);
    return out;
}

/// A copy of `dir`'s files in a new writable directory.
std::string copy_dir(const std::string& dir, const std::string& name) {
    const std::string out = temp_path(name);
    fs::create_directories(out);
    for (const auto& e : fs::directory_iterator(dir)) {
        fs::copy_file(e.path(), fs::path(out) / e.path().filename());
        fs::permissions(fs::path(out) / e.path().filename(), fs::perms::owner_write,
                        fs::perm_options::add);
    }
    return out;
}

/// Replaces `dir`'s files with `other`'s.
void replace_contents(const std::string& dir, const std::string& other) {
    for (const auto& e : fs::directory_iterator(dir))
        fs::remove(e.path());
    for (const auto& e : fs::directory_iterator(other))
        fs::copy_file(e.path(), fs::path(dir) / e.path().filename());
}

/// The first 41 lines of FLIP GB1 "sampled" (train rows, some validation).
const std::string& gb1_40() {
    static const std::string path = [] {
        const std::string text = read_file(shared_path("data/flip_gb1/sampled.csv"));
        std::size_t end = 0;
        for (int i = 0; i <= 40; ++i)
            end = text.find('\n', end) + 1;
        const std::string p = temp_path("enc_gb1_40.csv");
        write_file(p, text.substr(0, end));
        return p;
    }();
    return path;
}

std::vector<std::string> plus(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("cli train: --resume refuses a --lm-model whose files changed", "[cli][train_encoder]") {
    const std::string lm_a = pretrain_lm("enc_lm_a", 1), lm_b = pretrain_lm("enc_lm_b", 2);
    for (const std::string finetune : {"frozen", "last:1"}) {
        DYNAMIC_SECTION("--finetune " << finetune) {
            const std::string lm = copy_dir(lm_a, "enc_lm_copy"), out = temp_path("enc_lm_out");
            const std::vector<std::string> args = {
                "train",     "--data",     esol100(), "--target-col", kTarget,  "--featurizer",
                "smiles-lm", "--lm-model", lm,        "--finetune",   finetune, "--hidden",
                "16",        "--epochs",   "3",       "--threads",    "1",      "--output",
                out};
            REQUIRE(run_plmkit(plus(args, {"--stop-after-epochs", "1"})).exit_code == 0);
            REQUIRE(file_exists(out + "/checkpoints/options.json"));
            // Another pretrain run's files in the same directory.
            replace_contents(lm, lm_b);
            auto r = run_plmkit(plus(args, {"--resume"}));
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, Catch::Contains("--lm-model '" + lm +
                                              "' changed since the interrupted run: '"));
            CHECK_THAT(r.err, Catch::Contains("start again without --resume"));
            CHECK_FALSE(file_exists(out + "/config.json"));
            // The original files again: the run resumes and completes.
            replace_contents(lm, lm_a);
            auto ok = run_plmkit(plus(args, {"--resume"}));
            CHECK(ok.exit_code == 0);
            CHECK(file_exists(out + "/config.json"));
        }
    }
}

TEST_CASE("cli train: --resume refuses an edited ESM-2 config.json", "[cli][train_encoder][esm]") {
    const std::string esm = copy_dir(shared_path("fixtures/esm2_tiny/model"), "enc_esm_copy");
    const std::string out = temp_path("enc_esm_out");
    const std::vector<std::string> args = {
        "train", "--data",      gb1_40(), "--target-col", "target", "--featurizer",
        "esm",   "--esm-model", esm,      "--hidden",     "16",     "--epochs",
        "3",     "--threads",   "1",      "--output",     out};
    REQUIRE(run_plmkit(plus(args, {"--stop-after-epochs", "1"})).exit_code == 0);
    // The same hyper-parameters, one more key: the file differs.
    std::string config = read_file(esm + "/config.json");
    config.insert(config.find('{') + 1, "\n  \"comment\": \"edited\",");
    write_file(esm + "/config.json", config);
    auto r = run_plmkit(plus(args, {"--resume"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--esm-model '" + esm +
                                      "' changed since the interrupted run: 'config.json' "
                                      "differs (size "));
    CHECK_FALSE(file_exists(out + "/config.json"));
}

TEST_CASE("cli train: flags of another featurizer are refused, not ignored",
          "[cli][train_encoder]") {
    const std::string esm = shared_path("fixtures/esm2_tiny/model");
    const std::string lm = pretrain_lm("enc_lm_flags", 1);
    const std::string out = temp_path("enc_flags_out");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"--data", gb1_40(), "--target-col", "target", "--featurizer", "esm", "--esm-model", esm,
          "--lm-model", lm},
         "--lm-model is used by --featurizer smiles-lm, not by --featurizer esm"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "morgan", "--esm-model",
          esm},
         "--esm-model is used by --featurizer esm, not by --featurizer morgan"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "smiles-lm", "--lm-model",
          lm, "--esm-model", esm},
         "--esm-model is used by --featurizer esm, not by --featurizer smiles-lm"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "basic", "--esm-layer",
          "2"},
         "--esm-layer is used by --featurizer esm, not by --featurizer basic"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "basic", "--esm-pooling",
          "bos"},
         "--esm-pooling is used by --featurizer esm"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "basic", "--truncate",
          "100"},
         "--truncate is used by --featurizer esm"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "smiles-lm", "--lm-model",
          lm, "--finetune", "full", "--lm-hidden", "64"},
         "--lm-hidden, --lm-layers, --lm-heads and --lm-ffn size a SMILES encoder trained from "
         "scratch"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "basic", "--dtype", "bf16"},
         "--dtype bf16 is used by --featurizer esm (frozen ESM-2 features), not by --featurizer "
         "basic"},
        {{"--data", gb1_40(), "--target-col", "target", "--featurizer", "esm", "--esm-model", esm,
          "--finetune", "last:1", "--dtype", "fp16"},
         "--dtype fp16: fine-tuning (--finetune last:1) always trains ESM-2 in float32"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "morgan", "--finetune",
          "full"},
         "needs an encoder: --featurizer smiles-lm or esm"},
        // The SMILES encoder and the RDKit featurizers run on the CPU: a GPU
        // asked for was silently not used (a CPU-only build said nothing).
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "smiles-lm", "--lm-model",
          lm, "--device", "cuda"},
         "--device cuda:0 is used by --featurizer esm (ESM-2 runs there), not by --featurizer "
         "smiles-lm"},
        {{"--data", esol100(), "--target-col", kTarget, "--featurizer", "basic", "--device",
          "cuda:1"},
         "--device cuda:1 is used by --featurizer esm (ESM-2 runs there), not by --featurizer "
         "basic"},
    };
    for (const auto& c : cases) {
        INFO(c.message);
        auto r = run_plmkit(plus({"train", "--threads", "1", "--output", out}, c.args));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(c.message));
        CHECK_FALSE(file_exists(out + "/config.json"));
        CHECK_FALSE(file_exists(out + "/checkpoints"));
    }
}

TEST_CASE("cli train: --finetune last:N beyond the encoder's blocks fails before any work",
          "[cli][train_encoder]") {
    const std::string lm = pretrain_lm("enc_lm_depth", 1);  // 2 blocks
    const std::string esm = shared_path("fixtures/esm2_tiny/model");
    const std::string esm_blocks = std::to_string(
        nlohmann::json::parse(read_file(esm + "/config.json"))["num_hidden_layers"].get<int>());
    SECTION("smiles-lm") {
        const std::string out = temp_path("enc_depth_lm");
        auto r = run_plmkit({"train", "--data", esol100(), "--target-col", kTarget, "--featurizer",
                             "smiles-lm", "--lm-model", lm, "--finetune", "last:3", "--threads",
                             "1", "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--finetune last:3: --lm-model '" + lm +
                                          "' has 2 blocks (N must be 1..2)"));
        CHECK_THAT(r.err, !Catch::Contains("rows"));  // no data was read
        CHECK_FALSE(file_exists(out));
    }
    SECTION("esm") {
        const std::string out = temp_path("enc_depth_esm");
        auto r = run_plmkit({"train", "--data", gb1_40(), "--target-col", "target", "--featurizer",
                             "esm", "--esm-model", esm, "--finetune", "last:99", "--threads", "1",
                             "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("has " + esm_blocks + " blocks"));
        CHECK_FALSE(file_exists(out));
    }
}

TEST_CASE("cli train: SMILES with tokens the pre-trained encoder lacks are counted on stderr",
          "[cli][train_encoder]") {
    // The encoder (pre-trained on ESOL rows) has no [Se] and no [Te]: those
    // molecules were read as <unk> without a word.
    const std::string lm = pretrain_lm("enc_lm_unk", 1);
    const std::string data = temp_path("enc_unk.csv");
    write_file(data, read_file(esol100()) + "x1,0,1,0,0,0,0,0,-1.5,C[Se]C\n" +
                         "x2,0,1,0,0,0,0,0,-2.5,c1cc[te]c1\n");
    const std::string out = temp_path("enc_unk_out");
    for (const std::string finetune : {"frozen", "last:1"}) {
        fs::remove_all(out);
        auto r = run_plmkit({"train", "--data", data, "--target-col", kTarget, "--featurizer",
                             "smiles-lm", "--lm-model", lm, "--finetune", finetune, "--hidden",
                             "16", "--epochs", "1", "--threads", "1", "--output", out});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("smiles-lm: 2 of 102 SMILES hold tokens the encoder's "
                                          "vocabulary ('" +
                                          lm +
                                          "/vocab.txt') lacks, read as <unk> (the first, "
                                          "'[Se]' in 'C[Se]C')"));
    }
}

TEST_CASE("cli train: ESM-2 sequences longer than --truncate are counted on stderr",
          "[cli][train_encoder][esm]") {
    // GB1 variants have 265 residues: --truncate 100 cuts all 40.
    const std::string out = temp_path("enc_truncate_out");
    auto r =
        run_plmkit({"train", "--data", gb1_40(), "--target-col", "target", "--featurizer", "esm",
                    "--esm-model", shared_path("fixtures/esm2_tiny/model"), "--truncate", "100",
                    "--hidden", "16", "--epochs", "1", "--threads", "1", "--output", out});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("esm: 40 of 40 sequences have more than --truncate 100 "
                                      "residues (the longest 265); only their first 100 are "
                                      "embedded"));
    fs::remove_all(out);
    r = run_plmkit({"train", "--data", gb1_40(), "--target-col", "target", "--featurizer", "esm",
                    "--esm-model", shared_path("fixtures/esm2_tiny/model"), "--hidden", "16",
                    "--epochs", "1", "--threads", "1", "--output", out});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, !Catch::Contains("--truncate"));
}

TEST_CASE("cli predict and evaluate: sequences longer than the model's --truncate are counted",
          "[cli][predict][esm]") {
    // predict and evaluate embed only the first --truncate residues (the
    // model's) and said nothing. Lengths 5, 10, 11, 23; 'MK1' cannot be
    // tokenized: rejected, not counted.
    const std::string data = temp_path("enc_trunc_pred.csv");
    write_file(data,
               "sequence,target\nMKTAY,1\nMKTAYIAKQR,2\nMKTAYIAKQRQ,3\n"
               "MKTAYIAKQRQISFVKSHFSRQL,4\nMKV,5\nMKVLA,6\nMKVLAAGIV,7\nMKVLAAGIVG,8\n");
    const std::string model = temp_path("enc_trunc_model");
    fs::remove_all(model);
    auto t = run_plmkit({"train", "--data", data, "--target-col", "target", "--featurizer", "esm",
                         "--esm-model", shared_path("fixtures/esm2_tiny/model"), "--truncate", "10",
                         "--head", "forest", "--trees", "3", "--threads", "1", "--output", model});
    REQUIRE(t.exit_code == 0);
    const std::string input = temp_path("enc_trunc_input.csv");
    write_file(input,
               "sequence,target\nMKTAY,1\nMKTAYIAKQRQISFVKSHFSRQL,4\nMK1,0\nMKTAYIAKQRQ,3\n"
               "MKTAYIAKQR,2\n");
    const std::string warning =
        "esm: 2 of 4 sequences have more than --truncate 10 residues (the "
        "longest 23); only their first 10 are embedded (the model's "
        "--truncate, set by plmkit train)";
    const std::string out = temp_path("enc_trunc_preds.csv");
    // --chunk 2: counted over all chunks.
    auto p = run_plmkit({"predict", "--model", model, "--input", input, "--output", out, "--chunk",
                         "2", "--threads", "1"});
    INFO(p.err);
    CHECK(p.exit_code == 0);
    CHECK_THAT(p.err, Catch::Contains(warning));
    CHECK_THAT(p.err, Catch::Contains("4 predicted, 2 longer than --truncate 10 (truncated), 1 "
                                      "rejected"));
    auto e = run_plmkit({"evaluate", "--model", model, "--data", input, "--output",
                         temp_path("enc_trunc_eval.json"), "--threads", "1"});
    INFO(e.err);
    CHECK(e.exit_code == 0);
    CHECK_THAT(e.err, Catch::Contains(warning));
    // None longer: no warning, and the summary says 0.
    write_file(input, "sequence\nMKTAY\nMKTAYIAKQR\n");
    p = run_plmkit({"predict", "--model", model, "--input", input, "--output", out});
    CHECK(p.exit_code == 0);
    CHECK_THAT(p.err, !Catch::Contains("esm:"));
    CHECK_THAT(p.err, Catch::Contains("2 predicted, 0 longer than --truncate 10 (truncated)"));
}
