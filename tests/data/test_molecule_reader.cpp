#include <zlib.h>

#include <chrono>
#include <cstdio>

#include "tests/catch.hpp"

#include "data/fasta_reader.hpp"
#include "data/molecule_reader.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using plmkit::data::MoleculeReader;
using plmkit::data::MoleculeReaderOptions;
using plmkit::data::MoleculeRecord;
using Pairs = std::vector<std::pair<std::string, std::string>>;

namespace {
std::vector<MoleculeRecord> read_all(const std::string& path,
                                     const MoleculeReaderOptions& options = {}) {
    MoleculeReader reader(path, options);
    std::vector<MoleculeRecord> out;
    MoleculeRecord r;
    while (reader.next(r))
        out.push_back(r);
    CHECK(reader.records() == out.size());
    CHECK_FALSE(reader.next(r));
    std::uint64_t bad = 0;
    for (const auto& rec : out)
        bad += rec.error.empty() ? 0 : 1;
    CHECK(reader.rejected() == bad);
    return out;
}

std::string prop(const MoleculeRecord& r, const std::string& key) {
    for (const auto& kv : r.props)
        if (kv.first == key) return kv.second;
    return "<missing>";
}
}  // namespace

TEST_CASE("molecule reader: .smi files", "[data][molecules]") {
    SECTION("SMILES, optional name, comments, blank lines, no header") {
        auto p =
            test::write_temp("lib.smi", "# a comment\nCCO ethanol\n\n  c1ccccc1\tbenzene \nC\n");
        auto recs = read_all(p);
        REQUIRE(recs.size() == 3);
        CHECK(recs[0].smiles == "CCO");
        CHECK(recs[0].id == "ethanol");
        CHECK(recs[0].line == 2);
        CHECK(recs[1].smiles == "c1ccccc1");
        CHECK(recs[1].id == "benzene");
        CHECK(recs[1].line == 4);
        CHECK(recs[2].smiles == "C");
        CHECK(recs[2].id.rfind("-lib:3") != std::string::npos);  // "<stem>:<n>", n from 1
        CHECK(recs[2].index == 2);
    }
    SECTION("a line with a tab is split at tabs only: names may contain spaces") {
        auto recs = read_all(test::write_temp("tab.smi", "CCO\tethyl alcohol\t46.07\n"));
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].id == "ethyl alcohol");
        CHECK(recs[0].props == Pairs{{"col3", "46.07"}});
    }
    SECTION("standard input needs an explicit format") {
        CHECK_THROWS_WITH(MoleculeReader("-"), Catch::Contains("cannot tell the format of '-'"));
    }
    SECTION("extra whitespace-separated columns become props col3, col4") {
        auto recs = read_all(test::write_temp("extra.smi", "CCO e1 1.5 x\n"));
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].props == Pairs{{"col3", "1.5"}, {"col4", "x"}});
    }
    SECTION("a 'smiles ...' header names the columns") {
        auto p = test::write_temp("hdr.smi", "SMILES Name pIC50\nCCO e1 5.2\nCCN e2\n");
        MoleculeReaderOptions o;
        o.target_cols = {"pic50"};
        MoleculeReader reader(p, o);
        CHECK(reader.columns() == std::vector<std::string>{"SMILES", "Name", "pIC50"});
        MoleculeRecord r;
        REQUIRE(reader.next(r));
        CHECK(r.id == "e1");
        CHECK(r.line == 2);
        CHECK(r.targets == Pairs{{"pIC50", "5.2"}});
        REQUIRE(reader.next(r));
        CHECK(r.targets == Pairs{{"pIC50", ""}});
        CHECK_FALSE(reader.next(r));
    }
    SECTION("a one-word header: the second field is still the name") {
        auto recs = read_all(test::write_temp("one.smi", "SMILES\nCCO ethanol\n"));
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].id == "ethanol");
        CHECK(recs[0].props.empty());
    }
    SECTION("with --smiles-col NAME, a first line with a field NAME is the header") {
        MoleculeReaderOptions o;
        o.smiles_col = "mol";
        o.target_cols = {"pIC50"};
        auto p = test::write_temp("named.smi", "id mol pIC50\nm1 CCO 5.2\nm2 c1ccccc1 6\n");
        auto recs = read_all(p, o);
        REQUIRE(recs.size() == 2);
        CHECK(recs[0].smiles == "CCO");
        CHECK(recs[0].id == "m1");
        CHECK(recs[0].line == 2);
        CHECK(recs[0].targets == Pairs{{"pIC50", "5.2"}});
        CHECK(recs[1].smiles == "c1ccccc1");
        // Without a field NAME (or a first field smiles) there is no header.
        o.target_cols.clear();
        CHECK_THROWS_WITH(
            MoleculeReader(test::write_temp("unnamed.smi", "CCO m1\n"), o),
            Catch::Contains("unnamed.smi: SMILES file without a header line (the first line has "
                            "no field 'mol' and does not start with 'smiles')"));
    }
    SECTION("a first line with a field smiles that is not first is the header") {
        auto recs = read_all(test::write_temp("late.smi", "name SMILES\nethanol CCO\n"));
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].smiles == "CCO");
        CHECK(recs[0].id == "ethanol");
    }
    SECTION("target columns without a header line are a usage error") {
        MoleculeReaderOptions o;
        o.target_cols = {"y"};
        CHECK_THROWS_AS(MoleculeReader(test::write_temp("nohdr.smi", "CCO a\n"), o), UsageError);
    }
}

TEST_CASE("molecule reader: CSV and TSV tables", "[data][molecules]") {
    SECTION("columns by name, quoted commas, trimmed fields, blank targets") {
        auto p = test::write_temp("t.csv",
                                  "ID,SMILES,y1,y2,note\n"
                                  "m1,CCO ,1,,\"a, b\"\n"
                                  "\n"
                                  "m2, c1ccccc1 ,0,1.5,plain\r\n");
        MoleculeReaderOptions o;
        o.target_cols = {"y1", "y2"};
        auto recs = read_all(p, o);
        REQUIRE(recs.size() == 2);
        CHECK(recs[0].id == "m1");
        CHECK(recs[0].smiles == "CCO");
        CHECK(recs[0].targets == Pairs{{"y1", "1"}, {"y2", ""}});
        CHECK(recs[0].props == Pairs{{"note", "a, b"}});
        CHECK(recs[0].line == 2);
        CHECK(recs[1].smiles == "c1ccccc1");
        CHECK(recs[1].line == 4);
        CHECK(recs[1].targets == Pairs{{"y1", "0"}, {"y2", "1.5"}});
        CHECK(recs[1].error.empty());
    }
    SECTION("a row with the wrong number of fields is a rejected record") {
        auto p = test::write_temp("short.csv", "smiles,id,y\nCCO,a,1\nCCN,b\nCCC,c,3,4\n");
        auto recs = read_all(p);
        REQUIRE(recs.size() == 3);
        CHECK(recs[0].error.empty());
        CHECK(recs[1].id == "b");
        CHECK(recs[1].error == p + ":3: expected 3 fields, found 2");
        CHECK(recs[2].error == p + ":4: expected 3 fields, found 4");
    }
    SECTION("an empty SMILES is a rejected record; a missing id falls back to stem:n") {
        auto recs = read_all(test::write_temp("empty.csv", "smiles,id\n ,x\nCCO,\n"));
        REQUIRE(recs.size() == 2);
        CHECK(recs[0].error == "empty SMILES");
        CHECK(recs[0].id == "x");
        CHECK(recs[1].error.empty());
        CHECK(recs[1].id.size() > 8);
        CHECK(recs[1].id.substr(recs[1].id.size() - 8) == "-empty:2");
    }
    SECTION("a quoted field may span lines") {
        auto recs = read_all(test::write_temp("ml.csv", "smiles,note\nCCO,\"two\nlines\"\nCC,x\n"));
        REQUIRE(recs.size() == 2);
        CHECK(prop(recs[0], "note") == "two\nlines");
        CHECK(recs[1].line == 4);
    }
    SECTION("a stray quote rejects its own line only; the lines it joined are rows again") {
        // Not closed by the end of the file: every later row used to vanish
        // into one reject ("quoted field not closed (N lines read)").
        auto p = test::write_temp("stray_eof.csv", "smiles,id\nCCO,a\nCCN,\"b\nCCC,c\n\nCCCC,d\n");
        auto recs = read_all(p);
        REQUIRE(recs.size() == 4);
        CHECK(recs[0].error.empty());
        CHECK(recs[1].line == 3);
        CHECK(recs[1].smiles == "CCN");
        CHECK(recs[1].error == p + ":3: a quoted field opened on this line is not closed by the "
                                   "end of the file: a stray '\"'? The lines after it are read as "
                                   "rows of their own");
        CHECK(recs[2].smiles == "CCC");
        CHECK(recs[2].id == "c");
        CHECK(recs[2].line == 4);
        CHECK(recs[2].error.empty());
        CHECK(recs[3].id == "d");
        CHECK(recs[3].line == 6);
        CHECK(recs[3].error.empty());
        // Closed by another stray quote, in a row of the wrong width.
        p = test::write_temp("stray_two.csv", "smiles,id\nCCO,\"a\nCCN,b\nCCC,c\"x,y\nCCCC,d\n");
        recs = read_all(p);
        REQUIRE(recs.size() == 4);
        CHECK(recs[0].error == p + ":2: a quoted field opened on this line closes 2 lines later "
                                   "with text after the closing quote: a stray '\"'? The lines "
                                   "after it are read as rows of their own");
        CHECK(recs[1].smiles == "CCN");
        CHECK(recs[1].line == 3);
        CHECK(recs[1].error.empty());
        // A quote inside an unquoted field is a character of the field.
        CHECK(recs[2].line == 4);
        CHECK(recs[2].error == p + ":4: expected 2 fields, found 3");
        CHECK(recs[3].smiles == "CCCC");
        CHECK(recs[3].line == 5);
        CHECK(recs[3].error.empty());
    }
    SECTION("two stray quotes: a quote that closes with text after it is stray too") {
        // m2's quote "closes" at m4's: the joined row has the right width,
        // but text follows the closing quote, which no quoted field has.
        auto p = test::write_temp(
            "stray_pair.csv", "id,smiles\nm1,CCO\nm2,\"CCN\nm3,CCC\nm4,\"CCCl\nm5,CCBr\nm6,CCI\n");
        auto recs = read_all(p);
        REQUIRE(recs.size() == 6);
        CHECK(recs[1].id == "m2");
        CHECK(recs[1].error == p + ":3: a quoted field opened on this line closes 2 lines later "
                                   "with text after the closing quote: a stray '\"'? The lines "
                                   "after it are read as rows of their own");
        CHECK(recs[2].id == "m3");
        CHECK(recs[2].error.empty());
        CHECK(recs[3].id == "m4");
        CHECK_THAT(recs[3].error, Catch::Contains(":5: a quoted field opened on this line is "
                                                  "not closed by the end of the file"));
        CHECK(recs[4].smiles == "CCBr");
        CHECK(recs[5].smiles == "CCI");
        CHECK(recs[5].error.empty());
        // A well-formed quoted field spanning lines, with "" inside, stays one.
        recs =
            read_all(test::write_temp("ml_ok.csv", "smiles,note\nCCO,\"a \"\"b\"\"\nc\" \nCC,x\n"));
        REQUIRE(recs.size() == 2);
        CHECK(prop(recs[0], "note") == "a \"b\"\nc");
        CHECK(recs[0].error.empty());
    }
    SECTION("a stray quote in the header is an input error naming the line") {
        for (const char* header : {"\"id,smiles", "id,\"smiles"}) {
            auto p = test::write_temp("hdr_quote.csv", std::string(header) + "\na,CCO\n");
            INFO(header);
            CHECK_THROWS_AS(MoleculeReader(p), InputError);
            CHECK_THROWS_WITH(MoleculeReader(p),
                              Catch::StartsWith(p + ":1: the header line has a quote that does "
                                                    "not close its column name"));
        }
        MoleculeReaderOptions quoted;
        quoted.smiles_col = "smi, les";
        auto ok = read_all(test::write_temp("hdr_ok.csv", "\"id\",\"smi, les\"\na,CCO\n"), quoted);
        REQUIRE(ok.size() == 1);
        CHECK(ok[0].smiles == "CCO");
    }
    SECTION("unknown column names are usage errors listing the columns") {
        auto p = test::write_temp("cols.csv", "smi_x,name\nCCO,a\n");
        CHECK_THROWS_WITH(MoleculeReader(p), Catch::Contains("no SMILES column 'smiles'") &&
                                                 Catch::Contains("'smi_x', 'name'"));
        MoleculeReaderOptions o;
        o.smiles_col = "smi_x";
        o.target_cols = {"nope"};
        CHECK_THROWS_AS(MoleculeReader(p, o), UsageError);
        o.target_cols.clear();
        o.id_col = "missing";
        CHECK_THROWS_WITH(MoleculeReader(p, o), Catch::Contains("no id column 'missing'"));
    }
    SECTION("a ';'-separated export read as CSV: the header's one column says why") {
        auto p = test::write_temp("semicolons.csv", "smiles;id\nCCO;a\n");
        CHECK_THROWS_WITH(MoleculeReader(p),
                          Catch::Contains("(columns: 'smiles;id')") &&
                              Catch::EndsWith(". The header is one column that holds ';': the "
                                              "file is read as comma-separated (.csv); save it "
                                              "comma-separated as .csv (a spreadsheet's CSV "
                                              "export) or tab-separated as .tsv"));
        auto tabs = test::write_temp("tabs.csv", "smiles\tid\nCCO\ta\n");
        CHECK_THROWS_WITH(MoleculeReader(tabs),
                          Catch::EndsWith("holds tabs: the file is read as comma-separated "
                                          "(.csv); name it .tsv to read it as tab-separated"));
        auto commas = test::write_temp("commas.tsv", "smi,id\nCCO,a\n");
        CHECK_THROWS_WITH(MoleculeReader(commas),
                          Catch::EndsWith("holds ',': the file is read as tab-separated (.tsv); "
                                          "name it .csv to read it as comma-separated"));
        // A one-column table without another separator gets no such hint.
        auto one = test::write_temp("one_col.csv", "smi_x\nCCO\n");
        CHECK_THROWS_WITH(MoleculeReader(one), !Catch::Contains("The header is one column"));
    }
    SECTION("TSV, format option, keep_props off, gzip") {
        auto p = test::temp_path("t.tsv.gz");
        std::string text = "smiles\tname\tscore\nCCO\tethanol, 95%\t1.0\n";
        gzFile gz = gzopen(p.c_str(), "wb");
        REQUIRE(gz);
        gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
        gzclose(gz);
        MoleculeReaderOptions o;
        o.keep_props = false;
        MoleculeReader reader(p, o);
        CHECK(reader.format() == "tsv");
        MoleculeRecord r;
        REQUIRE(reader.next(r));
        CHECK(r.id == "ethanol, 95%");
        CHECK(r.props.empty());
        o.format = "tsv";
        o.keep_props = true;
        auto recs = read_all(test::write_temp("tab.txt", text), o);
        REQUIRE(recs.size() == 1);
        CHECK(prop(recs[0], "score") == "1.0");
    }
    SECTION("an empty file has no header; an unknown extension needs --format") {
        CHECK_THROWS_AS(MoleculeReader(test::write_temp("none.csv", "\n\n")), InputError);
        CHECK_THROWS_WITH(MoleculeReader(test::write_temp("x.dat", "smiles\nC\n")),
                          Catch::Contains("cannot tell the format"));
        MoleculeReaderOptions o;
        o.format = "xyz";
        CHECK_THROWS_AS(MoleculeReader(test::write_temp("y.csv", "smiles\nC\n"), o), UsageError);
    }
}

TEST_CASE("molecule reader: SD files", "[data][molecules]") {
    const std::string block =
        "\n     RDKit          2D\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n";
    SECTION("titles, tags, multi-line values, missing M  END, no final $$$$") {
        auto p = test::write_temp(
            "t.sdf", "mol1" + block +
                         ">  <NAME>  (1)\nmethane\n\n> <NOTE>\nline one\nline "
                         "two\n\n$$$$\n" +
                         block + "> <NAME>\nsecond\n\n$$$$\nbroken\nno end\n$$$$\n" + "last" +
                         block + "> <NAME>\nthird\n");
        MoleculeReaderOptions o;
        o.target_cols = {"name"};
        MoleculeReader reader(p, o);
        CHECK(reader.columns() == std::vector<std::string>{"NAME", "NOTE"});
        std::vector<MoleculeRecord> recs;
        MoleculeRecord r;
        while (reader.next(r))
            recs.push_back(r);
        REQUIRE(recs.size() == 4);
        CHECK(recs[0].id == "mol1");
        CHECK(recs[0].line == 1);
        CHECK(recs[0].molblock == "mol1" + block);
        CHECK(recs[0].smiles.empty());
        CHECK(recs[0].targets == Pairs{{"name", "methane"}});
        CHECK(recs[0].props == Pairs{{"NOTE", "line one\nline two"}});
        CHECK(recs[1].id == "second");  // empty title: the NAME tag (auto id)
        CHECK(recs[1].error.empty());
        CHECK(recs[2].error == p + ":" + std::to_string(recs[2].line) +
                                   ": no 'M  END' line before '$$$$' (line " +
                                   std::to_string(recs[2].line + 2) + ")");
        CHECK(recs[2].id == "broken");
        CHECK(recs[3].id == "last");
        CHECK(recs[3].targets == Pairs{{"name", "third"}});
        CHECK(reader.rejected() == 1);
    }
    SECTION("gzip-compressed SD file") {
        auto p = test::temp_path("g.sdf.gz");
        std::string text = "gz1" + block + "> <X>\n1\n\n$$$$\n";
        gzFile gz = gzopen(p.c_str(), "wb");
        REQUIRE(gz);
        gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
        gzclose(gz);
        auto recs = read_all(p);
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].id == "gz1");
        CHECK(recs[0].props == Pairs{{"X", "1"}});
    }
    SECTION("an id tag and an unknown target tag") {
        auto p = test::write_temp("u.sdf", "t" + block + "> <ID>\n42\n\n$$$$\n");
        MoleculeReaderOptions o;
        o.id_col = "ID";
        auto recs = read_all(p, o);
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].id == "42");
        CHECK(recs[0].props.empty());
        o.target_cols = {"pIC50"};
        CHECK_THROWS_WITH(MoleculeReader(p, o), Catch::Contains("no SD tag 'pIC50'"));
    }
}

TEST_CASE("molecule reader: real files in ../shared/data (counts from pandas/RDKit)",
          "[data][molecules]") {
    SECTION("ESOL: 1128 rows, Compound ID as id, trailing spaces trimmed, quoted names") {
        MoleculeReaderOptions o;
        o.target_cols = {"measured log solubility in mols per litre"};
        auto recs = read_all(test::shared_path("data/esol/delaney-processed.csv"), o);
        REQUIRE(recs.size() == 1128);
        for (const auto& r : recs) {
            REQUIRE(r.error.empty());
            CHECK(r.smiles.back() != ' ');
        }
        CHECK(recs[0].id == "Amigdalin");
        CHECK(recs[0].smiles == "OCC3OC(OCC2OC(OC(C#N)c1ccccc1)C(O)C(O)C2O)C(O)C(O)C3O");
        CHECK(recs[0].targets[0].second == "-0.77");
        CHECK(recs[6].id == "2,2,4,6,6'-PCB");  // quoted field with commas, file line 8
        CHECK(recs[6].line == 8);
        CHECK(recs[1127].id == "Stirofos");
        CHECK(recs[1127].targets[0].second == "-4.522");
        CHECK(prop(recs[1127], "Molecular Weight") == "365.96400000000006");
        CHECK(recs[0].props.size() == 7);
    }
    SECTION("Tox21: 7831 rows, mol_id as id, blank labels as empty strings") {
        MoleculeReaderOptions o;
        o.target_cols = {"NR-AR", "NR-AhR", "NR-Aromatase", "SR-p53"};
        auto recs = read_all(test::shared_path("data/tox21/tox21.csv"), o);
        REQUIRE(recs.size() == 7831);
        CHECK(recs[0].id == "TOX3021");
        CHECK(recs[0].targets ==
              Pairs{{"NR-AR", "0"}, {"NR-AhR", "1"}, {"NR-Aromatase", ""}, {"SR-p53", "0"}});
        CHECK(recs[7830].id == "TOX2724");
        CHECK(recs[7830].targets[1].second == "");
        std::size_t blank_nr_ar = 0;
        for (const auto& r : recs)
            blank_nr_ar += r.targets[0].second.empty() ? 1 : 0;
        CHECK(blank_nr_ar == 566);
    }
    SECTION("BBBP: 2050 rows, literal quotes inside a quoted name") {
        auto recs = read_all(test::shared_path("data/bbbp/BBBP.csv"));
        REQUIRE(recs.size() == 2050);
        CHECK(recs[0].id == "Propanolol");
        CHECK(recs[0].smiles == "[Cl].CC(C)NCC(O)COc1cccc2ccccc12");
        CHECK(recs[94].id == "\"1,1,1-Trifluro-2-chloroethane\"");
        CHECK(recs[2049].id == "azidamfenicol");
        CHECK(prop(recs[2049], "p_np") == "1");
    }
    SECTION("ChEMBL 90k subset: every row read") {
        auto recs = read_all(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"));
        REQUIRE(recs.size() == 90599);
        CHECK(recs[90000].id == "CHEMBL1923575");
        CHECK(recs[90000].smiles == "COc1ccccc1-c1ccc2cnc(Nc3cccc(N4CCOCC4)c3)nn12");
        CHECK(prop(recs[90000], "source_split") == "valid");
        for (const auto& r : recs)
            REQUIRE(r.error.empty());
    }
    SECTION("BACE needs --smiles-col mol") {
        CHECK_THROWS_AS(MoleculeReader(test::shared_path("data/bace/bace.csv")), UsageError);
        MoleculeReaderOptions o;
        o.smiles_col = "mol";
        o.id_col = "CID";
        o.target_cols = {"pIC50"};
        auto recs = read_all(test::shared_path("data/bace/bace.csv"), o);
        REQUIRE(recs.size() == 1513);
        CHECK(recs[0].id == "BACE_1");
        CHECK(recs[0].targets[0].second == "9.1549015");
    }
    SECTION("SD files: record and tag counts as RDKit's SDMolSupplier") {
        struct Expect {
            const char* file;
            std::size_t records, tags;
        };
        for (auto e :
             {Expect{"chembl_approved_drugs.sdf", 1284, 39804}, Expect{"rdkit_cdk2.sdf", 47, 341},
              Expect{"rdkit_solubility.test.sdf", 257, 1285},
              Expect{"rdkit_solubility.train.sdf", 1025, 5125}}) {
            auto recs = read_all(test::shared_path(std::string("data/sdf/") + e.file));
            CHECK(recs.size() == e.records);
            std::size_t tags = 0;
            for (const auto& r : recs) {
                CHECK(r.error.empty());
                tags += r.props.size();
            }
            CHECK(tags == e.tags);
        }
        auto drugs = read_all(test::shared_path("data/sdf/chembl_approved_drugs.sdf"));
        CHECK(drugs[0].id == "CHEMBL1201064");
        CHECK(prop(drugs[0], "ATC_CODE") == "D10AA01; S01CB05; C05AA06; S01BA07; D07XB04; D07AB06");
        CHECK(drugs[1283].id == "CHEMBL897");
        MoleculeReaderOptions o;
        o.target_cols = {"SOL"};
        auto sol = read_all(test::shared_path("data/sdf/rdkit_solubility.test.sdf"), o);  // CRLF
        CHECK(sol[100].id == "hydrocortisone");
        CHECK(sol[100].targets[0].second == "-2.97");
        CHECK(prop(sol[100], "ID") == "506");
        CHECK(sol[100].molblock.find('\r') == std::string::npos);
    }
}

TEST_CASE("molecule reader: the bundled examples/ inputs", "[data][molecules]") {
    auto library = read_all(test::source_path("examples/library.csv"));
    REQUIRE(library.size() == 1000);
    CHECK(library[0].id == "CHEMBL2064396");  // row 1 of the 90k file (rows 0, 90, 180, ...)
    auto actives = read_all(test::source_path("examples/actives.smi"));
    REQUIRE(actives.size() == 16);
    CHECK(actives[0].id == "vemurafenib");
    CHECK(prop(actives[0], "chembl_id") == "CHEMBL1229517");
    auto broken = read_all(test::source_path("examples/broken.smi"));
    REQUIRE(broken.size() == 15);
    for (const auto& r : broken)
        CHECK(r.error.empty());  // the broken SMILES are RDKit's to reject
    CHECK(broken[8].id == "unclosed_branch");
    CHECK(broken[8].smiles == "c1ccccc1C(=O");
    CHECK(broken[8].line == 11);
    auto drugs = read_all(test::source_path("examples/drugs.sdf"));
    REQUIRE(drugs.size() == 5);
    CHECK(drugs[0].id == "CHEMBL1201064");
    CHECK(drugs[0].props.size() == 31);
}

// Throughput, not a test of behaviour: run with `test_data "[.bench]"`.
TEST_CASE("molecule reader: throughput on the ChEMBL 90k CSV", "[.bench][data]") {
    const auto path = test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv");
    const int passes = 10;
    std::uint64_t records = 0, bytes = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < passes; ++i) {
        MoleculeReader reader(path);
        MoleculeRecord r;
        while (reader.next(r))
            ++records;
        bytes += reader.bytes_read();
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(records == 90599u * passes);
    std::printf("MoleculeReader csv: %llu records in %.3f s: %.2f M records/s, %.0f MB/s\n",
                static_cast<unsigned long long>(records), s, records / s / 1e6, bytes / s / 1e6);
}

// Checks the reader makes so that RDKit never silently reads something other
// than what the file holds.
// RDKit's SMILES parser stops at a byte >= 0x80 without an error (checked
// with RDKit Python 2022.09: MolFromSmiles('CC\u200bO') is ethane,
// 'C\xffC' methane), so a zero-width space pasted from a web page or a
// Latin-1 byte would screen another molecule.
TEST_CASE("molecule reader: a SMILES byte outside printable ASCII is a reject",
          "[data][molecules]") {
    auto p = test::write_temp("nonascii.csv",
                              "smiles,id\nCC\xE2\x80\x8BO,zwsp\nC\xFF"
                              "C,latin1\nCC\x1BO,esc\n"
                              "CC\x01,soh\nCC\x7FO,del\nCCO,ok\nC[C@H](O)F |o1:1|,cx\n");
    auto recs = read_all(p);
    REQUIRE(recs.size() == 7);
    CHECK(recs[0].error ==
          "byte 0xE2 at position 3 of the SMILES field 'CC\\xE2\\x80\\x8BO' is not printable "
          "ASCII (SMILES are ASCII; RDKit would silently read only 'CC' before it: a "
          "non-breaking or zero-width space, or a character pasted from a document?)");
    // Not UTF-8 at all (a Latin-1 file): the reason names the encoding and
    // how to convert the file, as for ids.
    CHECK(recs[1].error ==
          "SMILES is not valid UTF-8: byte 0xFF at byte 2 of 'C\\xFFC' on line 3 (save the file "
          "as UTF-8, e.g. iconv -f latin1 -t utf-8)");
    CHECK_THAT(recs[2].error, Catch::Contains("byte 0x1B at position 3"));
    CHECK_THAT(recs[3].error, Catch::Contains("byte 0x01 at position 3"));
    CHECK_THAT(recs[4].error, Catch::Contains("byte 0x7F at position 3"));
    CHECK(recs[5].error.empty());
    CHECK(recs[6].error.empty());
    SECTION("the same in a .smi file") {
        auto smi = test::write_temp("nonascii.smi", "CC\xC2\xA0O nbsp\nCCO ok\n");
        auto r = read_all(smi);
        REQUIRE(r.size() == 2);
        CHECK_THAT(r[0].error, Catch::Contains("byte 0xC2 at position 3"));
        CHECK(r[1].error.empty());
    }
}

TEST_CASE("molecule reader: whitespace inside a SMILES field is a reject", "[data][molecules]") {
    SECTION("CSV: text after a space, a tab; a CXSMILES block is fine") {
        auto p = test::write_temp("ws.csv",
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
        auto p = test::write_temp("ws.tsv", "smiles\tid\nCCO x\tt1\nCCO\tt2\n");
        auto recs = read_all(p);
        REQUIRE(recs.size() == 2);
        CHECK_FALSE(recs[0].error.empty());
        CHECK(recs[1].error.empty());
    }
    SECTION(".smi: 'SMILES name' lines are still SMILES plus id") {
        auto p = test::write_temp("ws.smi", "CCO ethanol\nc1ccccc1\tbenzene ring name\n");
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
        auto p = test::write_temp("bom.fasta", bom + ">a desc\nMKT\n");
        plmkit::data::FastaReader reader(p);
        plmkit::data::SequenceRecord r;
        REQUIRE(reader.next(r));
        CHECK(r.id == "a");
        CHECK(r.sequence == "MKT");
    }
    SECTION(".smi without a header") {
        auto recs = read_all(test::write_temp("bom.smi", bom + "CCO ethanol\n"));
        REQUIRE(recs.size() == 1);
        CHECK(recs[0].smiles == "CCO");
        CHECK(recs[0].error.empty());
    }
    SECTION("SDF: the title line is the id") {
        auto recs = read_all(test::write_temp(
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
    auto p = test::write_temp("lines.sdf", "good" + block + "$$$$\nbroken\nno end\n$$$$\n$$$$\n" +
                                               "cut" + block.substr(0, 20));
    auto recs = read_all(p);
    REQUIRE(recs.size() == 4);
    CHECK(recs[0].error.empty());
    CHECK(recs[1].line == 8);
    CHECK(recs[1].error == p + ":8: no 'M  END' line before '$$$$' (line 10)");
    CHECK(recs[2].error == p + ":11: empty SDF record");
    CHECK(recs[3].error == p + ":12: no 'M  END' line before the end of the file");
}

TEST_CASE("SDF: a file without any record structure is an InputError", "[data][molecules][sdf]") {
    auto csv = test::write_temp("not_sdf.csv", "smiles,id\nCCO,a\nCCN,b\n");
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
    auto sdf = test::write_temp("one_broken.sdf", "broken\nno end\n$$$$\n");
    auto recs = read_all(sdf);
    REQUIRE(recs.size() == 1);
    CHECK_THAT(recs[0].error, Catch::Contains("no 'M  END' line before '$$$$'"));
}

TEST_CASE("molecule reader: the resolved SMILES and id columns as the header spells them",
          "[data][molecules]") {
    SECTION("a header found through the alternative names") {
        MoleculeReader r(test::write_temp("rc.csv", "Name,Canonical_SMILES\na,CCO\n"));
        CHECK(r.smiles_column() == "Canonical_SMILES");
        CHECK(r.id_column() == "Name");
    }
    SECTION("a .smi file with a header line") {
        MoleculeReader r(test::write_temp("rc.smi", "smiles name\nCCO ethanol\n"));
        CHECK(r.smiles_column() == "smiles");
        CHECK(r.id_column() == "name");
    }
    SECTION("a .smi file without a header: first and second field, no names") {
        MoleculeReader r(test::write_temp("rc2.smi", "CCO ethanol\n"));
        CHECK(r.smiles_column().empty());
        CHECK(r.id_column().empty());
    }
}

namespace {
/// A 6-line V2000 mol block (title, program line, comment, counts, one atom,
/// "M  END") with `title`.
std::string one_atom_block(const std::string& title) {
    return title +
           "\n     RDKit          2D\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
           "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n";
}
}  // namespace

TEST_CASE("SDF: a record missing its '$$$$' line ends where the next record's header starts",
          "[data][molecules][sdf]") {
    // a: lines 1-9, no "$$$$"; b: 10-19; c: 20-27, no "$$$$" and no blank line
    // ending its value; d: 28-37; e: 38-44 with a value that only looks like
    // the end of a counts line (not two count fields: read as text).
    const std::string text = one_atom_block("a") + "> <ID>\nA\n\n" + one_atom_block("b") +
                             "> <ID>\nB\n\n$$$$\n" + one_atom_block("c") + "> <ID>\nC\n" +
                             one_atom_block("d") + "> <ID>\nD\n\n$$$$\n" + one_atom_block("e") +
                             "> <NOTE>\nwritten as a molfile, format version V2000\n";
    auto p = test::write_temp("nosep.sdf", text);
    auto recs = read_all(p);
    REQUIRE(recs.size() == 5);
    const std::vector<std::string> ids = {"a", "b", "c", "d", "e"};
    const std::vector<std::uint64_t> lines = {1, 10, 20, 28, 38};
    for (std::size_t i = 0; i < recs.size(); ++i) {
        INFO(i);
        CHECK(recs[i].id == ids[i]);
        CHECK(recs[i].line == lines[i]);
        CHECK(recs[i].error.empty());
        CHECK(recs[i].molblock == one_atom_block(ids[i]));
    }
    CHECK(recs[0].props == Pairs{{"ID", "A"}});
    CHECK(recs[1].props == Pairs{{"ID", "B"}});
    CHECK(recs[2].props == Pairs{{"ID", "C"}});  // not "C\nd\n     RDKit          2D"
    CHECK(recs[3].props == Pairs{{"ID", "D"}});
    CHECK(recs[4].props == Pairs{{"NOTE", "written as a molfile, format version V2000"}});
}

TEST_CASE("SDF: a V3000 record after a missing '$$$$' line, and one with no 'M  END' either",
          "[data][molecules][sdf]") {
    const std::string v3000 =
        "v3\n     RDKit          2D\n\n  0  0  0  0  0  0  0  0  0  0999 V3000\n"
        "M  V30 BEGIN CTAB\nM  V30 COUNTS 1 0 0 0 0\nM  V30 BEGIN ATOM\n"
        "M  V30 1 C 0 0 0 0\nM  V30 END ATOM\nM  V30 END CTAB\nM  END\n";
    // a: 1-9 (no "$$$$"); v3: 10-21; cut: 22-26 (no "M  END", no "$$$$"); z: 27-33.
    auto p = test::write_temp("nosep3.sdf",
                              one_atom_block("a") + "> <ID>\nA\n\n" + v3000 + "$$$$\n" +
                                  "cut\n     RDKit          2D\n\n"
                                  "  1  0  0  0  0  0  0  0  0  0999 V2000\n"
                                  "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  "
                                  "0  0  0\n" +
                                  one_atom_block("z") + "$$$$\n");
    auto recs = read_all(p);
    REQUIRE(recs.size() == 4);
    CHECK(recs[0].id == "a");
    CHECK(recs[0].error.empty());
    CHECK(recs[0].props == Pairs{{"ID", "A"}});
    CHECK(recs[1].id == "v3");
    CHECK(recs[1].line == 10);
    CHECK(recs[1].molblock == v3000);
    CHECK(recs[1].error.empty());
    CHECK(recs[2].id == "cut");
    CHECK(
        recs[2].error ==
        p + ":22: no 'M  END' line before the record at line 27 (its '$$$$' line is missing too)");
    CHECK(recs[3].id == "z");
    CHECK(recs[3].line == 27);
    CHECK(recs[3].error.empty());
}

TEST_CASE("SDF: records merged without a clean cut are rejected naming both lines",
          "[data][molecules][sdf]") {
    // m1: 1-6 block; its data has a second "M  END" (line 12) with no counts
    // line before it, then "$$$$" (13). m2: 14-19 block, then a counts line
    // (21) one line after its "M  END", too close for a header; "$$$$" at 24.
    // ok: 25-31.
    const std::string text = one_atom_block("m1") + "> <ID>\nM1\n\nm9\n  junk header\n" +
                             "M  END\n$$$$\n" + one_atom_block("m2") + "x\n" +
                             "  1  0  0  0  0  0  0  0  0  0999 V2000\n" +
                             "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  "
                             "0\nM  END\n$$$$\n" +
                             one_atom_block("ok") + "$$$$\n";
    auto p = test::write_temp("merged.sdf", text);
    auto recs = read_all(p);
    REQUIRE(recs.size() == 3);
    CHECK(recs[0].id == "m1");
    CHECK(recs[0].error == p + ":1: a second 'M  END' at line 12 before '$$$$' (line 13): another "
                               "record starts inside this one, its header not where expected "
                               "(missing '$$$$'?); both are rejected as one");
    CHECK(recs[1].id == "m2");
    CHECK_THAT(recs[1].error,
               Catch::StartsWith(p + ":14: a second 'M  END' at line 23 before '$$$$' (line 24)"));
    CHECK(recs[2].id == "ok");
    CHECK(recs[2].line == 25);
    CHECK(recs[2].error.empty());
}

TEST_CASE("SDF: a data value that looks like a counts line is text in a record with its '$$$$'",
          "[data][molecules][sdf]") {
    // As RDKit writes a value "  3  2 ... V2000": right after "M  END" (a
    // clean cut would have needed three header lines before it) and in a later
    // data item, where it used to be cut as the start of another record.
    const std::string counts_like = "  3  2  0  0  0  0  0  0  0  0999 V2000";
    const std::string text = one_atom_block("c1") + ">  <p1>  (1) \nx\n\n>  <p2>  (1) \n" +
                             counts_like + "\n\n$$$$\n" + one_atom_block("c2") + ">  <p1>  (2) \n" +
                             counts_like + "\n\n$$$$\n" + one_atom_block("M  END") + "$$$$\n";
    auto recs = read_all(test::write_temp("countsval.sdf", text));
    REQUIRE(recs.size() == 3);
    CHECK(recs[0].id == "c1");
    CHECK(recs[0].error.empty());
    CHECK(recs[0].props == Pairs{{"p1", "x"}, {"p2", counts_like}});
    CHECK(recs[1].id == "c2");
    CHECK(recs[1].error.empty());
    CHECK(recs[1].props == Pairs{{"p1", counts_like}});
    // The header is free text: a title "M  END" does not end the mol block.
    CHECK(recs[2].id == "M  END");
    CHECK(recs[2].error.empty());
    CHECK(recs[2].molblock == one_atom_block("M  END"));
}

TEST_CASE("SDF: titles and data values written as one safe line each", "[data][molecules][sdf]") {
    using plmkit::data::sdf_title_line;
    using plmkit::data::sdf_value_line;
    CHECK(sdf_title_line("new\nline") == "new line");
    CHECK(sdf_title_line("tab\there\r\n") == "tab here  ");
    CHECK(sdf_title_line("$$$$") == " $$$$");
    CHECK(sdf_title_line("M  END") == " M  END");
    CHECK(sdf_value_line("M  END x") == " M  END x");
    CHECK(sdf_title_line("$$$$x") == " $$$$x");
    CHECK(sdf_title_line("a $$$$") == "a $$$$");
    CHECK(sdf_title_line("> <x>") == "> <x>");  // the title line is positional
    CHECK(sdf_value_line("> <x>") == " > <x>");
    CHECK(sdf_value_line("$$$$") == " $$$$");
    CHECK(sdf_value_line("one\n\ntwo") == "one  two");  // no blank line to end the value
    CHECK(sdf_value_line("") == "");
    // Read back: every record, with the sanitized title and values.
    const std::string atoms =
        "\n     RDKit          2D\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  "
        "0\nM  END\n";
    std::string text;
    for (const char* id : {"new\nline", "$$$$", "> <x>", "one\n\ntwo"})
        text += sdf_title_line(id) + atoms + "> <id>\n" + sdf_value_line(id) + "\n\n$$$$\n";
    auto recs = read_all(test::write_temp("safe.sdf", text));
    REQUIRE(recs.size() == 4);
    CHECK(recs[0].id == "new line");
    CHECK(recs[1].id == "$$$$");  // the title, trimmed
    CHECK(recs[2].id == "> <x>");
    CHECK(recs[3].id == "one  two");
    CHECK(recs[1].props == Pairs{{"id", " $$$$"}});
    CHECK(recs[2].props == Pairs{{"id", " > <x>"}});
    CHECK(recs[3].props == Pairs{{"id", "one  two"}});
}

TEST_CASE("molecule reader: a column it reads that the header names twice is refused",
          "[data][molecules]") {
    auto refused = [](const std::string& name, const std::string& text,
                      const MoleculeReaderOptions& o, const std::string& column) {
        INFO(text);
        const std::string path = test::write_temp(name, text);
        CHECK_THROWS_AS(MoleculeReader(path, o), InputError);
        CHECK_THROWS_WITH(
            MoleculeReader(path, o),
            Catch::Contains(path + ": the header names column '" + column + "' more than once"));
    };
    MoleculeReaderOptions o;
    // Each took the first copy silently.
    refused("dup1.csv", "id,smiles,smiles\na,CCO,CCN\n", o, "smiles");
    refused("dup2.csv", "id,id,smiles\na,b,CCO\n", o, "id");  // found automatically
    refused("dup3.csv", "Name,canonical_smiles,canonical_smiles\na,CCO,CCN\n", o,
            "canonical_smiles");
    refused("dup4.smi", "smiles name name\nCCO a b\n", o, "name");
    refused("dup5.csv", "SMILES,Smiles\nCCO,CCN\n", o, "SMILES");  // case-insensitive, two
    MoleculeReaderOptions named = o;
    named.id_col = "key";
    named.target_cols = {"y"};
    refused("dup6.csv", "key,smiles,y,key\na,CCO,1,b\n", named, "key");
    refused("dup7.csv", "key,smiles,y,y\na,CCO,1,2\n", named, "y");
    // Copies of a column it does not read, and a case-variant of an exact
    // match, are left alone.
    auto rows = read_all(test::write_temp("dup8.csv", "smiles,note,note,SMILES\nCCO,a,b,CCN\n"));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].smiles == "CCO");
    // The id column found automatically is the first name in the list that
    // the header has; a copy of a later one does not matter.
    rows = read_all(test::write_temp("dup9.csv", "id,name,name,smiles\na,b,c,CCO\n"));
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].id == "a");
}
