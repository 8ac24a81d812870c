// How screen treats molecule inputs that RDKit would misread or crash on:
// each such record is a reject with a reason, and the run goes on.
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

namespace {
std::string rejects_of(const std::string& csv) {
    return test::read_file(csv.substr(0, csv.size() - 4) + ".rejects.tsv");
}
}  // namespace

TEST_CASE("cli screen: a 12,000-atom chain is a parse reject, not a crash",
          "[cli][screen][parse]") {
    auto lib = test::temp_path("cli_chain.csv");
    test::write_file(lib, "smiles,id\nCCO,ethanol\n" + std::string(12000, 'C') + ",chain12000\n" +
                              std::string(1500, 'C') + ",chain1500\n");
    auto out = test::temp_path("cli_chain_hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress", "--threads", "2"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rejects = rejects_of(out);
    CHECK_THAT(rejects, Catch::Contains("chain12000\t") &&
                            Catch::Contains("\tparse\ttoo many atoms: 12000 heavy atoms, the "
                                            "limit is 2000"));
    // Below the limit the chain gets through parse (the filters reject it).
    CHECK_THAT(rejects, Catch::Contains("chain1500\t") && Catch::Contains("\tfilter\t"));
}

TEST_CASE("cli screen: text after a space in a CSV SMILES field is a read reject",
          "[cli][screen][parse]") {
    auto lib = test::temp_path("cli_spaces.csv");
    test::write_file(lib,
                     "smiles,id\nc1ccccc1 CCCCCCCCCCCC,s1\nCCO garbage here,s2\n"
                     "CC(=O)O |$;;;$|,s3\nCCN\tCl,s4\n");
    auto out = test::temp_path("cli_spaces_hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress", "--threads", "1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rejects = rejects_of(out);
    for (const char* id : {"s1\t", "s2\t", "s4\t"})
        CHECK_THAT(rejects, Catch::Contains(id) &&
                                Catch::Contains("\tread\twhitespace inside the SMILES field"));
    CHECK(test::read_file(out).find("s1,") == std::string::npos);
    CHECK(rejects.find("s3\t") == std::string::npos);  // CXSMILES: read, parsed, filtered or hit
}
