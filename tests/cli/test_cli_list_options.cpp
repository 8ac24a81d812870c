// Comma-separated list options refuse an empty item: CLI11 dropped them, so
// `--layers "0,$L"` with L unset ran as `--layers 0` (the embedding layer
// became the top-level /mean, exit 0) and `--include mean,,bos` was taken as
// mean,bos. Each case fails while parsing, before a model or table loads.
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

namespace {
const std::string kModel = shared_path("fixtures/esm2_tiny/model");

std::string empty_item(const std::string& opt, int item, int of, const std::string& value) {
    return opt + ": item " + std::to_string(item) + " of " + std::to_string(of) + " in '" + value +
           "' is empty";
}

/// An option value with an empty item: item `item` of `of` in `value`.
struct Case {
    std::string opt, value;
    int item, of;
};

/// Runs `base` plus `more`: exit 2 and no `out` written; plmkit's stderr.
std::string refused(const std::vector<std::string>& base, const std::vector<std::string>& more,
                    const std::string& out) {
    auto args = base;
    args.insert(args.end(), more.begin(), more.end());
    auto r = run_plmkit(args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(file_exists(out));
    return r.err;
}

/// Runs `base` plus each case's option: exit 2, the message naming the
/// empty item, and no `out` written.
void check_refused(const std::vector<std::string>& base, const std::vector<Case>& cases,
                   const std::string& out) {
    for (const Case& c : cases) {
        INFO(c.opt << " " << c.value);
        CHECK_THAT(refused(base, {c.opt, c.value}, out),
                   Catch::Contains(empty_item(c.opt, c.item, c.of, c.value)));
    }
}
}  // namespace

TEST_CASE("cli embed: an empty item in --layers or --include is a usage error",
          "[cli][embed][list]") {
    auto fa = write_temp("list_items.fa", ">a\nMKTAY\n");
    auto out = temp_path("list_items.h5");
    const std::vector<std::string> base{"embed", "--model", kModel, "--input", fa, "--output", out};
    // Each check in its own SECTION: Catch2 runs the code outside SECTIONs
    // once per SECTION.
    SECTION("each empty item is named by its place") {
        check_refused(base,
                      {{"--layers", "0,", 2, 2},
                       {"--layers", ",0", 1, 2},
                       {"--layers", "-1,,0", 2, 3},
                       {"--include", "mean,,bos", 2, 3},
                       {"--include", "mean,", 2, 2},
                       // CLI11's vector syntax: the empty item was dropped ([0,,1] ran as 0,1)
                       {"--layers", "[0,,1]", 2, 3},
                       {"--layers", "[,0]", 1, 2},
                       {"--include", "[mean,,bos]", 2, 3}},
                      out);
    }
    SECTION("'[]' is an empty value (it made CLI11 take the next option as a layer)") {
        const std::string err = refused(base, {"--layers", "[]", "-q"}, out);
        CHECK_THAT(err, Catch::Contains("--layers: is empty"));
    }
    SECTION("one value per option: '--layers 0 1' is refused, not read as two layers") {
        const std::string err = refused(base, {"--layers", "0", "1"}, out);
        // CLI11 said only "The following argument was not expected: 1".
        CHECK_THAT(err, Catch::Contains("'plmkit embed': --layers takes one value, so '1' after "
                                        "'--layers 0' was not read; give the items "
                                        "comma-separated: --layers 0,1\n"));
    }
    SECTION("an empty value given again is refused too") {
        const std::string err = refused(base, {"--layers", "0", "--layers", ""}, out);
        CHECK_THAT(err, Catch::Contains("--layers: is empty"));
    }
    SECTION("an item that is not an integer names the item") {
        const std::string err = refused(base, {"--layers", "-1,x"}, out);
        CHECK_THAT(err, Catch::Contains("--layers: item 2 of 2 in '-1,x': expected an integer, "
                                        "got 'x'"));
    }
}

TEST_CASE("cli slurm embed: an empty --layers item fails before the scripts are written",
          "[cli][slurm][list]") {
    auto fa = write_temp("list_items_slurm.fa", ">a\nMKTAY\n");
    auto out = temp_path("list_items_slurm.h5");
    auto work = temp_path("list_items_slurm.work");
    auto r = run_plmkit({"slurm", "embed", "--array", "2", "--workdir", work, "--model", kModel,
                         "--input", fa, "--output", out, "--layers", "0,"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(empty_item("--layers", 2, 2, "0,")));
    CHECK_FALSE(file_exists(work + "/embed-array.sh"));
}

TEST_CASE("cli train: an empty item in a list option is a usage error", "[cli][train][list]") {
    auto csv = write_temp("list_items_train.csv", "smiles,y\nCCO,1\nCCN,2\n");
    auto out = temp_path("list_items_train_model");
    const std::vector<std::string> base{"train", "--data", csv, "--target-col", "y", "-o", out};
    // --split-sizes 0.8,,0.1,0.1 used to train with 0.8,0.1,0.1 (exit 0);
    // --head-weights 1,2, was read as 1,2.
    SECTION("each empty item is named by its place") {
        check_refused(base,
                      {{"--split-sizes", "0.8,,0.1,0.1", 2, 4},
                       {"--split-sizes", "0.8,0.1,0.1,", 4, 4},
                       {"--head-weights", "1,2,", 3, 3},
                       {"--hidden", "64,,32", 2, 3},
                       {"--mpnn-ffn", ",300", 1, 2},
                       {"--split-sizes", "[0.8,,0.1,0.1]", 2, 4},
                       {"--head-weights", "[1,2,]", 3, 3},
                       {"--hidden", "[64,,32]", 2, 3},
                       {"--mpnn-ffn", "[,300]", 1, 2}},
                      out);
    }
    SECTION("--mpnn-ffn errors name --mpnn-ffn (they named --hidden)") {
        const std::string err = refused(base, {"--mpnn-ffn", "0"}, out);
        CHECK_THAT(err,
                   Catch::Contains("--mpnn-ffn: item 1 of 1 in '0': expected an integer >= 1"));
    }
    SECTION("--split-sizes needs three items") {
        const std::string err = refused(base, {"--split-sizes", "0.8,0.2"}, out);
        CHECK_THAT(err, Catch::Contains("--split-sizes: expected 3 items, got 2"));
    }
}

TEST_CASE("cli embed: CLI11's bracket form of a list reads as the comma-separated one",
          "[cli][embed][list]") {
    auto fa = write_temp("list_brackets.fa", ">a\nMKTAY\n");
    auto out = temp_path("list_brackets.h5");
    auto r = run_plmkit({"embed", "--model", kModel, "--input", fa, "--output", out, "--layers",
                         "[0,-1]", "--include", "[mean,bos]", "--threads", "1"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("embedded 1 sequence ("));
    plmkit::Hdf5Reader f(out);
    CHECK(f.attribute("layers")->text == "0,3");  // the 3-layer fixture: -1 is 3
    CHECK(f.attribute("include")->text == "mean,bos");
}

// fair-esm's extract.py takes `--repr_layers 0 32 33 --include mean per_tok`
// and three positionals; carried over, CLI11 said "The following arguments
// were not expected: 2 1" (reversed) or only "--input is required".
TEST_CASE("cli embed: extract.py-style words say which option they followed",
          "[cli][embed][list]") {
    auto fa = write_temp("list_stray.fa", ">a\nMKTAY\n");
    auto out = temp_path("list_stray.h5");
    const std::vector<std::string> base{"embed", "--model", kModel, "--input", fa, "--output", out};
    SECTION("space-separated items of two list options, extract.py's names included") {
        const std::string err =
            refused(base, {"--repr_layers", "0", "1", "2", "--include", "mean", "per_tok"}, out);
        CHECK_THAT(err, Catch::Contains("--layers takes one value, so '1', '2' after "
                                        "'--repr_layers 0' were not read; give the items "
                                        "comma-separated: --layers 0,1,2; --include takes one "
                                        "value, so 'per_tok' after '--include mean' was not "
                                        "read; give the items comma-separated: --include "
                                        "mean,per_tok"));
    }
    SECTION("--layers=-1 2 and a second word after a one-value option") {
        const std::string err =
            refused(base, {"--layers=-1", "2", "--max-tokens", "10", "20"}, out);
        CHECK_THAT(err, Catch::Contains("give the items comma-separated: --layers -1,2"));
        CHECK_THAT(err, Catch::Contains("--max-tokens takes one value, so '20' after "
                                        "'--max-tokens 10' was not read"));
    }
    SECTION("extract.py's positionals") {
        auto r = run_plmkit({"embed", "-q", kModel, fa, out});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("takes no positional arguments"));
        CHECK_THAT(r.err, Catch::Contains("'" + kModel + "', '" + fa + "', '" + out +
                                          "' are not the value of an option ('-q' is a flag"));
        CHECK_THAT(r.err, Catch::Contains("extract.py's positional model_location fasta_file "
                                          "output_dir are --model DIR --input FILE --output "
                                          "FILE.h5 here); also --model is required"));
        CHECK_FALSE(file_exists(out));
    }
    SECTION("a value after a flag") {
        const std::string err = refused(base, {"--nogpu", "cpu"}, out);
        CHECK_THAT(err, Catch::Contains("'cpu' is not the value of an option ('--nogpu' is a "
                                        "flag: it takes no value)"));
    }
}

TEST_CASE("cli slurm embed: '--layers 0 1' says how to write it before the scripts are written",
          "[cli][slurm][list]") {
    auto fa = write_temp("list_stray_slurm.fa", ">a\nMKTAY\n");
    auto out = temp_path("list_stray_slurm.h5");
    auto work = temp_path("list_stray_slurm.work");
    auto r = run_plmkit({"slurm", "embed", "--array", "2", "--workdir", work, "--model", kModel,
                         "--input", fa, "--output", out, "--layers", "0", "1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("plmkit slurm embed: 'plmkit embed' would refuse the "
                                      "arguments passed on: 'plmkit embed': --layers takes one "
                                      "value, so '1' after '--layers 0' was not read; give the "
                                      "items comma-separated: --layers 0,1\n"));
    CHECK_FALSE(file_exists(work + "/embed-array.sh"));
}
