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
        CHECK(note == "two\nlines");  // a quoted field's line end reads as "\n"
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
