// plmkit train --grad-accum, --warmup-epochs and the progress line within
// epochs, as a user fine-tuning ESM-2 under a memory limit meets them: an
// ensemble fine-tuned with --batch-size 4 --grad-accum 2 predicts what one
// with --batch-size 8 does (no dropout), the options are recorded and
// checked by --resume, bad values are usage errors, and the progress line
// is drawn only on a terminal.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::split_fields;
using plmkit::test::split_lines;
using plmkit::test::temp_path;
using plmkit::test::with;
using plmkit::test::write_temp;

namespace {

/// `n` protein sequences of 10-40 residues with a value that depends on them.
std::string protein_table(const std::string& name, int n) {
    const std::string aa = "ACDEFGHIKLMNPQRSTVWY";
    std::string csv = "sequence,target\n";
    unsigned state = 12345;
    for (int i = 0; i < n; ++i) {
        state = state * 1103515245u + 12345u;
        const int len = 10 + static_cast<int>((state >> 16) % 31);
        std::string seq;
        int charged = 0;
        for (int k = 0; k < len; ++k) {
            state = state * 1103515245u + 12345u;
            const char c = aa[(state >> 16) % 20];
            charged += c == 'D' || c == 'E' || c == 'K' || c == 'R';
            seq += c;
        }
        csv += seq + "," + std::to_string(0.1 * len + 0.5 * charged) + "\n";
    }
    return write_temp(name, csv);
}

/// A fine-tuning run of the tiny ESM-2 fixture (no dropout anywhere) on
/// `data` into `out`, with `extra` options.
std::vector<std::string> finetune_args(const std::string& data, const std::string& out,
                                       const std::vector<std::string>& extra) {
    std::filesystem::remove_all(out);
    return with({"train",
                 "--data",
                 data,
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
                 "--dropout",
                 "0",
                 "--epochs",
                 "3",
                 "--patience",
                 "0",
                 "--lr",
                 "3e-3",
                 "--ensemble",
                 "2",
                 "--threads",
                 "1",
                 "--output",
                 out},
                extra);
}

/// The predicted values (the last column) of `plmkit predict` with `model` on `data`.
std::vector<double> predictions(const std::string& model, const std::string& data) {
    const std::string out = model + "_preds.csv";
    auto r = run_plmkit({"predict", "--model", model, "--input", data, "--output", out, "--threads",
                         "1", "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<double> v;
    const auto lines = split_lines(read_file(out));
    for (std::size_t i = 1; i < lines.size(); ++i)
        v.push_back(std::stod(split_fields(lines[i], ',').back()));
    return v;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
    REQUIRE(a.size() == b.size());
    double d = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        d = std::max(d, std::fabs(a[i] - b[i]));
    return d;
}

}  // namespace

TEST_CASE("cli train --grad-accum: ESM-2 fine-tuned on 4 x 2 rows a step predicts as on 8",
          "[cli][train_accum][esm]") {
    const std::string data = protein_table("accum_proteins.csv", 40);  // 32 train rows
    const std::string whole = temp_path("accum_b8"), halves = temp_path("accum_b4x2"),
                      small = temp_path("accum_b4");
    for (const auto& [out, extra] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {whole, {"--batch-size", "8"}},
             {halves, {"--batch-size", "4", "--grad-accum", "2"}},
             {small, {"--batch-size", "4"}}}) {
        auto r = run_plmkit(finetune_args(data, out, extra));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    const auto p8 = predictions(whole, data), p4x2 = predictions(halves, data),
               p4 = predictions(small, data);
    REQUIRE(p8.size() == 40);
    CHECK(max_abs_diff(p8, p4x2) < 1e-4);
    // The control: a step per batch of 4 is another model.
    CHECK(max_abs_diff(p8, p4) > 1e-3);
    // Recorded with the other settings.
    const auto config = nlohmann::json::parse(read_file(halves + "/config.json"));
    CHECK(config["training"]["grad_accum"] == 2);
    CHECK(config["training"]["warmup_epochs"] == 2.0);
    CHECK(config["training"]["batch_size"] == 4);
}

TEST_CASE("cli train --grad-accum: --resume continues, and refuses another value",
          "[cli][train_accum]") {
    const std::string out = temp_path("accum_resume"), whole = temp_path("accum_resume_whole");
    std::filesystem::remove_all(out);
    std::filesystem::remove_all(whole);
    auto args = [](const std::string& o, const std::string& accum) {
        return std::vector<std::string>{"train",
                                        "--data",
                                        shared_path("data/esol/delaney-processed.csv"),
                                        "--target-col",
                                        "measured log solubility in mols per litre",
                                        "--featurizer",
                                        "basic",
                                        "--hidden",
                                        "8",
                                        "--dropout",
                                        "0",
                                        "--epochs",
                                        "4",
                                        "--ensemble",
                                        "2",
                                        "--batch-size",
                                        "32",
                                        "--grad-accum",
                                        accum,
                                        "--warmup-epochs",
                                        "0.5",
                                        "--threads",
                                        "1",
                                        "--output",
                                        o};
    };
    auto r = run_plmkit(with(args(out, "3"), {"--stop-after-epochs", "6"}));  // inside member 2
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    r = run_plmkit(with(args(out, "2"), {"--resume"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--resume: option 'grad_accum' was 3 in the interrupted "
                                      "run, now 2"));
    r = run_plmkit(with(args(out, "3"), {"--resume"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("model 2/2: resuming after epoch 2"));
    REQUIRE(run_plmkit(args(whole, "3")).exit_code == 0);
    const auto a = nlohmann::json::parse(read_file(out + "/metrics.json"));
    const auto b = nlohmann::json::parse(read_file(whole + "/metrics.json"));
    CHECK(a["test"]["mean"]["rmse"] == b["test"]["mean"]["rmse"]);
    CHECK(a["valid"]["mean"]["rmse"] == b["valid"]["mean"]["rmse"]);
}

TEST_CASE("cli train: --grad-accum and --warmup-epochs out of range are usage errors",
          "[cli][train_accum]") {
    const std::vector<std::string> base = {
        "train", "--data", "x.csv", "--target-col", "y", "--output", temp_path("accum_bad")};
    auto r = run_plmkit(with(base, {"--grad-accum", "0"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--grad-accum") && Catch::Contains("0"));
    r = run_plmkit(with(base, {"--warmup-epochs", "-1"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--warmup-epochs must be a number of epochs >= 0 (0 = no "
                                      "warm-up), got -1"));
    r = run_plmkit(with(base, {"--warmup-epochs", "two"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--warmup-epochs"));
    r = run_plmkit({"train", "--help"});
    CHECK_THAT(r.out, Catch::Contains("--grad-accum") && Catch::Contains("--warmup-epochs") &&
                          Catch::Contains("gradient_accumulation_steps"));
}

TEST_CASE("cli train: no progress line where stderr is not a terminal; --no-progress accepted",
          "[cli][train_accum][no-progress]") {
    const std::string out = temp_path("accum_progress_file");
    std::vector<std::string> errs;
    for (const bool off : {false, true}) {
        std::filesystem::remove_all(out);
        auto args = std::vector<std::string>{"train",
                                             "--data",
                                             shared_path("data/esol/delaney-processed.csv"),
                                             "--target-col",
                                             "measured log solubility in mols per litre",
                                             "--featurizer",
                                             "basic",
                                             "--hidden",
                                             "8",
                                             "--epochs",
                                             "2",
                                             "--batch-size",
                                             "1",
                                             "--threads",
                                             "1",
                                             "--output",
                                             out};
        if (off) args.push_back("--no-progress");
        auto r = run_plmkit(args);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find('\r') == std::string::npos);
        CHECK_THAT(r.err, !Catch::Contains(" steps, ") && !Catch::Contains("rows/s"));
        CHECK_THAT(r.err, Catch::Contains("model epoch 2/2: train loss "));
        errs.push_back(r.err);
    }
    CHECK(split_lines(errs[0]).size() == split_lines(errs[1]).size());
}

TEST_CASE("cli train: on a terminal a progress line within each epoch, erased before its line",
          "[cli][train_accum][no-progress][esm]") {
    if (!plmkit::test::have_script()) {
        WARN("no /usr/bin/script: the terminal case is not checked");
        return;
    }
    const std::string data = protein_table("accum_progress.csv", 300);
    const std::string out = temp_path("accum_progress_tty");
    for (const bool off : {false, true}) {
        std::filesystem::remove_all(out);
        std::string text;
        const int rc = plmkit::test::run_in_terminal(
            "timeout 300 " + plmkit::test::plmkit_bin() + " train --data " + data +
                " --target-col target --featurizer esm --esm-model " +
                shared_path("fixtures/esm2_tiny/model") +
                " --finetune full --hidden 8 --epochs 1 --batch-size 1 --grad-accum 2 "
                "--threads 1 --output " +
                out + (off ? " --no-progress" : ""),
            text);
        INFO(text);
        CHECK(rc == 0);
        CHECK_THAT(text, Catch::Contains("model epoch 1/1: train loss "));
        if (off) {
            CHECK_THAT(text, !Catch::Contains(" rows/s") && !Catch::Contains("\r\033[K"));
        } else {
            // 240 train rows, 2 a step: 120 steps.
            CHECK_THAT(text, Catch::Contains("\r\033[Kmodel epoch 1/1: ") &&
                                 Catch::Contains("/120 (") && Catch::Contains(" rows/s, ETA ") &&
                                 Catch::Contains(", train loss "));
            CHECK_THAT(text, Catch::Contains("\r\033[Kplmkit: model epoch 1/1: train loss"));
        }
    }
}
