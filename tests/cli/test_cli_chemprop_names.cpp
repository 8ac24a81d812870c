// A Chemprop user's command lines (chemprop_train / chemprop_predict of v1,
// `chemprop train|predict` of v2) get the plmkit name in the error, not just
// "has no option": docs/train.md "Coming from Chemprop".
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using Catch::Contains;
using plmkit::test::run_plmkit;
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace {

std::string tiny_table() {
    const std::string path = temp_path("chemprop_names.csv");
    write_file(path, "smiles,NR-AR,NR-AhR\nCCO,0,1\nCCCO,1,0\nc1ccccc1,0,0\nCCN,1,1\nCCCN,0,1\n");
    return path;
}

/// `plmkit train` on tiny_table() into `out` with `more` options: a usage
/// error (exit 2); its result.
plmkit::test::RunResult train_usage_error(const std::string& out,
                                          const std::vector<std::string>& more) {
    auto r = run_plmkit(plmkit::test::with(
        {"train", "--data", tiny_table(), "--target-col", "NR-AR", "--output", out}, more));
    CHECK(r.exit_code == 2);
    return r;
}

}  // namespace

TEST_CASE("cli train: Chemprop's option names point to plmkit's", "[cli][train][chemprop]") {
    const auto out = temp_path("chemprop_names_model");
    SECTION("v1 names, each with its plmkit name; the required --data is still named") {
        auto r = run_plmkit({"train", "--data_path", tiny_table(), "--dataset_type",
                             "classification", "--save_dir", out, "--target_columns", "NR-AR"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("'--data_path' (Chemprop's --data_path; here: --data)"));
        CHECK_THAT(r.err, Contains("'--dataset_type' (Chemprop's --dataset_type; here: --task "
                                   "regression|classification|multiclass)"));
        CHECK_THAT(r.err, Contains("'--save_dir' (Chemprop's --save_dir; here: --output)"));
        CHECK_THAT(r.err, Contains("(Chemprop's --target_columns; here: --target-col"));
        CHECK_THAT(r.err, Contains("--data is required"));
    }
    SECTION("v2 names (hyphens, =value) are found the same way") {
        auto r = train_usage_error(out, {"--ensemble-size=3", "--split-type", "random"});
        CHECK_THAT(r.err, Contains("'--ensemble-size=3' (Chemprop's --ensemble-size; here: "
                                   "--ensemble"));
        CHECK_THAT(r.err, Contains("'--split-type' (Chemprop's --split-type; here: --split"));
    }
    SECTION("what plmkit has no option for says what to do instead") {
        auto r = train_usage_error(out, {"--num_folds", "5", "--separate_test_path", "t.csv"});
        CHECK_THAT(r.err, Contains("'--num_folds' (Chemprop's --num_folds; plmkit trains one "
                                   "split a run"));
        CHECK_THAT(r.err, Contains("--split column:NAME"));
    }
    SECTION("a plmkit option written with '_' or one letter off gets a did-you-mean") {
        auto r = train_usage_error(out, {"--batch_size", "10", "--epoch", "3"});
        CHECK_THAT(r.err, Contains("'--batch_size' (did you mean --batch-size?)"));
        CHECK_THAT(r.err, Contains("'--epoch' (did you mean --epochs?)"));
    }
    SECTION("a name nothing resembles is listed as before, without a hint") {
        auto r = train_usage_error(out, {"--zzzz-qqqq", "1"});
        CHECK_THAT(r.err, Contains("'plmkit train' has no option '--zzzz-qqqq'\n"));
    }
}

TEST_CASE("cli train: Chemprop's split types and features generators are named",
          "[cli][train][chemprop]") {
    const auto out = temp_path("chemprop_values_model");
    SECTION("--split scaffold_balanced") {
        auto r = train_usage_error(out, {"--split", "scaffold_balanced"});
        CHECK_THAT(r.err, Contains("got 'scaffold_balanced'; Chemprop's scaffold_balanced is "
                                   "--split scaffold here"));
    }
    SECTION("--featurizer rdkit_2d_normalized, alone or joined") {
        for (const std::string f : {"rdkit_2d_normalized", "morgan+rdkit_2d_normalized"}) {
            auto r = train_usage_error(out, {"--featurizer", f});
            CHECK_THAT(r.err,
                       Contains("unknown featurizer 'rdkit_2d_normalized' in --featurizer '" + f +
                                "': Chemprop's rdkit_2d_normalized is rdkit2d"));
        }
    }
    SECTION("--featurizer morgan_binary is plmkit's morgan with --morgan bits") {
        auto r = train_usage_error(out, {"--featurizer", "morgan_binary"});
        CHECK_THAT(r.err, Contains("Chemprop's morgan_binary is morgan with --morgan bits here"));
    }
}

TEST_CASE("cli train: --split-sizes as three words says to join them with commas",
          "[cli][train][chemprop]") {
    auto r = train_usage_error(temp_path("chemprop_sizes_model"),
                               {"--split-sizes", "0.8", "0.1", "0.1"});
    CHECK_THAT(r.err, Contains("--split-sizes: expected 3 items, got 1 ('0.8'); give all 3 in "
                               "one comma-separated value, e.g. --split-sizes 0.8,0.1,0.1"));
}

TEST_CASE("cli train: --target-col a,b says to give one column per --target-col",
          "[cli][train][chemprop]") {
    auto r = run_plmkit({"train", "--data", tiny_table(), "--target-col", "NR-AR,NR-AhR",
                         "--output", temp_path("chemprop_targets_model")});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("no target column 'NR-AR,NR-AhR'"));
    CHECK_THAT(r.err, Contains("'NR-AR,NR-AhR' names 2 columns: give each after its own "
                               "--target-col (--target-col NR-AR --target-col NR-AhR)"));
}

TEST_CASE("cli predict and evaluate: Chemprop's option names point to plmkit's",
          "[cli][predict][chemprop]") {
    SECTION("predict") {
        auto r = run_plmkit({"predict", "--test_path", "in.csv", "--checkpoint_dir", "m",
                             "--preds_path", "p.csv", "--features_generator", "rdkit_2d"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("'--test_path' (Chemprop's --test_path; here: --input)"));
        CHECK_THAT(r.err, Contains("'--checkpoint_dir' (Chemprop's --checkpoint_dir; here: "
                                   "--model"));
        CHECK_THAT(r.err, Contains("'--preds_path' (Chemprop's --preds_path; here: --output)"));
        CHECK_THAT(r.err, Contains("the model's featurizer, from its config.json, is used"));
    }
    SECTION("evaluate reads its table from --data") {
        auto r = run_plmkit({"evaluate", "--model", "m", "--test_path", "in.csv"});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Contains("'--test_path' (Chemprop's --test_path; here: --data)"));
    }
}

TEST_CASE("cli evaluate: a --target-col count that is not the model's names both lists",
          "[cli][predict][chemprop]") {
    // Chemprop scores every target column it was given; plmkit maps the
    // model's targets one to one.
    const std::string data = temp_path("chemprop_two_targets.csv");
    std::string text = "smiles,a,b\n";
    const char* smiles[] = {"CCO", "CCCO", "c1ccccc1", "CCN", "CCCN", "CCOC", "CCCl", "CC(=O)O"};
    for (int i = 0; i < 16; ++i)
        text += std::string(smiles[i % 8]) + std::string(i / 8, 'C') + "," + std::to_string(i) +
                "," + std::to_string(2 * i) + "\n";
    write_file(data, text);
    const std::string model = temp_path("chemprop_two_targets_model");
    auto t = run_plmkit({"-q", "train", "--data", data, "--target-col", "a", "--target-col", "b",
                         "--featurizer", "morgan", "--head", "knn", "--output", model});
    REQUIRE(t.exit_code == 0);
    auto r = run_plmkit({"evaluate", "--model", model, "--data", data, "--target-col", "b"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Contains("the model predicts 2 targets ('a', 'b'), got 1 --target-col "
                               "('b'): give one --target-col per target, in the model's order"));
}
