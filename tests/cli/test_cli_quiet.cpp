// -q gives warnings and errors only, -qq (or -q -q) errors only.
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

TEST_CASE("cli: -qq leaves only errors on stderr", "[cli][quiet]") {
    auto fasta = test::temp_path("quiet.fasta");
    test::write_file(fasta, ">ok\nMKTAYIAK\n>bad\nMK*T1\n");
    auto out = test::temp_path("quiet.jsonl");

    auto q = run_plmkit({"-q", "tokenize", "--kind", "protein", fasta, "-o", out});
    REQUIRE(q.exit_code == 0);
    CHECK_THAT(q.err, Catch::Contains("warning: ") && !Catch::Contains("tokenize: 2 records"));

    for (auto flags : {std::vector<std::string>{"-qq"}, std::vector<std::string>{"-q", "-q"}}) {
        std::vector<std::string> args = flags;
        for (const char* a : {"tokenize", "--kind", "protein"})
            args.push_back(a);
        args.push_back(fasta);
        args.push_back("-o");
        args.push_back(out);
        auto r = run_plmkit(args);
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
    }
    auto err = run_plmkit({"-qq", "tokenize", "--kind", "protein", test::temp_path("none.fa")});
    CHECK(err.exit_code == 4);
    CHECK_THAT(err.err, Catch::StartsWith("plmkit: error: "));
}
