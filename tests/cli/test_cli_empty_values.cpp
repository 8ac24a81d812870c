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
    CHECK_THAT(r.err, Catch::Contains("--layers: expected an integer, got ''"));
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
