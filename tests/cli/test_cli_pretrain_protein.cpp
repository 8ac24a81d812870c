// plmkit pretrain --kind protein as the user sees it: continued masked-LM
// training of the esm2_tiny fixture on FLIP GB1 variants, the checkpoint it
// writes (names and shapes of the input, loadable by embed), rejects, options.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <regex>

#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "src/safetensors.hpp"
#include "tests/cli/pretrain_runs.hpp"
#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;

namespace {

const std::string kEsm = shared_path("fixtures/esm2_tiny/model");
const std::string kGb1 = shared_path("data/flip_gb1/sampled.csv");
const std::string kFew = shared_path("data/protein_fasta/esm_few_proteins.fasta");

std::vector<std::string> pretrain_args(const std::string& out, const std::string& epochs) {
    return {"pretrain", "--kind",        "protein", "--esm-model", kEsm,   "--data",
            kGb1,       "--max-records", "32",      "--epochs",    epochs, "--lr",
            "2e-3",     "--batch-size",  "8",       "--threads",   "1",    "--output",
            out};
}

/// The valid losses of the epoch lines, epoch 0 first.
std::vector<double> valid_losses(const std::string& err) {
    std::vector<double> out;
    std::regex re("pretrain epoch [^\n]*valid loss ([0-9.]+)");
    for (auto it = std::sregex_iterator(err.begin(), err.end(), re); it != std::sregex_iterator();
         ++it)
        out.push_back(std::stod((*it)[1].str()));
    return out;
}

/// /mean of `plmkit embed --model model` on the 3 proteins of esm_few_proteins.
std::vector<float> embed_means(const std::string& model, const std::string& name) {
    const std::string h5 = temp_path(name);
    std::remove(h5.c_str());
    auto r = run_plmkit({"embed", "--model", model, "--input", kFew, "--output", h5});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    plmkit::Hdf5Reader reader(h5);
    return reader.read_f32("mean", 0, 3);
}

/// embed_means of the fixture model itself, embedded once for the tests
/// below.
const std::vector<float>& fixture_means() {
    static const std::vector<float> means = embed_means(kEsm, "cli_esm_fixture_means.h5");
    return means;
}

/// Tensor name -> (dtype, shape) of a safetensors file, and its raw bytes.
std::map<std::string, std::string> layout(const plmkit::SafetensorsFile& f) {
    std::map<std::string, std::string> out;
    for (const auto& name : f.names())
        out[name] = std::string(plmkit::to_string(f.get(name).dtype)) + f.get(name).shape_string();
    return out;
}

bool same_bytes(const plmkit::SafetensorsFile& a, const plmkit::SafetensorsFile& b,
                const std::string& name) {
    const auto &x = a.get(name), &y = b.get(name);
    return x.nbytes == y.nbytes && std::memcmp(x.data, y.data, x.nbytes) == 0;
}

}  // namespace

TEST_CASE("cli pretrain protein: the loss falls and the checkpoint embeds differently",
          "[pretrain][protein]") {
    const std::string out = temp_path("cli_esm_dapt");
    std::filesystem::remove_all(out);
    auto args = pretrain_args(out, "3");
    args.insert(args.end(), {"--log-every", "0"});
    auto r = run_plmkit(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    CHECK_THAT(r.err, Catch::Contains("pretrain: 29 training / 3 validation sequences"));
    CHECK_THAT(r.err, Catch::Contains("pretrain epoch 0 (the input model): valid loss"));
    // Progress within an epoch in a non-terminal log: one line a step here.
    CHECK_THAT(r.err, Catch::Contains("pretrain epoch 2/3: 1/4 (25%) steps, ") &&
                          Catch::Contains("residues/s") && Catch::Contains(", train loss "));
    CHECK_THAT(r.err, Catch::Contains("(0 skipped), best epoch 3, valid loss "));
    const auto losses = valid_losses(r.err);
    REQUIRE(losses.size() == 4);
    CHECK(losses[3] < losses[0] - 0.5);  // GB1 variants are one family: easy to learn

    for (const char* f : {"/config.json", "/model.safetensors", "/vocab.txt", "/rejects.tsv"})
        CHECK(file_exists(out + f));
    CHECK(read_file(out + "/vocab.txt") == read_file(kEsm + "/vocab.txt"));
    CHECK_THAT(read_file(out + "/config.json"), Catch::Contains("\"plmkit_pretrain\"") &&
                                                    Catch::Contains("\"num_hidden_layers\": 3"));
    plmkit::SafetensorsFile in(kEsm + "/model.safetensors"), got(out + "/model.safetensors");
    CHECK(layout(got) == layout(in));
    CHECK_FALSE(same_bytes(in, got, "esm.encoder.layer.0.attention.self.key.weight"));
    CHECK_FALSE(same_bytes(in, got, "lm_head.bias"));
    // Tied decoder stays tied; untrained tensors are the input's.
    CHECK(std::memcmp(got.get("lm_head.decoder.weight").data,
                      got.get("esm.embeddings.word_embeddings.weight").data,
                      got.get("lm_head.decoder.weight").nbytes) == 0);
    CHECK(same_bytes(in, got, "esm.contact_head.regression.weight"));
    CHECK(same_bytes(in, got, "esm.encoder.layer.1.attention.self.rotary_embeddings.inv_freq"));

    const auto& before = fixture_means();
    const auto after = embed_means(out, "cli_esm_dapt_after.h5");
    REQUIRE(before.size() == after.size());
    double diff = 0;
    for (std::size_t i = 0; i < before.size(); ++i)
        diff = std::max(diff, static_cast<double>(std::fabs(before[i] - after[i])));
    CHECK(diff > 1e-3);
}

TEST_CASE("cli pretrain protein: --epochs 0 scores and writes the input unchanged",
          "[pretrain][protein]") {
    const std::string out = temp_path("cli_esm_dapt0");
    std::filesystem::remove_all(out);
    auto r = run_plmkit(pretrain_args(out, "0"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("best epoch 0 (the input model, unchanged)"));
    plmkit::SafetensorsFile in(kEsm + "/model.safetensors"), got(out + "/model.safetensors");
    REQUIRE(layout(got) == layout(in));
    for (const auto& name : in.names()) {
        INFO(name);
        CHECK(same_bytes(in, got, name));
    }
    CHECK(fixture_means() == embed_means(out, "cli_esm_dapt0_after.h5"));
}

TEST_CASE("cli pretrain protein: the same --seed gives the same checkpoint",
          "[pretrain][protein]") {
    auto run = [](const std::string& name, const std::string& seed) {
        const std::string out = temp_path(name);
        std::filesystem::remove_all(out);
        auto args = pretrain_args(out, "1");
        args[8] = "16";  // --max-records
        args.insert(args.end(), {"--seed", seed, "--crop", "100"});
        auto r = run_plmkit(args);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        // GB1 has 265 residues: every sequence is cropped to a random window.
        CHECK_THAT(r.err, Catch::Contains("(16 longer than 100 residues, cropped to a random"));
        return read_file(out + "/model.safetensors");
    };
    const std::string a = run("cli_esm_seed_a", "5");
    CHECK(run("cli_esm_seed_b", "5") == a);
    CHECK(run("cli_esm_seed_c", "6") != a);
}

TEST_CASE("cli pretrain protein: bad records go to rejects.tsv with embed's reasons",
          "[pretrain][protein]") {
    const std::string data = temp_path("cli_esm_dapt_bad.fasta");
    std::string text;
    for (int i = 0; i < 6; ++i)
        text += ">ok" + std::to_string(i) + "\nMKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ" +
                std::string(static_cast<std::size_t>(i), 'A') + "\n";
    text += ">digit\nMKT1AYIAK\n>masked\nMKT<mask>AYIAK\n>long\n" + std::string(80, 'G') + "\n";
    plmkit::test::write_file(data, text);
    const std::string out = temp_path("cli_esm_dapt_bad");
    std::filesystem::remove_all(out);
    auto r = run_plmkit({"pretrain", "--kind", "protein", "--esm-model", kEsm, "--data", data,
                         "--epochs", "1", "--crop", "60", "--long", "skip", "--valid-fraction",
                         "0.2", "--threads", "1", "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("3 of 9 records skipped, each with its reason in " + out +
                                      "/rejects.tsv"));
    const std::string rejects = read_file(out + "/rejects.tsv");
    // The last column is the line of the record's '>' header.
    CHECK_THAT(rejects, Catch::StartsWith("index\tid\tsequence\treason\tline\n"));
    CHECK_THAT(rejects,
               Catch::Contains("\n7\tdigit\tMKT1AYIAK\tinvalid character '1' at position 4\t13\n"));
    CHECK_THAT(rejects, Catch::Contains("\n8\tmasked\tMKT<mask>AYIAK\tcontains <mask>: "
                                        "pre-training data must be whole sequences\t15\n"));
    CHECK_THAT(rejects, Catch::Contains("\tlonger than 60 residues (80; --long skip)\t17\n"));
}

TEST_CASE("cli pretrain protein: option errors", "[pretrain][protein]") {
    const std::string out = temp_path("cli_esm_dapt_err");
    std::filesystem::remove_all(out);
    auto base = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = {"pretrain", "--kind",   "protein", "--data",
                                      kFew,       "--output", out};
        a.insert(a.end(), extra.begin(), extra.end());
        return run_plmkit(a);
    };
    SECTION("a SMILES encoder's size does not apply") {
        auto r = base({"--esm-model", kEsm, "--hidden", "32"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--hidden does not apply to --kind protein"));
    }
    SECTION("--esm-model with --kind smiles") {
        auto r = run_plmkit({"pretrain", "--data", kGb1, "--esm-model", kEsm, "--output", out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--esm-model does not apply to --kind smiles"));
    }
    SECTION("a crop beyond the model's positions") {
        auto r = base({"--esm-model", kEsm, "--crop", "1025"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--crop 1025 is more than the 1024 residues"));
    }
    SECTION("an unknown --long") {
        auto r = base({"--esm-model", kEsm, "--long", "truncate"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("expected crop or skip"));
    }
    SECTION("a missing model directory") {
        auto r = base({"--esm-model", out + "_none"});
        CHECK(r.exit_code == 5);
        CHECK_THAT(r.err, Catch::Contains("does not exist"));
    }
    CHECK_FALSE(file_exists(out));
}

TEST_CASE("cli pretrain: progress within an epoch, drawn on a terminal and logged otherwise",
          "[pretrain][protein]") {
    SECTION("--kind smiles in a log: a line a step with --log-every 0") {
        const std::string out = temp_path("cli_lm_progress");
        std::filesystem::remove_all(out);
        auto r = run_plmkit(plmkit::test::smiles_progress_args(out));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("plmkit: pretrain epoch 1/1: 1/3 (33%) steps, ") &&
                              Catch::Contains("plmkit: pretrain epoch 1/1: 3/3 (100%) steps, ") &&
                              Catch::Contains(" tokens/s, ") && Catch::Contains(", train loss "));
    }
    SECTION("--kind protein on a terminal: a line redrawn in place, then erased") {
        if (!plmkit::test::have_script()) {
            WARN("no /usr/bin/script: the terminal case is not checked");
            return;
        }
        const std::string out = temp_path("cli_esm_progress");
        std::filesystem::remove_all(out);
        std::string text;
        const int rc = plmkit::test::run_in_terminal(
            "timeout 120 " + plmkit::test::plmkit_bin() + " pretrain --kind protein --esm-model " +
                kEsm + " --data " + kGb1 +
                " --max-records 80 --batch-size 1 --epochs 1 --threads 1 --output " + out,
            text);
        INFO(text);
        CHECK(rc == 0);
        CHECK_THAT(text, Catch::Contains("\r\033[Kpretrain epoch 1/1: ") &&
                             Catch::Contains("/72 (") && Catch::Contains(" residues/s, ETA "));
        // Drawn, so not logged as well; the epoch's line follows the erased one.
        CHECK_THAT(text, !Catch::Contains("plmkit: pretrain epoch 1/1: 1/72"));
        CHECK_THAT(text, Catch::Contains("\r\033[Kplmkit: pretrain epoch 1/1: train loss"));
    }
}

TEST_CASE("cli pretrain protein: --help lists the protein options", "[pretrain][protein]") {
    auto r = run_plmkit({"pretrain", "--help"});
    CHECK(r.exit_code == 0);
    for (const char* opt : {"--esm-model", "--seq-col", "--crop", "--long", "--log-every",
                            "--save-dtype", "--kind protein --esm-model"})
        CHECK_THAT(r.out, Catch::Contains(opt));
}
