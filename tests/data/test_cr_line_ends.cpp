// Files with old Mac line ends (a lone CR) lose no record in any reader, and
// records keep the line numbers an editor shows.
#include "tests/catch.hpp"

#include "data/fasta_reader.hpp"
#include "data/molecule_reader.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

namespace {
template <typename Reader, typename Record>
std::vector<Record> read_all(Reader& reader) {
    std::vector<Record> out;
    Record r;
    while (reader.next(r))
        out.push_back(r);
    return out;
}
}  // namespace

TEST_CASE("fasta reader: CR-only line ends give every record", "[data][fasta][cr]") {
    auto p = test::write_temp("cr3.fa", ">a\rMKTAY\r>b desc\rGG\rG\r>c\rAAA\r");
    data::FastaReader reader(p);
    auto recs = read_all<data::FastaReader, data::SequenceRecord>(reader);
    REQUIRE(recs.size() == 3);
    CHECK(recs[0].id == "a");
    CHECK(recs[0].sequence == "MKTAY");
    CHECK(recs[0].line == 1);
    CHECK(recs[1].id == "b");
    CHECK(recs[1].description == "desc");
    CHECK(recs[1].sequence == "GGG");
    CHECK(recs[1].line == 3);
    CHECK(recs[2].id == "c");
    CHECK(recs[2].sequence == "AAA");
    CHECK(recs[2].line == 6);
}

TEST_CASE("molecule reader: CR-only CSV and .smi files", "[data][molecules][cr]") {
    SECTION("CSV with a quoted field spanning lines") {
        auto p = test::write_temp("cr.csv", "smiles,id,note\rCCO,e,\"two\rlines\"\rCCN,m,x\r");
        data::MoleculeReader reader(p);
        auto recs = read_all<data::MoleculeReader, data::MoleculeRecord>(reader);
        REQUIRE(recs.size() == 2);
        CHECK(recs[0].smiles == "CCO");
        CHECK(recs[0].id == "e");
        CHECK(recs[0].line == 2);
        CHECK(recs[0].error.empty());
        std::string note;
        for (const auto& kv : recs[0].props)
            if (kv.first == "note") note = kv.second;
        // The CR inside the quoted field is kept, as Python's csv module reads
        // it (csv.reader(open(p, newline="")) gives 'two\rlines').
        CHECK(note == "two\rlines");
        CHECK(recs[1].smiles == "CCN");
        CHECK(recs[1].id == "m");
        CHECK(recs[1].line == 4);
    }
    SECTION(".smi") {
        auto p = test::write_temp("cr.smi", "CCO ethanol\rc1ccccc1 benzene\rC\r");
        data::MoleculeReader reader(p);
        auto recs = read_all<data::MoleculeReader, data::MoleculeRecord>(reader);
        REQUIRE(recs.size() == 3);
        CHECK(recs[1].smiles == "c1ccccc1");
        CHECK(recs[1].id == "benzene");
        CHECK(recs[1].line == 2);
        CHECK(recs[2].smiles == "C");
    }
}

TEST_CASE("molecule reader: line breaks inside quoted fields keep their bytes",
          "[data][molecules][cr]") {
    // Expected fields from Python's csv module on the same bytes:
    // list(csv.reader(open(p, newline=""))) ==
    //   [['id', 'smiles'], ['a\rb', 'CCO'], ['c\r\nd', 'CCN'], ['e\nf', 'CCC'],
    //    ['g\r\r\nh', 'CCCl']]
    const std::string text =
        "id,smiles\r\n\"a\rb\",CCO\r\n\"c\r\nd\",CCN\r\n\"e\nf\",CCC\r\n\"g\r\r\nh\",CCCl\r\n";
    {
        data::MoleculeReader reader(test::write_temp("crlf_quoted.csv", text));
        auto recs = read_all<data::MoleculeReader, data::MoleculeRecord>(reader);
        REQUIRE(recs.size() == 4);
        CHECK(recs[0].id == "a\rb");
        CHECK(recs[0].smiles == "CCO");
        CHECK(recs[1].id == "c\r\nd");
        CHECK(recs[1].smiles == "CCN");
        CHECK(recs[2].id == "e\nf");
        CHECK(recs[2].smiles == "CCC");
        CHECK(recs[3].id == "g\r\r\nh");
        CHECK(recs[3].smiles == "CCCl");  // the file's own CRLF ends are still stripped
        for (const auto& r : recs)
            CHECK(r.error.empty());
        // Lines as an editor counts them (each CR, CRLF or LF ends one).
        CHECK(recs[0].line == 2);
        CHECK(recs[1].line == 4);
        CHECK(recs[2].line == 6);
        CHECK(recs[3].line == 8);
    }
}
