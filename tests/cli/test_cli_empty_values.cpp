// An empty option value (an unset shell variable: --layers "$LAYERS") is a
// usage error naming the option, never read as 0 or as "not given".
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

namespace {
const std::string kModel = shared_path("fixtures/esm2_tiny/model");
}

TEST_CASE("cli embed: --layers \"\" is refused, not read as layer 0", "[cli][embed][empty]") {
    auto fa = write_temp("empty_layers.fa", ">a\nMKTAY\n");
    auto out = temp_path("empty_layers.h5");
    auto r =
        run_plmkit({"embed", "--model", kModel, "--input", fa, "--output", out, "--layers", ""});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--layers: is empty (expected a value; leave the option "
                                      "out for its default)"));
    CHECK_FALSE(file_exists(out));
    SECTION("every other value option of embed") {
        for (const std::string opt :
             {"--include", "--max-tokens", "--truncate", "--threads", "--shard", "--long",
              "--device", "--dtype", "--model", "--input", "--output"}) {
            std::vector<std::string> args{"embed"};
            for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
                     {"--model", kModel}, {"--input", fa}, {"--output", out}})
                if (name != opt) args.insert(args.end(), {name, value});
            args.insert(args.end(), {opt, ""});
            auto e = run_plmkit(args);
            INFO(opt << ": " << e.err);
            CHECK(e.exit_code == 2);
            CHECK_THAT(e.err, Catch::Contains(opt));
            CHECK_FALSE(file_exists(out));
        }
    }
}

TEST_CASE("cli tokenize and vocab build: empty option values are refused",
          "[cli][tokenize][vocab][empty]") {
    auto csv = write_temp("empty_vals.csv", "smiles,id\nCCO,a\n");
    for (const char* opt : {"--truncate", "--vocab", "--format", "--smiles-col", "--id-col"}) {
        auto r = run_plmkit({"tokenize", "--kind", "smiles", csv, opt, ""});
        INFO(opt << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(opt));
        CHECK(r.out.empty());
    }
    auto vocab = temp_path("empty_vals_vocab.txt");
    for (const char* opt : {"--min-freq", "--max-size", "--rejects", "--format", "--smiles-col"}) {
        auto r = run_plmkit({"vocab", "build", "--kind", "smiles", csv, "-o", vocab, opt, ""});
        INFO(opt << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(opt));
        CHECK_FALSE(file_exists(vocab));
    }
}

TEST_CASE("cli train/predict/evaluate/pretrain/screen: empty option values are refused",
          "[cli][train][predict][evaluate][pretrain][screen][empty]") {
    // "" used to mean "not given" (--dtype '' ran with the default dtype) or
    // 0 for numbers; now it is a usage error naming the option, as in embed.
    auto csv = write_temp("empty_vals_train.csv", "smiles,y\nCCO,1\nCCN,2\n");
    auto out = temp_path("empty_vals_out");
    const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
        {{"train", "--data", csv, "--target-col", "y", "-o", out},
         {"--dtype", "--device", "--input-col", "--id-col", "--task", "--featurizer", "--esm-model",
          "--split", "--valid-col", "--head", "--hidden", "--epochs", "--seed", "--target-col",
          "--data", "--output"}},
        {{"predict", "--model", out, "--input", csv, "-o", out + ".csv"},
         {"--dtype", "--device", "--rejects", "--input-col", "--id-col", "--format", "--chunk",
          "--model", "--input", "--output"}},
        {{"evaluate", "--model", out, "--data", csv, "-o", out + ".json"},
         {"--dtype", "--device", "--rejects", "--input-col", "--id-col", "--target-col", "--format",
          "--output"}},
        {{"pretrain", "--data", csv, "-o", out},
         {"--kind", "--smiles-col", "--epochs", "--output", "--data"}},
        {{"screen", "-i", csv, "-o", out + ".csv"},
         {"--format", "--smiles-col", "--id-col", "--config", "--sdf", "--rejects", "--summary",
          "--shard", "--threads", "--output", "--input"}},
    };
    for (const auto& [base, opts] : cases) {
        for (const auto& opt : opts) {
            auto args = base;
            args.insert(args.end(), {opt, ""});
            auto r = run_plmkit(args);
            INFO(base[0] << " " << opt << ": " << r.err);
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, Catch::Contains(opt + ": is empty (expected a value; leave the "
                                                    "option out for its default)"));
            CHECK_FALSE(file_exists(out));
        }
    }
}
