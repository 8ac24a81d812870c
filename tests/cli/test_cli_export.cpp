// `plmkit export` writes the fine-tuned ESM-2 encoder of a train model as a
// Hugging Face directory. tests/cli/data/esm_export.py (numpy, h5py) checks
// the tensors against the base checkpoint and the model's own stored
// encoder tensors, and pushes `plmkit embed`'s embeddings of the export
// through the model's head to reproduce `plmkit predict`.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

namespace test = plmkit::test;
using test::read_file;
using test::run_plmkit;
using test::shared_path;
using test::temp_path;

namespace {

const std::string kEsm = shared_path("fixtures/esm2_tiny/model");

/// Runs tests/cli/data/`script` with `args`; its stdout (REQUIREs exit 0).
std::string python(const std::string& script, const std::string& args) {
    const std::string log = temp_path("export_" + script + ".log");
    const std::string cmd = "/usr/bin/python3 " + test::source_path("tests/cli/data/" + script) +
                            " " + args + " > " + log + " 2>&1";
    const int rc = std::system(cmd.c_str());
    INFO("needs /usr/bin/python3 with numpy and h5py: " << read_file(log));
    REQUIRE(rc == 0);
    return read_file(log);
}

std::string fresh(const std::string& name) {
    const std::string out = temp_path(name);
    std::filesystem::remove_all(out);
    return out;
}

/// The first 16 GB1 sequences with their targets, as a CSV.
std::string gb1_table() {
    std::ifstream in(shared_path("data/flip_gb1/sampled.csv"));
    std::string line, csv = "sequence,target\n";
    std::getline(in, line);
    for (int i = 0; i < 16 && std::getline(in, line);) {
        const auto f = test::split_fields(line, ',');
        csv += f.at(0) + "," + f.at(1) + "\n";
        ++i;
    }
    return test::write_temp("export_gb1.csv", csv);
}

/// Eight of those sequences as FASTA, for embed and predict.
std::string gb1_fasta() {
    std::ifstream in(gb1_table());
    std::string line, fasta;
    std::getline(in, line);
    for (int i = 0; i < 8 && std::getline(in, line); ++i)
        fasta += ">seq" + std::to_string(i) + "\n" + test::split_fields(line, ',').at(0) + "\n";
    return test::write_temp("export_gb1.fasta", fasta);
}

/// plmkit train --featurizer esm on gb1_table() into a fresh `name`.
std::string train(const std::string& name, const std::string& finetune,
                  const std::string& esm = kEsm, const std::vector<std::string>& more = {}) {
    const std::string out = fresh(name);
    std::vector<std::string> args = {
        "train", "--data",      gb1_table(), "--target-col", "target", "--featurizer",
        "esm",   "--esm-model", esm,         "--finetune",   finetune, "--hidden",
        "8",     "--epochs",    "2",         "--seed",       "5",      "--threads",
        "1",     "--output",    out};
    if (finetune != "frozen") args.insert(args.end(), {"--encoder-lr", "1e-2"});
    args.insert(args.end(), more.begin(), more.end());
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

/// The dtype model.safetensors of `dir` stores `tensor` in.
std::string stored_dtype(const std::string& dir, const std::string& tensor) {
    const std::string bytes = read_file(dir + "/model.safetensors");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | static_cast<unsigned char>(bytes.at(static_cast<std::size_t>(i)));
    return nlohmann::json::parse(bytes.substr(8, n)).at(tensor).at("dtype").get<std::string>();
}

}  // namespace

TEST_CASE(
    "cli export: a last:1 encoder replaces the base's trained tensors only, and embed "
    "with it gives the features predict uses",
    "[cli][export][esm]") {
    const std::string model = train("export_last1_model", "last:1");
    const std::string out = fresh("export_last1_out");
    auto r = run_plmkit({"export", "--model", model, "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("18 fine-tuned tensors"));
    CHECK_THAT(r.err, Catch::Contains("--include mean --truncate 1022"));
    // 3 blocks: block 2 (16 tensors, qkv split in three) and the final
    // LayerNorm trained; every other tensor is the fixture's bytes.
    CHECK_THAT(python("esm_export.py", "tensors " + kEsm + " " + out + " " + model + " 0"),
               Catch::Contains("ok 18 "));
    CHECK_THAT(read_file(out + "/README.md"), Catch::Contains(model));

    const std::string fasta = gb1_fasta();
    const std::string emb = fresh("export_last1_emb.h5"), base = fresh("export_base_emb.h5");
    const std::string preds = fresh("export_last1_preds.csv");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"embed", "--model", out, "--input", fasta, "--output", emb},
             {"embed", "--model", kEsm, "--input", fasta, "--output", base},
             {"predict", "--model", model, "--input", fasta, "--output", preds}}) {
        r = run_plmkit(args);
        INFO(args.front() << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    // The model directory itself is not an ESM-2 checkpoint: embed says to export it.
    r = run_plmkit(
        {"embed", "--model", model, "--input", fasta, "--output", fresh("export_model_emb.h5")});
    CHECK(r.exit_code == 5);
    CHECK_THAT(r.err, Catch::Contains("plmkit export --model " + model));
    // The head on the export's embeddings is predict; on the base's it is not.
    CHECK_THAT(python("esm_export.py", "head " + model + " " + emb + " " + preds + " " + base),
               Catch::StartsWith("ok "));

    SECTION("the output is never written over") {
        r = run_plmkit({"export", "--model", model, "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("already exists and is not empty"));
    }
}

TEST_CASE(
    "cli export: --finetune full with <cls> pooling: the token embeddings too, and "
    "embed --include bos gives predict's features",
    "[cli][export][esm]") {
    const std::string model = train("export_full_model", "full", kEsm, {"--esm-pooling", "bos"});
    const std::string out = fresh("export_full_out");
    auto r = run_plmkit({"export", "--model", model, "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("--include bos --truncate 1022"));
    // 1 (word embeddings) + 3 blocks x 16 + the final LayerNorm's 2.
    CHECK_THAT(python("esm_export.py", "tensors " + kEsm + " " + out + " " + model + " 0"),
               Catch::Contains("ok 51 "));
    const std::string fasta = gb1_fasta();
    const std::string emb = fresh("export_full_emb.h5"), base = fresh("export_full_base.h5");
    const std::string preds = fresh("export_full_preds.csv");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"embed", "--model", out, "--input", fasta, "--output", emb, "--include", "bos"},
             {"embed", "--model", kEsm, "--input", fasta, "--output", base, "--include", "bos"},
             {"predict", "--model", model, "--input", fasta, "--output", preds}}) {
        r = run_plmkit(args);
        INFO(args.front() << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    CHECK_THAT(python("esm_export.py", "head " + model + " " + emb + " " + preds + " " + base),
               Catch::StartsWith("ok "));
}

TEST_CASE(
    "cli export: an fp16 base keeps its dtype; --save-dtype float32 widens the trained "
    "tensors",
    "[cli][export][esm][dtype]") {
    const std::string fp16 = fresh("export_fp16_base");
    std::filesystem::create_directories(fp16);
    python("esm_fp16.py", "make " + kEsm + " " + fp16);
    const std::string model = train("export_fp16_model", "last:1", fp16);
    const std::string out = fresh("export_fp16_out"), out32 = fresh("export_fp16_out32");
    auto r = run_plmkit({"export", "--model", model, "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Trained tensors: the model's float32 values rounded to fp16 by numpy.
    CHECK_THAT(python("esm_export.py", "tensors " + fp16 + " " + out + " " + model + " 0"),
               Catch::Contains("ok 18 "));
    r = run_plmkit({"export", "--model", model, "--output", out32, "--save-dtype", "float32"});
    REQUIRE(r.exit_code == 0);
    CHECK(stored_dtype(out32, "esm.encoder.layer.2.attention.self.key.weight") == "F32");
    CHECK(stored_dtype(out32, "esm.encoder.layer.0.attention.self.key.weight") == "F16");
    CHECK(nlohmann::json::parse(read_file(out32 + "/config.json")).at("torch_dtype") == "float32");
}

TEST_CASE("cli export: an ensemble needs --member, each member its own encoder",
          "[cli][export][esm]") {
    const std::string model = train("export_ens_model", "last:1", kEsm, {"--ensemble", "2"});
    auto r = run_plmkit({"export", "--model", model, "--output", fresh("export_ens_none")});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("ensemble of 2 members") && Catch::Contains("--member 0..1"));
    r = run_plmkit(
        {"export", "--model", model, "--member", "2", "--output", fresh("export_ens_2")});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--member 2") && Catch::Contains("has 2 members"));
    const std::string out1 = fresh("export_ens_1");
    r = run_plmkit({"export", "--model", model, "--member", "1", "--output", out1});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(python("esm_export.py", "tensors " + kEsm + " " + out1 + " " + model + " 1"),
               Catch::Contains("ok 18 "));
    // Member 0's tensors are not member 1's: the check above can tell them.
    const std::string cmd = "/usr/bin/python3 " +
                            test::source_path("tests/cli/data/esm_export.py") + " tensors " + kEsm +
                            " " + out1 + " " + model + " 0 > /dev/null 2>&1";
    CHECK(std::system(cmd.c_str()) != 0);
}

TEST_CASE("cli export: models without a fine-tuned ESM-2 encoder are refused",
          "[cli][export][esm]") {
    SECTION("--finetune frozen: the encoder is the base checkpoint, named") {
        const std::string model = train("export_frozen_model", "frozen");
        const std::string out = fresh("export_frozen_out");
        auto r = run_plmkit({"export", "--model", model, "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--finetune frozen") &&
                              Catch::Contains("shared/fixtures/esm2_tiny/model' unchanged") &&
                              Catch::Contains("nothing to export"));
        CHECK(!std::filesystem::exists(out));
    }
    SECTION("an ESM-2 checkpoint, a bad --save-dtype, an output that is a file") {
        auto r = run_plmkit({"export", "--model", kEsm, "--output", fresh("export_ckpt_out")});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("is a Hugging Face ESM-2 checkpoint already"));
        r = run_plmkit({"export", "--model", kEsm, "--output", fresh("export_dtype_out"),
                        "--save-dtype", "fp16"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--save-dtype must be input or float32, got 'fp16'"));
        const std::string file = test::write_temp("export_out_file", "x");
        r = run_plmkit({"export", "--model", kEsm, "--output", file});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("is a file, expected a new directory"));
    }
    SECTION("another featurizer") {
        const std::string model = fresh("export_morgan_model");
        auto r = run_plmkit({"train", "--data", test::source_path("tests/cli/data/esol_slice.csv"),
                             "--target-col", "logS", "--featurizer", "morgan", "--epochs", "2",
                             "--hidden", "8", "--threads", "1", "--output", model});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        r = run_plmkit({"export", "--model", model, "--output", fresh("export_morgan_out")});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--featurizer morgan") &&
                              Catch::Contains("no encoder to export"));
    }
    SECTION("the base checkpoint is gone") {
        const std::string copy = fresh("export_gone_base");
        std::filesystem::create_directories(copy);
        for (const char* f : {"config.json", "model.safetensors", "vocab.txt"})
            std::filesystem::copy_file(kEsm + "/" + f, copy + "/" + f);
        const std::string model = train("export_gone_model", "last:1", copy);
        std::filesystem::remove_all(copy);
        const std::string out = fresh("export_gone_out");
        auto r = run_plmkit({"export", "--model", model, "--output", out});
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains("base checkpoint '" + copy + "'") &&
                              Catch::Contains("cannot be loaded"));
        CHECK(!std::filesystem::exists(out));
    }
}

TEST_CASE("cli export: a fine-tuned smiles-lm encoder is written as pretrain's LM_DIR",
          "[cli][export][smiles]") {
    const std::string data = test::source_path("tests/cli/data/esol_slice.csv");
    const std::string model = fresh("export_smiles_model");
    auto r = run_plmkit({"train",     "--data",     data,   "--target-col", "logS", "--featurizer",
                         "smiles-lm", "--finetune", "full", "--lm-layers",  "1",    "--lm-hidden",
                         "32",        "--lm-heads", "2",    "--lm-ffn",     "64",   "--epochs",
                         "2",         "--hidden",   "8",    "--seed",       "5",    "--threads",
                         "1",         "--output",   model});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string out = fresh("export_smiles_out");
    r = run_plmkit({"export", "--model", model, "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("--featurizer smiles-lm --lm-model " + out));
    // Trained tensors: the member's; the rest: the model's smiles_lm base.
    CHECK_THAT(python("esm_export.py", "smiles " + model + " " + out + " 0"),
               Catch::StartsWith("ok 16 "));
    // A frozen smiles-lm model over the export with the same head predicts
    // what the fine-tuned model predicts; over the base it does not.
    const std::string over_export = fresh("export_smiles_frozen"),
                      over_base = fresh("export_smiles_frozen_base");
    python("esm_export.py", "frozen " + model + " " + out + " " + over_export);
    python("esm_export.py", "frozen " + model + " " + model + "/smiles_lm " + over_base);
    std::vector<std::string> preds;
    for (const auto& m : {model, over_export, over_base}) {
        preds.push_back(fresh(std::filesystem::path(m).filename().string() + ".preds.csv"));
        r = run_plmkit({"predict", "--model", m, "--input", data, "--output", preds.back()});
        INFO(m << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    CHECK(read_file(preds[1]) == read_file(preds[0]));
    CHECK(read_file(preds[2]) != read_file(preds[0]));
    // train starts from it as from a pretrain LM_DIR; that frozen model has
    // nothing to export, and export says where its encoder is.
    const std::string again = fresh("export_smiles_again");
    r = run_plmkit({"train", "--data", data, "--target-col", "logS", "--featurizer", "smiles-lm",
                    "--lm-model", out, "--epochs", "1", "--hidden", "8", "--threads", "1",
                    "--output", again});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    r = run_plmkit({"export", "--model", again, "--output", fresh("export_smiles_again_out")});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--finetune frozen") &&
                          Catch::Contains("encoder is '" + again + "/smiles_lm'") &&
                          Catch::Contains("train --lm-model") &&
                          Catch::Contains("nothing to export"));
}
