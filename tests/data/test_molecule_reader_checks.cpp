// Checks the molecule reader makes so that RDKit never silently reads
// something other than what the file holds.
#include "tests/catch.hpp"

#include "data/fasta_reader.hpp"
#include "data/molecule_reader.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using plmkit::data::MoleculeReader;
using plmkit::data::MoleculeReaderOptions;
using plmkit::data::MoleculeRecord;
namespace test = plmkit::test;

namespace {

std::vector<MoleculeRecord> read_all(const std::string& path,
                                     const MoleculeReaderOptions& options = {}) {
    MoleculeReader reader(path, options);
    std::vector<MoleculeRecord> out;
    MoleculeRecord r;
    while (reader.next(r))
        out.push_back(r);
    return out;
}

std::string write_temp(const std::string& name, const std::string& text) {
    auto p = test::temp_path(name);
    test::write_file(p, text);
    return p;
}

}  // namespace

TEST_CASE("molecule reader: whitespace inside a SMILES field is a reject", "[data][molecules]") {
    SECTION("CSV: text after a space, a tab; a CXSMILES block is fine") {
        auto p = write_temp("ws.csv",
                            "smiles,id\nc1ccccc1 CCCCCCCCCCCC,s1\nCCO garbage here,s2\n"
                            "CC(=O)O |$;;;$|,s3\nCCN\tCl,s4\n  CCO  ,s5\n\"CC\nO\",s6\n");
        auto recs = read_all(p);
        REQUIRE(recs.size() == 6);
        CHECK(recs[0].error ==
              "whitespace inside the SMILES field: 'c1ccccc1 CCCCCCCCCCCC' (one SMILES per "
              "field; only a CXSMILES '|...|' block may follow a space)");
        CHECK_THAT(recs[1].error, Catch::Contains("'CCO garbage here'"));
        CHECK(recs[2].error.empty());
        CHECK(recs[2].smiles == "CC(=O)O |$;;;$|");
        CHECK_THAT(recs[3].error, Catch::Contains("'CCN\\tCl'"));
        CHECK(recs[4].error.empty());  // surrounding spaces are trimmed
        CHECK(recs[4].smiles == "CCO");
        CHECK_THAT(recs[5].error, Catch::Contains("'CC\\nO'"));
    }
    SECTION("TSV: a space inside the field") {
        auto p = write_temp("ws.tsv", "smiles\tid\nCCO x\tt1\nCCO\tt2\n");
        auto recs = read_all(p);
        REQUIRE(recs.size() == 2);
        CHECK_FALSE(recs[0].error.empty());
        CHECK(recs[1].error.empty());
    }
    SECTION(".smi: 'SMILES name' lines are still SMILES plus id") {
        auto p = write_temp("ws.smi", "CCO ethanol\nc1ccccc1\tbenzene ring name\n");
        auto recs = read_all(p);
        REQUIRE(recs.size() == 2);
        CHECK(recs[0].error.empty());
        CHECK(recs[0].id == "ethanol");
        CHECK(recs[1].error.empty());
        CHECK(recs[1].id == "benzene ring name");
    }
}

TEST_CASE("readers: a UTF-8 byte-order mark at the start is skipped", "[data][molecules][bom]") {
    const std::string bom = "\xEF\xBB\xBF";
    SECTION("FASTA") {
        auto p = write_temp("bom.fasta", bom + ">a desc\nMKT\n");
        plmkit::data::FastaReader reader(p);
        plmkit::data::SequenceRecord r;
        REQUIRE(reader.next(r));
        CHECK(r.id == "a");
        CHECK(r.sequence == "MKT");
    }
    SECTION(".smi without a header") {
        auto recs = read_all(write_temp("bom.smi", bom + "CCO ethanol\n"));
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].smiles == "CCO");
        CHECK(recs[0].error.empty());
    }
    SECTION("SDF: the title line is the id") {
        auto recs = read_all(write_temp(
            "bom.sdf", bom +
                           "mol1\n  test\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
                           "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
                           "M  END\n$$$$\n"));
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].id == "mol1");
        CHECK(recs[0].error.empty());
    }
}

TEST_CASE("SDF: read rejects name the file line of the record", "[data][molecules][sdf]") {
    const std::string block =
        "\n  test\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "M  END\n";
    auto p = write_temp("lines.sdf", "good" + block + "$$$$\nbroken\nno end\n$$$$\n$$$$\n" + "cut" +
                                         block.substr(0, 20));
    auto recs = read_all(p);
    REQUIRE(recs.size() == 4);
    CHECK(recs[0].error.empty());
    CHECK(recs[1].line == 8);
    CHECK(recs[1].error == p + ":8: no 'M  END' line before '$$$$' (line 10)");
    CHECK(recs[2].error == p + ":11: empty SDF record");
    CHECK(recs[3].error == p + ":12: no 'M  END' line before the end of the file");
}

TEST_CASE("SDF: a file without any record structure is an InputError", "[data][molecules][sdf]") {
    auto csv = write_temp("not_sdf.csv", "smiles,id\nCCO,a\nCCN,b\n");
    MoleculeReaderOptions o;
    o.format = "sdf";
    try {
        MoleculeReader reader(csv, o);
        FAIL("a CSV file was read as an SD file");
    } catch (const plmkit::InputError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith(csv + ": not an SD file: no 'M  END' line and no "
                                                     "'$$$$' line in 3 lines"));
    }
    // One record without "M  END" but ended by "$$$$" is a record-level reject.
    auto sdf = write_temp("one_broken.sdf", "broken\nno end\n$$$$\n");
    auto recs = read_all(sdf);
    REQUIRE(recs.size() == 1);
    CHECK_THAT(recs[0].error, Catch::Contains("no 'M  END' line before '$$$$'"));
}
