// `plmkit screen -o hits.tsv` writes a tab-separated hits table, as
// `plmkit predict -o p.tsv` does (it wrote comma-separated text under the
// .tsv name, which pandas' read_csv(sep="\t") reads as one column); the
// shards of such a run merge into a .tsv or a .csv.
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        out.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

std::string replace_all(std::string s, char from, char to) {
    for (char& c : s)
        if (c == from) c = to;
    return s;
}

// Molecules whose fields hold no comma, tab or quote: a CSV row and a TSV
// row differ only in the separator.
const char* kLibrary =
    "smiles,id\nCCO,m0\nc1ccccc1O,m1\nCCN(CC)CC,m2\nCCO,m3\nC1CC,m4\nCCCCO,m5\n"
    "CC(=O)Nc1ccc(O)cc1,m6\nc1ccncc1,m7\n";

}  // namespace

TEST_CASE("cli screen: -o hits.tsv writes a tab-separated table", "[cli][screen][merge]") {
    auto lib = test::temp_path("tsv_lib.csv");
    test::write_file(lib, kLibrary);
    auto csv = test::temp_path("tsv_hits.csv");
    auto tsv = test::temp_path("tsv_hits.tsv");
    auto r1 = run_plmkit({"screen", "-i", lib, "-o", csv, "--no-progress"});
    auto r2 = run_plmkit({"screen", "-i", lib, "-o", tsv, "--no-progress"});
    INFO(r1.err << r2.err);
    REQUIRE(r1.exit_code == 0);
    REQUIRE(r2.exit_code == 0);
    const auto csv_lines = lines_of(test::read_file(csv));
    const auto tsv_lines = lines_of(test::read_file(tsv));
    CHECK_THAT(tsv_lines.at(0), Catch::StartsWith("id\tinput_smiles\tsmiles\tmw\t"));
    CHECK(tsv_lines.at(0).find(',') == std::string::npos);
    // 8 records: CCO twice (m3 a duplicate), C1CC does not parse: 6 hits.
    REQUIRE(tsv_lines.size() == 7);
    REQUIRE(csv_lines.size() == tsv_lines.size());
    for (std::size_t i = 0; i < csv_lines.size(); ++i)
        CHECK(replace_all(tsv_lines[i], '\t', ',') == csv_lines[i]);

    SECTION("shards written as .tsv merge into .tsv and into .csv") {
        auto shard_out = test::temp_path("tsv_sh.tsv");
        for (const char* s : {"0/2", "1/2"}) {
            auto r =
                run_plmkit({"screen", "-i", lib, "-o", shard_out, "--shard", s, "--no-progress"});
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
        }
        const std::string stem = shard_out.substr(0, shard_out.size() - 4);  // no ".tsv"
        const std::string s0 = stem + ".shard-0-of-2.tsv", s1 = stem + ".shard-1-of-2.tsv";
        CHECK_THAT(test::read_file(s0), Catch::StartsWith("id\tinput_smiles\t"));
        auto merged_tsv = test::temp_path("tsv_merged.tsv");
        auto m1 = run_plmkit({"merge", "-o", merged_tsv, s0, s1});
        INFO(m1.err);
        REQUIRE(m1.exit_code == 0);
        CHECK(test::read_file(merged_tsv) == test::read_file(tsv));
        auto merged_csv = test::temp_path("tsv_merged.csv");
        auto m2 = run_plmkit({"merge", "-o", merged_csv, s0, s1});
        INFO(m2.err);
        REQUIRE(m2.exit_code == 0);
        CHECK(test::read_file(merged_csv) == test::read_file(csv));
        CHECK(test::read_file(merged_csv.substr(0, merged_csv.size() - 4) + ".rejects.tsv") ==
              test::read_file(csv.substr(0, csv.size() - 4) + ".rejects.tsv"));
    }
}
