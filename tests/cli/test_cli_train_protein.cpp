// plmkit train on protein sequences as an ESM-2 user coming from Hugging
// Face transformers or fair-esm meets it: the Trainer's option names get a
// pointer to plmkit's, and a fine-tuned run rejects and splits rows as a
// frozen run does.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::split_fields;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

namespace {

/// The first column of each line of `text` after its header.
std::vector<std::string> first_column(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::size_t pos = text.find('\n') + 1;
    while (pos < text.size()) {
        const std::size_t end = text.find('\n', pos);
        out.push_back(split_fields(text.substr(pos, end - pos), sep).at(0));
        pos = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
}

/// 24 short sequences with values; rows 1 (empty), 2 (a 'J'), 5 (a '1') and
/// 3 (no value) cannot be used.
std::string odd_table() {
    std::string csv = "sequence,target\n";
    const std::string base = "MKTAYIAKQRQISFVKSHFSRQ";
    for (int i = 0; i < 24; ++i) {
        std::string seq =
            base.substr(0, 8 + i % 12) + std::string(1, "ACDEFGHIKLMNPQRSTVWY"[i % 20]);
        std::string value = std::to_string(0.1 * i);
        if (i == 1) seq = "";
        if (i == 2) seq = "MKTJAYIAK";
        if (i == 5) seq = "MKT1AYIAK";
        if (i == 3) value = "";
        csv += seq + "," + value + "\n";
    }
    return write_temp("protein_odd.csv", csv);
}

}  // namespace

TEST_CASE("cli train: Hugging Face Trainer option names point to plmkit's",
          "[cli][train_protein]") {
    const std::string esm = shared_path("fixtures/esm2_tiny/model");
    const std::vector<std::string> base = {
        "train",        "--data", "x.csv",    "--featurizer",           "esm", "--esm-model", esm,
        "--target-col", "target", "--output", temp_path("hf_names_out")};
    struct Case {
        std::vector<std::string> extra;
        std::string expected;
    };
    const std::vector<Case> cases = {
        {{"--learning_rate", "2e-5"}, "has no option '--learning_rate' (did you mean --lr?"},
        {{"--learning-rate=2e-5"}, "did you mean --lr?"},
        {{"--num_train_epochs", "3"}, "did you mean --epochs?"},
        {{"--per_device_train_batch_size", "8"}, "did you mean --batch-size?"},
        {{"--batch_size", "8"}, "has no option '--batch_size' (did you mean --batch-size?)"},
        {{"--weight_decay", "0.1"}, "did you mean --weight-decay?"},
        {{"--max_length", "512"}, "did you mean --truncate?"},
        {{"--gradient_accumulation_steps", "4"}, "did you mean --grad-accum? Hugging Face"},
        {{"--warmup_ratio", "0.1"}, "did you mean --warmup-epochs? the warm-up is counted in"},
        {{"--warmup_steps", "100"}, "did you mean --warmup-epochs?"},
        {{"--warmup_epochs", "1"}, "did you mean --warmup-epochs?"},
        {{"--freeze_layers", "4"}, "did you mean --finetune?"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args = base;
        args.insert(args.end(), c.extra.begin(), c.extra.end());
        auto r = run_plmkit(args);
        INFO(c.extra.front() << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(c.expected));
    }
    // Two unknown options: each named with its hint; one without a hint is
    // listed as before.
    std::vector<std::string> args = base;
    for (const char* a : {"--learning_rate", "1e-5", "--no-such-thing", "--num_train_epochs", "2"})
        args.push_back(a);
    auto r = run_plmkit(args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("has no option '--learning_rate' (did you mean --lr? "));
    CHECK_THAT(r.err, Catch::Contains("), '--no-such-thing', '--num_train_epochs' (did you mean "
                                      "--epochs? "));
    // predict: the eval batch size is a token budget here.
    r = run_plmkit({"predict", "--model", "m", "--input", "in.fa", "--output", "p.csv",
                    "--per_device_eval_batch_size", "8"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("did you mean --max-tokens?"));
}

TEST_CASE("cli train: fine-tuning ESM-2 rejects rows in input order and splits as frozen",
          "[cli][train_protein][esm]") {
    const std::string esm = shared_path("fixtures/esm2_tiny/model");
    const std::string data = odd_table();
    auto train = [&](const std::string& name, const std::string& finetune) {
        const std::string out = temp_path(name);
        std::vector<std::string> args = {
            "train",       "--data",      data, "--target-col", "target", "--featurizer",
            "esm",         "--esm-model", esm,  "--finetune",   finetune, "--hidden",
            "8",           "--epochs",    "1",  "--seed",       "3",      "--split-sizes",
            "0.6,0.2,0.2", "--threads",   "1",  "--output",     out};
        if (finetune != "frozen") args.insert(args.end(), {"--encoder-lr", "2e-5"});
        auto r = run_plmkit(args);
        INFO(finetune << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("24 rows, 4 rejected"));
        return out;
    };
    const std::string frozen = train("protein_odd_frozen", "frozen");
    const std::string tuned = train("protein_odd_tuned", "last:1");
    // The four unusable rows, 0-based data rows, in input order.
    const std::vector<std::string> expected = {"1", "2", "3", "5"};
    CHECK(first_column(read_file(frozen + "/rejects.tsv"), '\t') == expected);
    CHECK(first_column(read_file(tuned + "/rejects.tsv"), '\t') == expected);
    const std::string tuned_rejects = read_file(tuned + "/rejects.tsv");
    CHECK_THAT(tuned_rejects, Catch::Contains("empty sequence"));
    CHECK_THAT(tuned_rejects, Catch::Contains("invalid character 'J' at position 4"));
    CHECK_THAT(tuned_rejects, Catch::Contains("invalid character '1' at position 4"));
    // The same 20 usable rows, cut alike by the same seed.
    const std::string split = read_file(frozen + "/split.csv");
    CHECK(first_column(split, ',').size() == 20);
    CHECK(read_file(tuned + "/split.csv") == split);
    // --encoder-lr is recorded with the training options.
    const auto config = nlohmann::json::parse(read_file(tuned + "/config.json"));
    CHECK(config.at("training").at("encoder_lr").get<double>() == 2e-5);
    CHECK(!nlohmann::json::parse(read_file(frozen + "/config.json"))
               .at("training")
               .contains("encoder_lr"));
}

TEST_CASE("cli train: --encoder-lr needs a fine-tuned encoder and a positive rate",
          "[cli][train_protein]") {
    const std::string esm = shared_path("fixtures/esm2_tiny/model");
    const std::vector<std::string> base = {"train",
                                           "--data",
                                           "x.csv",
                                           "--featurizer",
                                           "esm",
                                           "--esm-model",
                                           esm,
                                           "--target-col",
                                           "target",
                                           "--output",
                                           temp_path("encoder_lr_out")};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return run_plmkit(args);
    };
    auto r = with({"--encoder-lr", "1e-5"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--encoder-lr sets the learning rate of a fine-tuned "
                                      "encoder; with --finetune frozen"));
    r = with({"--finetune", "full", "--encoder-lr", "-1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--encoder-lr must be > 0, got -1"));
}

TEST_CASE("cli train: --resume refuses a dropped or changed --encoder-lr",
          "[cli][train_protein][esm]") {
    const std::string out = temp_path("encoder_lr_resume");
    std::vector<std::string> args = {"train",
                                     "--data",
                                     odd_table(),
                                     "--target-col",
                                     "target",
                                     "--featurizer",
                                     "esm",
                                     "--esm-model",
                                     shared_path("fixtures/esm2_tiny/model"),
                                     "--finetune",
                                     "last:1",
                                     "--hidden",
                                     "8",
                                     "--epochs",
                                     "2",
                                     "--threads",
                                     "1",
                                     "--output",
                                     out};
    auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> a = args;
        a.insert(a.end(), extra.begin(), extra.end());
        return run_plmkit(a);
    };
    auto r = with({"--encoder-lr", "2e-5", "--stop-after-epochs", "1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    r = with({"--resume"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--resume: option 'encoder_lr' was 2e-05 in the "
                                      "interrupted run, now not given (--lr)"));
    r = with({"--resume", "--encoder-lr", "3e-5"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--resume: option 'encoder_lr' was 2e-05"));
    r = with({"--resume", "--encoder-lr", "2e-5"});
    CHECK(r.exit_code == 0);
}
