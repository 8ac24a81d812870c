// plmkit pretrain: an existing LM_DIR is not overwritten, every skipped
// record is in LM_DIR/rejects.tsv with its reason, SDF input is read as
// molecules, and option values out of range are usage errors.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "pipelines/mol_parse.hpp"
#include "pipelines/pretrain_job.hpp"
#include "src/error.hpp"
#include "tests/pipelines/train_test_data.hpp"
#include "tests/test_support.hpp"

#include "tests/catch.hpp"

using namespace plmkit;
namespace fs = std::filesystem;

namespace {

/// A one-epoch run of a very small encoder.
pipelines::PretrainOptions small_options(const std::string& data, const std::string& out) {
    pipelines::PretrainOptions o;
    o.data = data;
    o.output = out;
    o.epochs = 1;
    o.batch_size = 16;
    o.hidden = 16;
    o.layers = 1;
    o.heads = 2;
    o.ffn = 32;
    o.max_len = 40;
    o.threads = 1;
    o.log_epochs = false;
    return o;
}

/// A V2000 mol block of a chain of `atoms` (single bonds).
std::string chain_molblock(const std::string& name, const std::vector<std::string>& atoms,
                           int extra_bond_to = 0) {
    char buf[128];
    const int n = static_cast<int>(atoms.size()), bonds = n - 1 + (extra_bond_to ? 1 : 0);
    std::string m = name + "\n  plmkit\n\n";
    std::snprintf(buf, sizeof buf, "%3d%3d  0  0  0  0  0  0  0  0999 V2000\n", n, bonds);
    m += buf;
    for (int i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf,
                      "%10.4f%10.4f%10.4f %-3s 0  0  0  0  0  0  0  0  0  0  0  0\n", 1.3 * i,
                      i % 2 ? 0.75 : 0.0, 0.0, atoms[i].c_str());
        m += buf;
    }
    for (int i = 1; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "%3d%3d  1  0\n", i, i + 1);
        m += buf;
    }
    if (extra_bond_to) {
        std::snprintf(buf, sizeof buf, "%3d%3d  1  0\n", 1, extra_bond_to);
        m += buf;
    }
    return m + "M  END\n$$$$\n";
}

}  // namespace

TEST_CASE("pretrain checks: an existing LM_DIR is not overwritten", "[pretrain_checks]") {
    const std::string out = test::temp_path("lm_existing");
    fs::create_directories(out);
    test::write_file(out + "/config.json", "{}");
    auto o = small_options(test::shared_path("data/esol/delaney-processed.csv"), out);
    o.max_records = 60;
    CHECK_THROWS_AS(pipelines::run_pretrain(o), UsageError);
    CHECK_THROWS_WITH(pipelines::run_pretrain(o),
                      Catch::Contains("'" + out + "' already exists and is not empty"));
    CHECK(test::read_file(out + "/config.json") == "{}");
    // An empty directory is fine.
    fs::remove(out + "/config.json");
    CHECK(pipelines::run_pretrain(o).best_epoch == 1);
    CHECK(fs::exists(out + "/model.safetensors"));
}

TEST_CASE("pretrain checks: every skipped record is in rejects.tsv", "[pretrain_checks]") {
    const std::string data = test::temp_path("pretrain_skips.csv");
    std::string text = "id,smiles\n";
    for (int i = 0; i < 40; ++i) {
        if (i % 5 == 0)  // 8 too long for --max-len 40
            text += "long" + std::to_string(i) + "," + std::string(60, 'C') + "\n";
        else
            text += "ok" + std::to_string(i) + ",CC" + std::string(i % 7, 'C') + "O\n";
    }
    test::write_file(data, text);
    const std::string out = test::temp_path("lm_skips");
    auto r = pipelines::run_pretrain(small_options(data, out));
    CHECK(r.skipped == 8);
    CHECK(r.skip_reasons.size() == 5);  // named on stderr
    auto rej = test::read_csv(out + "/rejects.tsv", '\t');
    REQUIRE(rej.size() == 9);
    CHECK(rej[0] == std::vector<std::string>{"index", "id", "smiles", "reason", "line"});
    for (std::size_t k = 1; k < rej.size(); ++k) {
        CHECK(rej[k][0] == std::to_string((k - 1) * 5));
        CHECK(rej[k][4] == std::to_string((k - 1) * 5 + 2));  // after the header line
        CHECK(rej[k][1] == "long" + rej[k][0]);
        CHECK(rej[k][2] == std::string(60, 'C'));
        CHECK(rej[k][3] == "60 tokens, more than --max-len - 2");
    }
}

TEST_CASE("pretrain checks: SDF records are read as molecules", "[pretrain_checks]") {
    const std::string data = test::temp_path("pretrain.sdf");
    std::string text;
    const std::vector<std::vector<std::string>> mols = {
        {"C", "C"},      {"C", "C", "O"},      {"C", "C", "C"},      {"C", "O", "C"},
        {"C", "C", "N"}, {"C", "C", "C", "O"}, {"C", "N", "C"},      {"C", "C", "C", "C"},
        {"O", "C", "O"}, {"N", "C", "C", "N"}, {"C", "C", "C", "N"}, {"C", "S", "C"}};
    for (std::size_t i = 0; i < mols.size(); ++i)
        text += chain_molblock("mol" + std::to_string(i), mols[i]);
    const auto broken_line = std::count(text.begin(), text.end(), '\n') + 1;
    text += chain_molblock("broken", {"C", "C"}, 9);  // a bond to atom 9 of 2
    test::write_file(data, text);
    const std::string out = test::temp_path("lm_sdf");
    auto r = pipelines::run_pretrain(small_options(data, out));
    CHECK(r.records == 13);
    CHECK(r.train_size + r.valid_size == 12);
    CHECK(r.skipped == 1);
    // Its one validation molecule got no masked token in the first draw (a
    // validation loss of 0 that no epoch could beat): drawn again.
    CHECK(r.valid_size == 1);
    CHECK(r.valid_masked > 0);
    REQUIRE(r.history.size() == 1);
    CHECK(r.history[0].valid_loss > 0);
    auto rej = test::read_csv(out + "/rejects.tsv", '\t');
    REQUIRE(rej.size() == 2);
    CHECK(rej[1][0] == "12");
    CHECK(rej[1][1] == "broken");
    CHECK(rej[1][2] == "(mol block at line " + std::to_string(broken_line) + ")");
    CHECK_THAT(rej[1][3], Catch::StartsWith("unparsable mol block"));
    CHECK(rej[1][4] == std::to_string(broken_line));
}

TEST_CASE("pretrain checks: option values out of range", "[pretrain_checks]") {
    const std::string out = test::temp_path("lm_bad_options");
    auto o = small_options(test::shared_path("data/esol/delaney-processed.csv"), out);
    o.max_records = 60;
    auto refused = [&](const std::function<void(pipelines::PretrainOptions&)>& change,
                       const std::string& what) {
        auto bad = o;
        change(bad);
        INFO(what);
        CHECK_THROWS_AS(pipelines::run_pretrain(bad), UsageError);
        CHECK_THROWS_WITH(pipelines::run_pretrain(bad), Catch::StartsWith(what));
    };
    refused([](auto& b) { b.dropout = 1.5; }, "--dropout must be in [0, 1)");
    refused([](auto& b) { b.weight_decay = -1; }, "--weight-decay must be >= 0");
    refused([](auto& b) { b.threads = -1; }, "--threads must be >= 0");
    refused([](auto& b) { b.stop_after_epochs = -1; }, "--stop-after-epochs must be >= 1");
    refused([](auto& b) { b.checkpoint_every = -2; }, "--checkpoint-every must be >= 0 steps");
    refused([](auto& b) { b.hidden = 15; }, "--hidden must be a positive multiple of --heads");
    refused([](auto& b) { b.layers = 0; }, "--layers and --ffn must be >= 1");
    refused([](auto& b) { b.max_len = 2; }, "--max-len must be at least 3");
    refused([](auto& b) { b.valid_fraction = 0.999; },
            "--valid-fraction 0.999 of 55 usable SMILES leaves none for training");
    CHECK_FALSE(fs::exists(out));
}

TEST_CASE("shown_smiles: SMILES as given, a mol block as its canonical SMILES",
          "[pretrain_checks][parse]") {
    CHECK(pipelines::shown_smiles("OCC") == "OCC");  // a SMILES is shown as the user wrote it
    const std::string ethanol = chain_molblock("eth", {"O", "C", "C"});
    CHECK(pipelines::shown_smiles(ethanol) == "CCO");
    const std::string broken = chain_molblock("broken", {"C", "C"}, 9);
    CHECK(pipelines::shown_smiles(broken, 40) == "(mol block at line 40)");
    CHECK(pipelines::shown_smiles(broken) == "(mol block)");
}

TEST_CASE("pretrain checks: a CSV's bad rows show as they are, their place said once",
          "[pretrain_checks]") {
    const std::string data = test::temp_path("pretrain_bad_rows.csv");
    std::string text = "id,smiles\n";
    for (int i = 0; i < 30; ++i)
        text += "ok" + std::to_string(i) + ",CC" + std::string(i % 7, 'C') + "O\n";
    text += "empty,\n";       // line 32
    text += "extra,CCO,x\n";  // line 33
    test::write_file(data, text);
    const std::string out = test::temp_path("lm_bad_rows");
    auto r = pipelines::run_pretrain(small_options(data, out));
    CHECK(r.skipped == 2);
    REQUIRE(r.skip_reasons.size() == 2);
    CHECK(r.skip_reasons[0] == data + ":32: empty SMILES");
    // The reader's reason names the place already: not twice.
    CHECK(r.skip_reasons[1] == data + ":33: expected 2 fields, found 3");
    auto rej = test::read_csv(out + "/rejects.tsv", '\t');
    REQUIRE(rej.size() == 3);
    CHECK(rej[1] == std::vector<std::string>{"30", "empty", "", "empty SMILES",
                                             "32"});  // not "(mol block at line 32)"
    CHECK(rej[2][2] == "CCO");
    CHECK(rej[2][4] == "33");
}

TEST_CASE("pretrain checks: a SMILES RDKit cannot parse is skipped with RDKit's reason",
          "[pretrain_checks]") {
    // These tokenize but are no molecules; train and predict reject them
    // (smiles-lm), so pre-training on them was learning from noise unnoticed.
    const std::string data = test::temp_path("pretrain_unparsable.csv");
    std::string text = "id,smiles\n";
    for (int i = 0; i < 30; ++i)
        text += "ok" + std::to_string(i) + ",CC" + std::string(i % 7, 'C') + "O\n";
    text += "ring,C1CC\n";             // unclosed ring
    text += "kekule,c1ccccc\n";        // aromatic atoms outside a ring
    text += "valence,CC(C)(C)(C)C\n";  // five bonds on carbon
    text += "element,C[Xx]C\n";        // no such element
    test::write_file(data, text);
    const std::string out = test::temp_path("lm_unparsable");
    auto r = pipelines::run_pretrain(small_options(data, out));
    CHECK(r.records == 34);
    CHECK(r.skipped == 4);
    CHECK(r.train_size + r.valid_size == 30);
    auto rej = test::read_csv(out + "/rejects.tsv", '\t');
    REQUIRE(rej.size() == 5);
    const std::vector<std::string> ids = {"ring", "kekule", "valence", "element"};
    for (std::size_t k = 1; k < rej.size(); ++k) {
        CHECK(rej[k][0] == std::to_string(29 + k));
        CHECK(rej[k][1] == ids[k - 1]);
        CHECK_THAT(rej[k][3], Catch::StartsWith("unparsable SMILES: "));
        CHECK(rej[k][4] == std::to_string(31 + k));
    }
    CHECK_THAT(rej[1][3], Catch::Contains("unclosed ring"));
    CHECK_THAT(rej[3][3], Catch::Contains("valence"));
}

TEST_CASE("pretrain checks: a run whose loss is NaN from the start writes no encoder",
          "[pretrain_checks]") {
    // It saved the NaN weights of epoch 1 as the best and exited 0.
    const std::string data = test::temp_path("pretrain_diverge.csv");
    std::string text = "id,smiles\n";
    for (int i = 0; i < 40; ++i)
        text += "ok" + std::to_string(i) + ",CC" + std::string(i % 7, 'C') + "O\n";
    test::write_file(data, text);
    const std::string out = test::temp_path("lm_diverge");
    auto o = small_options(data, out);
    o.lr = 1e12;
    o.epochs = 2;
    CHECK_THROWS_AS(pipelines::run_pretrain(o), UsageError);
    CHECK_FALSE(fs::exists(out + "/model.safetensors"));
    fs::remove_all(out);
    CHECK_THROWS_WITH(pipelines::run_pretrain(o), Catch::Contains("training diverged") &&
                                                      Catch::Contains("a lower --lr than 1e+12"));
}

TEST_CASE("pretrain checks: a validation set whose masks chose nothing is refused",
          "[pretrain_checks]") {
    // Its loss was 0: the first epoch (protein: the input model) stayed the
    // best, and no trained epoch could ever be saved.
    auto o = small_options(test::shared_path("data/esol/delaney-processed.csv"),
                           test::temp_path("lm_no_valid_masks"));
    o.max_records = 60;
    o.mask_prob = 1e-9;
    CHECK_THROWS_AS(pipelines::run_pretrain(o), UsageError);
    CHECK_THROWS_WITH(pipelines::run_pretrain(o),
                      Catch::StartsWith("--mask-prob 1e-09 chose no token of the ") &&
                          Catch::Contains(" in 100 draws") &&
                          Catch::Contains(" validation SMILES"));
    CHECK_FALSE(fs::exists(o.output + "/model.safetensors"));

    pipelines::PretrainOptions p;
    p.kind = "protein";
    p.esm_model = test::shared_path("fixtures/esm2_tiny/model");
    p.data = test::shared_path("data/flip_gb1/sampled.csv");
    p.output = test::temp_path("esm_no_valid_masks");
    p.max_records = 20;
    p.epochs = 1;
    p.threads = 1;
    p.log_epochs = false;
    p.mask_prob = 1e-9;
    CHECK_THROWS_WITH(pipelines::run_pretrain(p),
                      Catch::StartsWith("--mask-prob 1e-09 chose no residue of the 2 validation "
                                        "sequences"));
    CHECK_FALSE(fs::exists(p.output + "/model.safetensors"));
}
