// `plmkit vocab build` refuses options that would destroy its input or make
// no sense, with exit code 2 and the reason.
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
