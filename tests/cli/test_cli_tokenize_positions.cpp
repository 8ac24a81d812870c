// Positions in tokenize's reasons count the sequence as read: FASTA lines
// joined, whitespace removed (docs/tokenizers.md).
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

TEST_CASE("cli tokenize: error positions do not count whitespace", "[cli][tokenize]") {
    auto fasta = test::temp_path("positions.fasta");
    test::write_file(fasta, ">w1\nMKT AY#K\n>w2\nMKT\nAY#K\n>w3\n  MKTAY#\n");
    auto out = test::temp_path("positions.jsonl");
    auto r = run_plmkit({"tokenize", "--kind", "protein", fasta, "-o", out});
    REQUIRE(r.exit_code == 0);
    auto rejects = test::read_file(out + ".rejects.tsv");
    CHECK(rejects ==
          "id\tline\treason\n"
          "w1\t1\tinvalid character '#' at position 6\n"
          "w2\t3\tinvalid character '#' at position 6\n"
          "w3\t6\tinvalid character '#' at position 6\n");
}
