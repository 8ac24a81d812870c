// `plmkit train` refuses data it cannot train on, with a reason, instead of
// writing a wrong model: a changed file under --resume, split files and
// columns that do not match the data, targets without both classes or
// without labels, a split that leaves train empty, bad numeric options, and
// an output directory that is not its own.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>

#include "tests/catch.hpp"

#include "pipelines/train_checks.hpp"
#include "pipelines/train_job.hpp"
#include "src/error.hpp"
#include "tests/pipelines/train_test_data.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
namespace fs = std::filesystem;

namespace {

/// The header and the first `n` data rows of a shared CSV (reversed order
/// with `reverse`), written to a temp file.
std::string head_csv(const std::string& shared, std::size_t n, const std::string& name,
                     bool reverse = false) {
    auto rows = test::read_csv(test::shared_path(shared));
    std::vector<std::vector<std::string>> body(rows.begin() + 1, rows.begin() + 1 + n);
    if (reverse) std::reverse(body.begin(), body.end());
    const std::string path = test::temp_path(name);
    CsvWriter w(path);
    w.header(rows[0]);
    for (const auto& r : body)
        w.row(r);
    w.close();
    return path;
}

/// A quick forest on 12 descriptors of the first 80 ESOL rows.
TrainOptions quick(const std::string& out) {
    TrainOptions o = test::esol_options(out);
    o.data = head_csv("data/esol/delaney-processed.csv", 80, "esol80.csv");
    o.head = "forest";
    o.forest.trees = 10;
    return o;
}

/// BBBP's first 120 rows with p_np replaced by `label(i)`.
std::string bbbp_labels(const std::string& name, const std::function<std::string(int)>& label) {
    auto rows = test::read_csv(test::shared_path("data/bbbp/BBBP.csv"));
    const std::string path = test::temp_path(name);
    CsvWriter w(path);
    w.header(rows[0]);
    for (int i = 1; i <= 120; ++i) {
        rows[i][2] = label(i);
        w.row(rows[i]);
    }
    w.close();
    return path;
}

std::string split_file(const std::string& text) {
    const std::string path = test::temp_path("split.csv");
    test::write_file(path, text);
    return path;
}

}  // namespace

TEST_CASE("train checks: --resume refuses a data or split file changed since the interruption",
          "[train_checks]") {
    auto o = test::esol_options(test::temp_path("resume_changed"));
    o.data = head_csv("data/esol/delaney-processed.csv", 80, "resume_data.csv");
    std::string split = "row_index,split\n";
    for (int i = 0; i < 80; ++i)
        split += std::to_string(i) + (i < 60 ? ",train\n" : i < 70 ? ",valid\n" : ",test\n");
    o.split = "file:" + split_file(split);
    o.epochs = 5;
    o.stop_after_epochs = 1;
    REQUIRE_FALSE(run_train(o).completed);
    auto resume = o;
    resume.resume = true;
    resume.stop_after_epochs = 0;
    SECTION("the same rows in another order") {
        const std::string reversed =
            head_csv("data/esol/delaney-processed.csv", 80, "reversed.csv", true);
        fs::copy_file(reversed, o.data, fs::copy_options::overwrite_existing);
        CHECK_THROWS_AS(run_train(resume), UsageError);
        CHECK_THROWS_WITH(run_train(resume),
                          Catch::StartsWith("--data '" + o.data +
                                            "' changed since the interrupted run (same size, "
                                            "content hash differs)") &&
                              Catch::EndsWith("start again without --resume"));
        // Without --resume the run starts again in the same directory.
        auto again = o;
        again.stop_after_epochs = 0;
        CHECK(run_train(again).completed);
    }
    SECTION("the split file") {
        test::write_file(o.split.substr(5), split + "\n");
        CHECK_THROWS_WITH(run_train(resume),
                          Catch::StartsWith("--split file: '") && Catch::Contains("bytes then, "));
    }
    SECTION("unchanged files resume") {
        CHECK(run_train(resume).completed);
    }
}

TEST_CASE("train checks: an encoder directory's fingerprint names what changed", "[train_checks]") {
    const std::string dir = test::temp_path("encoder_fp");
    fs::create_directories(dir);
    test::write_file(dir + "/config.json", "{\"layers\": 2}");
    test::write_file(dir + "/vocab.txt", "<pad>\nC\n");
    test::write_file(dir + "/model.safetensors", "weights");
    test::write_file(dir + "/README.md", "not read by a loader");
    const auto before = encoder_fingerprint(dir);
    CHECK(before.size() == 3);  // config.json, vocab.txt, model.safetensors
    CHECK(before.contains("model.safetensors"));
    CHECK_FALSE(before.contains("README.md"));
    CHECK_NOTHROW(check_encoder_unchanged(before, encoder_fingerprint(dir), "--lm-model", dir));
    test::write_file(dir + "/README.md", "edited: still not compared");
    CHECK_NOTHROW(check_encoder_unchanged(before, encoder_fingerprint(dir), "--lm-model", dir));
    const std::string head = "--lm-model '" + dir + "' changed since the interrupted run: ";
    SECTION("a changed file") {
        test::write_file(dir + "/model.safetensors", "WEIGHTS");
        CHECK_THROWS_WITH(
            check_encoder_unchanged(before, encoder_fingerprint(dir), "--lm-model", dir),
            Catch::StartsWith(head + "'model.safetensors' differs (same size, content hash "
                                     "differs)"));
    }
    SECTION("a new shard") {
        test::write_file(dir + "/model-00002.safetensors", "more");
        CHECK_THROWS_WITH(
            check_encoder_unchanged(before, encoder_fingerprint(dir), "--lm-model", dir),
            Catch::StartsWith(head + "'model-00002.safetensors' is new"));
    }
    SECTION("a removed file") {
        fs::remove(dir + "/vocab.txt");
        CHECK_THROWS_WITH(
            check_encoder_unchanged(before, encoder_fingerprint(dir), "--lm-model", dir),
            Catch::StartsWith(head + "'vocab.txt' is gone"));
    }
    SECTION("a run that recorded none") {
        CHECK_THROWS_WITH(check_encoder_unchanged(nlohmann::json(), before, "--esm-model", dir),
                          Catch::Contains("recorded no fingerprint of --esm-model"));
    }
}

TEST_CASE("train checks: split files and columns must match the data", "[train_checks]") {
    auto o = quick(test::temp_path("split_mismatch"));
    std::string all = "row_index,split\n";
    for (int i = 0; i < 80; ++i)
        all += std::to_string(i) + (i % 10 == 0   ? ",test\n"
                                    : i % 10 == 1 ? ",valid\n"
                                                  : ",train\n");
    SECTION("rows missing from the file") {
        std::string shorter = "row_index,split\n";
        for (int i = 0; i < 50; ++i)
            shorter += std::to_string(i) + ",train\n";
        o.split = "file:" + split_file(shorter);
        CHECK_THROWS_AS(run_train(o), InputError);
        CHECK_THROWS_WITH(run_train(o), Catch::StartsWith("data rows 50..79 have no entry"));
    }
    SECTION("a row index past the data") {
        o.split = "file:" + split_file(all + "80,train\n");
        CHECK_THROWS_WITH(run_train(o), Catch::EndsWith(":82: row index 80 out of range: data "
                                                        "has 80 rows"));
    }
    SECTION("an unknown value") {
        o.split = "file:" + split_file(all + "80,foo\n");
        CHECK_THROWS_WITH(run_train(o), Catch::Contains(":82: unknown split 'foo'"));
    }
    SECTION("'exclude' leaves a row out on purpose: split.csv says none") {
        std::string text = all;
        text.replace(text.find("\n2,train\n"), 9, "\n2,exclude\n");
        o.split = "file:" + split_file(text);
        TrainSummary s = run_train(o);
        REQUIRE(s.completed);
        CHECK(s.train + s.valid + s.test == 79);
        CHECK(s.left_out == 1);  // counted nowhere before
        CHECK(s.metrics["counts"]["left_out"] == 1);
        auto m = nlohmann::json::parse(test::read_file(o.output + "/metrics.json"));
        CHECK(m["counts"]["left_out"] == 1);
        auto rows = test::read_csv(o.output + "/split.csv");
        CHECK(rows[3][0] == "2");
        CHECK(rows[3][3] == "none");
    }
    SECTION("a split column with a value that is not a set") {
        auto rows = test::read_csv(o.data);
        const std::string data = test::temp_path("esol_set.csv");
        CsvWriter w(data);
        rows[0].push_back("set");
        w.header(rows[0]);
        for (std::size_t i = 1; i < rows.size(); ++i) {
            rows[i].push_back(i == 7 ? "" : i % 5 == 0 ? "test" : "train");
            w.row(rows[i]);
        }
        w.close();
        o.data = data;
        o.split = "column:set";
        CHECK_THROWS_AS(run_train(o), InputError);
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("data row 6 (id ") &&
                                            Catch::Contains("unknown split '' in column 'set'"));
    }
    CHECK_FALSE(fs::exists(o.output + "/checkpoints"));
}

TEST_CASE("train checks: a target needs labelled training rows of both classes", "[train_checks]") {
    auto o = quick(test::temp_path("one_class"));
    o.task = "classification";
    o.target_cols = {"p_np"};
    SECTION("one class only; rows rejected on the way are written") {
        // Every third label is text: those rows are rejected with the reason.
        o.data = bbbp_labels("bbbp_ones.csv", [](int i) { return i % 3 ? "1" : "x"; });
        CHECK_THROWS_AS(run_train(o), InputError);
        CHECK_THROWS_WITH(run_train(o),
                          Catch::Contains("target 'p_np' has only class 1 among the ") &&
                              Catch::Contains("labelled training rows; a classifier needs both "
                                              "0 and 1"));
        auto rej = test::read_csv(o.output + "/rejects.tsv", '\t');
        std::size_t labels = 0;  // every third row; others are unparsable molecules
        for (const auto& r : rej)
            labels += r.back().find("is not a number: 'x'; classification is binary per target") !=
                              std::string::npos
                          ? 1
                          : 0;
        CHECK(labels == 40);
        CHECK_FALSE(fs::exists(o.output + "/checkpoints"));
    }
    SECTION("a number other than 0/1 (a class code) is refused up front, naming the line") {
        // Line 1 is the header: data row i is on line i + 1.
        o.data = bbbp_labels("bbbp_codes.csv", [](int i) {
            return i == 7 ? "2" : i % 2 ? "1" : "0";
        });
        CHECK_THROWS_AS(run_train(o), InputError);
        CHECK_THROWS_WITH(run_train(o), Catch::StartsWith(o.data + ": line 8 (id '") &&
                                            Catch::Contains("classification target 'p_np' holds "
                                                            "'2'; classification is binary"));
        CHECK_FALSE(fs::exists(o.output + "/checkpoints"));
    }
    SECTION("a target column without any label, in a multi-task model") {
        auto rows = test::read_csv(test::shared_path("data/bbbp/BBBP.csv"));
        o.data = test::temp_path("bbbp_blank_target.csv");
        CsvWriter w(o.data);
        rows[0].push_back("empty_t");
        w.header(rows[0]);
        for (int i = 1; i <= 120; ++i) {
            rows[i].push_back("");
            w.row(rows[i]);
        }
        w.close();
        o.target_cols = {"p_np", "empty_t"};
        CHECK_THROWS_WITH(run_train(o),
                          Catch::Contains("target 'empty_t' has no labelled training rows"));
        o.task = "regression";
        CHECK_THROWS_WITH(run_train(o),
                          Catch::Contains("target 'empty_t' has no labelled training rows"));
    }
    SECTION("both classes train") {
        o.data = bbbp_labels("bbbp_both.csv", [](int i) { return i % 4 ? "1" : "0"; });
        CHECK(run_train(o).completed);
    }
}

TEST_CASE("train checks: no training rows says why", "[train_checks]") {
    auto o = quick(test::temp_path("no_train_rows"));
    SECTION("every row rejected: the reasons are quoted and written") {
        o.task = "classification";
        o.target_cols = {"p_np"};
        // 'yes'/'no' read as 1/0 since labels may be spelled so; 'active' is text.
        o.data = bbbp_labels("bbbp_active.csv", [](int) { return "active"; });
        CHECK_THROWS_AS(run_train(o), InputError);
        CHECK_THROWS_WITH(run_train(o),
                          Catch::Contains("no usable rows: all 120 rows rejected, e.g. row 0: "
                                          "target 'p_np' is not a number: 'active'") &&
                              Catch::Contains(o.output + "/rejects.tsv"));
        CHECK(test::read_csv(o.output + "/rejects.tsv", '\t').size() == 121);
    }
    SECTION("--split-sizes with no train share") {
        o.split_sizes = {0, 0, 1};
        CHECK_THROWS_WITH(run_train(o), Catch::EndsWith("the split leaves no training rows: "
                                                        "--split-sizes gives train 0"));
        CHECK_FALSE(fs::exists(o.output));
    }
    SECTION("one usable row") {
        o.data = head_csv("data/esol/delaney-processed.csv", 1, "esol1.csv");
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("the data has 1 usable row"));
    }
}

TEST_CASE("train checks: numeric options and repeated targets are usage errors", "[train_checks]") {
    auto o = quick(test::temp_path("bad_numbers"));
    auto refused = [&](const std::function<void(TrainOptions&)>& change, const std::string& what) {
        auto bad = o;
        change(bad);
        INFO(what);
        CHECK_THROWS_AS(run_train(bad), UsageError);
        CHECK_THROWS_WITH(run_train(bad), Catch::StartsWith(what));
    };
    refused([](TrainOptions& b) { b.dropout = 1.5; }, "--dropout must be in [0, 1), got 1.5");
    refused([](TrainOptions& b) { b.dropout = 1.0; }, "--dropout must be in [0, 1), got 1");
    refused([](TrainOptions& b) { b.dropout = -0.5; }, "--dropout must be in [0, 1)");
    refused([](TrainOptions& b) { b.featurizer.chem.morgan_bits = 0; }, "--morgan-size");
    refused([](TrainOptions& b) { b.featurizer.chem.morgan_radius = 40; }, "--morgan-radius");
    refused([](TrainOptions& b) { b.weight_decay = -1; }, "--weight-decay");
    refused([](TrainOptions& b) { b.patience = -1; }, "--patience");
    refused([](TrainOptions& b) { b.threads = -2; }, "--threads");
    refused([](TrainOptions& b) { b.featurizer.runtime.max_tokens = 0; }, "--max-tokens");
    refused([](TrainOptions& b) { b.stop_after_epochs = -1; }, "--stop-after-epochs");
    refused([](TrainOptions& b) { b.target_cols.push_back(b.target_cols[0]); },
            "--target-col 'measured log solubility in mols per litre' is given twice");
    CHECK_FALSE(fs::exists(o.output));
}

TEST_CASE("train checks: the output directory", "[train_checks]") {
    auto o = quick(test::temp_path("out_dir"));
    SECTION("a failed run leaves nothing behind") {
        auto bad = o;
        bad.target_cols = {"logS"};
        CHECK_THROWS_AS(run_train(bad), UsageError);
        bad = o;
        bad.data = test::temp_path("empty.csv");
        test::write_file(bad.data, "");
        CHECK_THROWS(run_train(bad));
        CHECK_FALSE(fs::exists(o.output));
    }
    SECTION("a directory with other files is not written into") {
        fs::create_directories(o.output);
        test::write_file(o.output + "/notes.txt", "mine");
        CHECK_THROWS_AS(run_train(o), UsageError);
        CHECK_THROWS_WITH(run_train(o), Catch::Contains("is not empty and holds no plmkit train "
                                                        "run ('notes.txt' is there)"));
        CHECK(test::read_file(o.output + "/notes.txt") == "mine");
    }
    SECTION("an empty directory, or a failed run's rejects, are fine") {
        fs::create_directories(o.output);
        test::write_file(o.output + "/rejects.tsv", "index\tid\tsmiles\treason\n");
        CHECK(run_train(o).completed);
    }
    SECTION("a new run over an interrupted one starts from scratch") {
        auto mlp = test::esol_options(o.output);
        mlp.data = o.data;
        mlp.ensemble = 2;
        mlp.epochs = 3;
        mlp.stop_after_epochs = 5;  // member 0 done, member 1 begun
        REQUIRE_FALSE(run_train(mlp).completed);
        REQUIRE(fs::exists(o.output + "/checkpoints/member_1.pt"));
        auto one = mlp;
        one.ensemble = 1;
        one.stop_after_epochs = 1;
        REQUIRE_FALSE(run_train(one).completed);
        CHECK_FALSE(fs::exists(o.output + "/checkpoints/member_1.pt"));
    }
}

TEST_CASE("train checks: split.csv shows an SDF record as its canonical SMILES", "[train_checks]") {
    // Was "(SDF mol block)" on every row: the split could not be read back.
    const std::string out = test::temp_path("train_sdf_split");
    fs::remove_all(out);
    TrainOptions o = quick(out);
    o.data = test::shared_path("data/sdf/rdkit_solubility.train.sdf");
    o.target_cols = {"SOL"};
    REQUIRE(run_train(o).completed);
    auto rows = test::read_csv(out + "/split.csv");
    REQUIRE(rows.size() > 100);
    CHECK(rows[0] == std::vector<std::string>{"row_index", "id", "smiles", "split"});
    CHECK(rows[1][0] == "0");
    CHECK(rows[1][2] == "CCCCC");  // the file's first record is n-pentane
    for (std::size_t i = 1; i < rows.size(); ++i)
        CHECK(rows[i][2].find("mol block") == std::string::npos);
}

TEST_CASE("train checks: rejects.tsv names an unparsable SDF record by its line",
          "[train_checks]") {
    // The first 30 records of the solubility SDF, then a copy of the first
    // (n-pentane) with a bond to atom 9 of 5. predict said "(mol block at
    // line N)", train only "(mol block)".
    const std::string sdf =
        test::read_file(test::shared_path("data/sdf/rdkit_solubility.train.sdf"));
    std::size_t end = 0;
    for (int i = 0; i < 30; ++i)
        end = sdf.find("$$$$\n", end) + 5;
    std::string text = sdf.substr(0, end);
    const auto broken_line = std::count(text.begin(), text.end(), '\n') + 1;
    std::string broken = sdf.substr(0, sdf.find("$$$$\n") + 5);
    broken.replace(0, broken.find('\n'), "broken");
    const std::size_t bond = broken.find("  4  5  1  0");
    REQUIRE(bond != std::string::npos);
    broken.replace(bond, 12, "  4  9  1  0");
    text += broken;
    const std::string data = test::temp_path("train_broken.sdf");
    test::write_file(data, text);
    const std::string out = test::temp_path("train_broken_sdf");
    TrainOptions o = quick(out);
    o.data = data;
    o.target_cols = {"SOL"};
    REQUIRE(run_train(o).completed);
    auto rej = test::read_csv(out + "/rejects.tsv", '\t');
    REQUIRE(rej.size() == 2);
    CHECK(rej[1][0] == "30");
    CHECK(rej[1][1] == "broken");
    CHECK(rej[1][2] == "(mol block at line " + std::to_string(broken_line) + ")");
}

TEST_CASE("train checks: SMILES with tokens a pre-trained encoder lacks are counted",
          "[train_checks]") {
    // The encoder reads them as <unk>; train said nothing about it.
    const std::string dir = test::temp_path("unk_vocab");
    fs::create_directories(dir);
    test::write_file(dir + "/vocab.txt", "<pad>\n<unk>\n<cls>\n<eos>\n<mask>\nC\nO\nc\n1\n(\n)\n");
    const std::string vocab = dir + "/vocab.txt";
    CHECK(unknown_tokens_warning(vocab, {"CCO", "c1ccccc1", "CC(O)C"}).empty());
    // [Se] and Br are not in it; "C1CC" tokenizes (its ring is RDKit's business).
    const std::string w =
        unknown_tokens_warning(vocab, {"CCO", "C[Se]C", "c1ccccc1", "CCBr", "C1CC"});
    CHECK_THAT(w, Catch::StartsWith("smiles-lm: 2 of 5 SMILES hold tokens the encoder's "
                                    "vocabulary ('" +
                                    vocab +
                                    "') lacks, read as <unk> (the first, '[Se]' in "
                                    "'C[Se]C')"));
}

TEST_CASE("train checks: sequences longer than --truncate are counted", "[train_checks]") {
    // Only the first --truncate residues are embedded; train said nothing.
    CHECK(truncation_warning({"MKTAY", "MKT*", " MKT \n"}, 5).empty());
    // 6 residues (the space does not count), 5 plus a stop codon, 7.
    CHECK(truncation_warning({"MKT AYI", "MKTAY*", "MKTAYIA", "M"}, 5) ==
          "esm: 2 of 4 sequences have more than --truncate 5 residues (the longest 7); only "
          "their first 5 are embedded");
}

TEST_CASE("train checks: 0/1 targets trained as regression get a note to use classification",
          "[train_checks]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    PropertyTable t;
    t.num_targets = 2;
    // rows x 2 targets; row 4 is not a training row
    t.targets = {0, 1, 1, nan, 0, 0, nan, 1, 7, 0.5};
    const std::vector<std::size_t> rows = {0, 1, 2, 3};
    const std::vector<std::string> names = {"NR-AR", "SR-p53"};
    CHECK(binary_regression_note(t, rows, names, "regression") ==
          "every labelled training value of targets 'NR-AR' and 'SR-p53' is 0 or 1, but the "
          "task is regression (the default --task): the model predicts values scored by rmse, "
          "not probabilities scored by roc_auc; for a classifier give --task classification");
    CHECK(binary_regression_note(t, rows, names, "classification").empty());
    SECTION("a target with another value, or of one value only, is no class label") {
        CHECK(binary_regression_note(t, {0, 1, 2, 3, 4}, names, "regression").empty());
        t.targets[2] = 0;  // NR-AR: all 0
        CHECK(binary_regression_note(t, rows, names, "regression").empty());
    }
    SECTION("one target") {
        PropertyTable one;
        one.num_targets = 1;
        one.targets = {1, 0, 0, 1.0};
        CHECK_THAT(binary_regression_note(one, {0, 1, 2, 3}, {"p_np"}, "regression"),
                   Catch::StartsWith("every labelled training value of target 'p_np' is 0 or 1"));
        one.targets[3] = 2.5;
        CHECK(binary_regression_note(one, {0, 1, 2, 3}, {"p_np"}, "regression").empty());
    }
}
