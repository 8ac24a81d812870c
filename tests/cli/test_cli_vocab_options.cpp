// `plmkit vocab build` refuses options that would destroy its input or make
// no sense, with exit code 2 and the reason.
#include <algorithm>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

namespace {
std::string corpus(const std::string& name) {
    auto path = test::temp_path(name);
    test::write_file(path, "smiles,id\nCCO,a\nc1ccccc1O,b\nCC(=O)Nc1ccc(O)cc1,c\nCCN,d\n");
    return path;
}
}  // namespace

TEST_CASE("cli vocab build: never writes over its input", "[cli][vocab]") {
    auto input = corpus("vocab_in.csv");
    const std::string before = test::read_file(input);
    auto slash = input.rfind('/');
    auto same = input.substr(0, slash) + "/." + input.substr(slash);  // dir/./name

    auto r = run_plmkit({"vocab", "build", "--kind", "smiles", input, "-o", same});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("would overwrite the input"));
    auto rej = run_plmkit({"vocab", "build", "--kind", "smiles", input, "-o",
                           test::temp_path("vocab_out.txt"), "--rejects", input});
    CHECK(rej.exit_code == 2);
    CHECK_THAT(rej.err, Catch::Contains("the rejects file"));
    CHECK(test::read_file(input) == before);

    auto tok = run_plmkit({"tokenize", "--kind", "smiles", input, "-o", same});
    CHECK(tok.exit_code == 2);
    CHECK(test::read_file(input) == before);
}

TEST_CASE("cli: negative or too small numbers are refused, not wrapped", "[cli][vocab]") {
    auto input = corpus("numbers_in.csv");
    auto vocab = test::temp_path("numbers_vocab.txt");
    auto build = [&](std::vector<std::string> extra) {
        std::vector<std::string> args{"vocab", "build", "--kind", "smiles", input, "-o", vocab};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_plmkit(args);
    };
    auto r = build({"--min-freq", "-1"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--min-freq: expected an integer >= 1, got -1"));
    auto small = build({"--max-size", "3"});
    CHECK(small.exit_code == 2);
    CHECK_THAT(small.err, Catch::Contains("--max-size 3 is below the 5 special tokens"));
    CHECK(build({"--max-size", "-2"}).exit_code == 2);
    auto ok = build({"--max-size", "6"});
    REQUIRE(ok.exit_code == 0);
    auto text = test::read_file(vocab);
    CHECK(std::count(text.begin(), text.end(), '\n') == 6);  // 5 specials + 1 token
    CHECK_THAT(text, Catch::StartsWith("<pad>\n<unk>\n<cls>\n<eos>\n<mask>\n"));

    auto tok = run_plmkit({"tokenize", "--kind", "smiles", input, "--truncate", "-1"});
    CHECK(tok.exit_code == 2);
    CHECK_THAT(tok.err, Catch::Contains("--truncate: expected an integer >= 0, got -1"));
    auto emb = run_plmkit({"embed", "--model", test::temp_path("m"), "--input", input, "--output",
                           test::temp_path("e.h5"), "--truncate", "-1"});
    CHECK(emb.exit_code == 2);
    CHECK(run_plmkit({"doctor", "--threads", "-3"}).exit_code == 2);
    auto top = run_plmkit({"screen", "-i", input, "-o", test::temp_path("top_hits.csv"), "--top",
                           "-1"});  // was taken as "all"
    CHECK(top.exit_code == 2);
    CHECK_THAT(top.err, Catch::Contains("--top: expected an integer >= 0, got -1"));
}

TEST_CASE("cli vocab build: '-' is not a file name for its outputs", "[cli][vocab]") {
    auto input = corpus("vocab_dash.csv");
    auto r = run_plmkit({"vocab", "build", "--kind", "smiles", input, "-o", "-"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--output") &&
                          Catch::Contains("vocab build writes files, not standard output"));
    auto rej = run_plmkit({"vocab", "build", "--kind", "smiles", input, "-o",
                           test::temp_path("vocab_dash.txt"), "--rejects", "-"});
    CHECK(rej.exit_code == 2);
    CHECK_THAT(rej.err, Catch::Contains("--rejects"));
    CHECK_FALSE(test::file_exists("-"));
    CHECK_FALSE(test::file_exists("-.rejects.tsv"));
}
