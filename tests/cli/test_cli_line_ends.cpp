// Old Mac (CR-only) FASTA files: tokenize and embed see every record, and a
// file that mixes LF and lone-CR line ends gets a warning naming the line;
// CR CR LF (a CRLF file converted twice) is one line end.
#include <algorithm>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

TEST_CASE("cli tokenize and embed: CR-only FASTA files lose no record", "[cli][tokenize][cr]") {
    auto fa = write_temp("cli_cr3.fa", ">a\rMKTAY\r>b\rGGG\r>c\rAAA\r");
    auto t = run_plmkit({"tokenize", "--kind", "protein", fa});
    REQUIRE(t.exit_code == 0);
    CHECK_THAT(t.err, Catch::Contains("tokenize: 3 records, 3 written, 0 rejected"));
    CHECK_THAT(t.out, Catch::Contains("{\"id\":\"b\",\"tokens\":[\"<cls>\",\"G\",\"G\",\"G\","));
    CHECK_THAT(t.out, Catch::Contains("{\"id\":\"c\","));

    auto out = temp_path("cli_cr3.h5");
    auto e = run_plmkit({"embed", "--model", shared_path("fixtures/esm2_tiny/model"), "--input", fa,
                         "--output", out});
    REQUIRE(e.exit_code == 0);
    CHECK_THAT(e.err, Catch::Contains("embedded 3 sequences (0 truncated), 0 rejected"));
}

TEST_CASE("cli tokenize: a file mixing LF and lone-CR line ends gets one warning",
          "[cli][tokenize][cr]") {
    auto fa = write_temp("cli_mixed.fa", ">a\nMKT\n>b\rGGG\r>c\nAAA\n");
    auto t = run_plmkit({"tokenize", "--kind", "protein", fa});
    REQUIRE(t.exit_code == 0);
    CHECK_THAT(t.err, Catch::Contains("tokenize: 3 records, 3 written"));
    CHECK_THAT(t.err, Catch::Contains(fa + ":3: this line ends in a lone CR"));
    auto warn = t.err.find("this line ends in a lone CR");
    CHECK(t.err.find("this line ends in a lone CR", warn + 1) == std::string::npos);
}

TEST_CASE("cli screen: an SD file with CR CR LF line ends reads every record, no warning",
          "[cli][screen][cr]") {
    // The first 5 records of the CDK2 SD file, each line end "\r\r\n" (a CRLF
    // file converted to CRLF again): each record used to read with a blank
    // line after every line and was rejected.
    std::string sdf = read_file(shared_path("data/sdf/rdkit_cdk2.sdf"));
    std::string text;
    int records = 0;
    for (std::size_t at = 0; at < sdf.size() && records < 5;) {
        std::size_t nl = sdf.find('\n', at);
        std::string line = sdf.substr(at, nl - at);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        text += line + "\r\r\n";
        if (line == "$$$$") ++records;
        at = nl + 1;
    }
    REQUIRE(records == 5);
    auto in = write_temp("cli_crcrlf.sdf", text);
    auto out = temp_path("cli_crcrlf_hits.csv");
    auto r = run_plmkit({"screen", "-i", in, "-o", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("screened 5 molecules") && Catch::Contains("0 rejected"));
    CHECK_THAT(r.err, !Catch::Contains("lone CR"));
}

TEST_CASE("cli screen: CRs inside quoted fields of a CRLF file stay text, ids stay on one line",
          "[cli][screen][cr]") {
    // Python's csv module reads these ids as 'a\rb', 'c\r\nd' and 'e\nf'.
    auto lib = write_temp("cli_crlf_quoted.csv",
                          "id,smiles\r\n\"a\rb\",CCO\r\n\"c\r\nd\",CCN\r\n\"e\nf\",C1CC\r\n");
    auto out = temp_path("cli_crlf_quoted_hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("2 hits") && Catch::Contains("1 rejected"));
    // The CR is a character of the id, not a lone-CR line end of the file.
    CHECK_THAT(r.err, !Catch::Contains("lone CR"));
    // Each CR and LF of an id is written as a space: one line per record.
    const std::string hits = read_file(out);
    CHECK_THAT(hits, Catch::Contains("\na b,CCO,") && Catch::Contains("\nc  d,CCN,"));
    CHECK(std::count(hits.begin(), hits.end(), '\n') == 3);
    CHECK(hits.find('\r') == std::string::npos);
    const std::string rejects = read_file(out.substr(0, out.size() - 4) + ".rejects.tsv");
    CHECK_THAT(rejects, Catch::Contains("\ne f\tC1CC\t"));
    CHECK(std::count(rejects.begin(), rejects.end(), '\n') == 2);
}
