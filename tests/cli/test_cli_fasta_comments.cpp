// FASTA comment lines (';' first, Pearson's format) as a user sees them:
// skipped, counted once on stderr; a ';' later in a sequence line rejects the
// record with the line and column. ESM ids by hand from the alphabet
// <cls> <pad> <eos> <unk> L A G V S E R T I D P K Q N F Y M H W C ...
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

TEST_CASE("cli fasta: ';' comment lines are skipped and counted, a ';' inside a line rejects",
          "[cli][fasta][comments]") {
    auto fasta = test::write_temp("cli_comments.fasta",
                                  "; made by hand\n>c1 first\n; about c1\nMK\n;\nTA\n"
                                  ">bad\nMK;TA\n>c2\nLAG\n");
    auto out = test::temp_path("cli_comments.jsonl");
    auto r = run_plmkit({"tokenize", "--kind", "protein", "--output", out, fasta});
    REQUIRE(r.exit_code == 0);
    const std::string text = test::read_file(out);
    // MKTA: <cls> M K T A <eos> = 0 20 15 11 5 2; LAG: 0 4 5 6 2
    CHECK_THAT(text, Catch::Contains("\"id\":\"c1\""));
    CHECK_THAT(text, Catch::Contains("[0,20,15,11,5,2]"));
    CHECK_THAT(text, Catch::Contains("[0,4,5,6,2]"));
    CHECK_THAT(r.err,
               Catch::Contains(fasta + ": skipped 3 comment lines (lines starting with ';'), the "
                                       "first on line 1"));
    CHECK_THAT(r.err, Catch::Contains(fasta + ":7: record 'bad' rejected: invalid character ';' "
                                              "on line 8, column 3"));
    CHECK_THAT(test::read_file(out + ".rejects.tsv"),
               Catch::Contains("bad\t7\tinvalid character ';' on line 8, column 3 (a ';' starts "
                               "a comment only as the first character of a line)\n"));
    CHECK_THAT(r.err, Catch::Contains("3 records, 2 written, 1 rejected"));
}
