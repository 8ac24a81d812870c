// How screen treats molecule inputs that RDKit would misread or crash on:
// each such record is a reject with a reason, and the run goes on.
#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>
#include "tests/catch.hpp"

#include "src/utf8.hpp"
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

TEST_CASE("cli screen: a SMILES with a non-ASCII byte is a read reject, not a shorter molecule",
          "[cli][screen][parse]") {
    auto lib = test::temp_path("cli_nonascii.csv");
    // RDKit alone reads 'CC<U+200B>O' as ethane and 'C<0xFF>C' as methane.
    test::write_file(lib,
                     "smiles,id\nCC\xE2\x80\x8BO,zwsp\nC\xFF"
                     "C,latin1\nCCO,ok\n");
    auto out = test::temp_path("cli_nonascii_hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rejects = rejects_of(out);
    CHECK_THAT(rejects, Catch::Contains("zwsp\t") &&
                            Catch::Contains("\tread\tbyte 0xE2 at position 3 of the SMILES"));
    CHECK_THAT(rejects, Catch::Contains("latin1\t") &&
                            Catch::Contains("\tread\tSMILES is not valid UTF-8: byte 0xFF "
                                            "at byte 2 of 'C\\xFFC' on line 3"));
    auto hits = test::read_file(out);
    CHECK(hits.find("zwsp,") == std::string::npos);
    CHECK(hits.find("latin1,") == std::string::npos);
    CHECK(hits.find("ok,CCO,CCO,") != std::string::npos);
}

TEST_CASE("cli screen: SDF rejects name the file line of the record", "[cli][screen][sdf]") {
    const std::string atom =
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n";
    const std::string good = "ok\n  x\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n" + atom +
                             "M  END\n$$$$\n";  // lines 1-7
    const std::string cut =
        "cut\n  x\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000\nM  END\n$$$$\n";          // lines 8-14
    const std::string open = "open\n  x\n\n";  // lines 15-17
    auto lib = test::temp_path("cli_lines.sdf");
    test::write_file(lib, good + cut + open + "$$$$\n");
    auto out = test::temp_path("cli_lines_hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rejects = rejects_of(out);
    CHECK_THAT(rejects, Catch::Contains("on line 5 of the mol block (file line 12)"));
    CHECK_THAT(rejects, Catch::Contains(lib + ":15: no 'M  END' line before '$$$$' (line 18)"));
}

TEST_CASE("cli screen: tabs and line breaks in ids become spaces in the outputs",
          "[cli][screen][ids]") {
    auto lib = test::temp_path("cli_tabid.csv");
    test::write_file(lib, "smiles,id\nC1CC,\"tab\there\"\nC1CCC,\"new\nline\"\nCCO,ok\n");
    auto out = test::temp_path("cli_tabid_hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rejects = rejects_of(out);
    CHECK_THAT(rejects, Catch::Contains("\ntab here\tC1CC\tparse\t") &&
                            Catch::Contains("\nnew line\tC1CCC\tparse\t"));
    CHECK(std::count(rejects.begin(), rejects.end(), '\n') == 3);  // header + 2 records
}

TEST_CASE("cli screen: an SDF record missing its '$$$$' line does not swallow the next one",
          "[cli][screen][sdf]") {
    // 7-line mol blocks: C bonded to `element`.
    auto block = [](const std::string& title, const std::string& element) {
        return title +
               "\n     RDKit          2D\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\n"
               "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
               "    1.2990    0.7500    0.0000 " +
               element + std::string(4 - element.size(), ' ') +
               "0  0  0  0  0  0  0  0  0  0  0  0\n  1  2  1  0\nM  END\n";
    };
    // a: 1-11 (no "$$$$"); b: 12-20; c: 21-30 (no "$$$$", no blank line after
    // its value); d: 31-42; m: 43-57 with a second "M  END" at line 56.
    auto lib = test::temp_path("cli_nosep.sdf");
    test::write_file(lib, block("a", "C") + "> <NOTE>\nfirst\n\n" + block("b", "O") + "$$$$\n" +
                              block("c", "N") + "> <NOTE>\nthird\n" + block("d", "Cl") +
                              "> <NOTE>\nfourth\n\n$$$$\n" + block("m", "F") + "m2\nx\n\n" +
                              "  2  1  0  0\nbad\nM  END\n$$$$\n");
    auto out = test::temp_path("cli_nosep_hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err,
               Catch::Contains(lib + ":12: missing '$$$$' before the record at line 12") &&
                   Catch::Contains(lib + ":31: missing '$$$$' before the record at line 31"));
    auto summary =
        nlohmann::json::parse(test::read_file(out.substr(0, out.size() - 4) + ".summary.json"));
    CHECK(summary["accounting"]["holds"] == true);
    CHECK(summary["counts"]["records_read"] == 5);
    CHECK(summary["counts"]["rejected"] == 1);
    auto hits = test::read_file(out);
    auto rejects = rejects_of(out);
    for (const char* id : {"\na,", "\nb,", "\nc,", "\nd,"})
        CHECK_THAT(hits, Catch::Contains(id));
    CHECK_THAT(rejects, Catch::Contains("\nm\t") &&
                            Catch::Contains(lib + ":43: a second 'M  END' at line 56 before '$$$$' "
                                                  "(line 57)"));
}

TEST_CASE("cli screen: hits.sdf writes ids as safe titles and values that read back",
          "[cli][screen][sdf][ids]") {
    auto lib = test::temp_path("cli_sdfid.csv");
    test::write_file(lib,
                     "id,smiles\n\"new\nline\",CCO\n\"tab\there\",CCN\n\"$$$$\",CCC\n"
                     "\"> <x>\",CCCC\n");
    auto out = test::temp_path("cli_sdfid_hits.csv");
    auto sdf = test::temp_path("cli_sdfid_hits.sdf");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--sdf", sdf, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("4 hits"));
    auto text = test::read_file(sdf);
    CHECK(std::count(text.begin(), text.end(), '$') == 4 * 4 + 2 * 4);  // 4 "$$$$" + 2 ids
    CHECK_THAT(text, Catch::StartsWith("new line\n") && Catch::Contains("\ntab here\n") &&
                         Catch::Contains("\n $$$$\n     RDKit") &&
                         Catch::Contains("\n> <x>\n     RDKit") &&
                         Catch::Contains("> <id>\n $$$$\n\n") &&
                         Catch::Contains("> <id>\n > <x>\n\n"));
    // screen reads every record back, with the same ids as hits.csv.
    auto again = test::temp_path("cli_sdfid_again.csv");
    r = run_plmkit({"screen", "-i", sdf, "-o", again, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("screened 4 molecules") && Catch::Contains("4 hits"));
    auto ids = [](const std::string& csv) {
        std::vector<std::string> v;
        std::size_t at = csv.find('\n') + 1;
        while (at < csv.size()) {
            std::size_t end = csv.find('\n', at);
            v.push_back(csv.substr(at, csv.find(',', at) - at));
            at = end + 1;
        }
        std::sort(v.begin(), v.end());
        return v;
    };
    CHECK(ids(test::read_file(again)) ==
          std::vector<std::string>{"$$$$", "> <x>", "new line", "tab here"});
    CHECK(ids(test::read_file(out)) == ids(test::read_file(again)));
}

TEST_CASE("cli screen: enhanced stereo stays in the SMILES, and dedupe tells the variants apart",
          "[cli][screen][parse]") {
    // |o1:1,3|: one of the two enantiomers, not known which; |&1:1,3|: a
    // mixture of both; no group: this enantiomer. Three different substances.
    auto lib = test::temp_path("cli_enhanced.csv");
    test::write_file(lib,
                     "smiles,id\n\"C[C@H](O)[C@@H](C)N |o1:1,3|\",or1\n"
                     "\"C[C@H](O)[C@@H](C)N |&1:1,3|\",and1\nC[C@H](O)[C@@H](C)N,abs\n"
                     "\"C[C@H](O)[C@@H](C)[NH3+].[Cl-] |&1:1,3|\",salt\n"
                     "\"C[C@@H](O)[C@H](C)N |o1:1,3|\",or1_mirror\n");
    auto out = test::temp_path("cli_enhanced_hits.csv");
    auto sdf = test::temp_path("cli_enhanced_hits.sdf");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--sdf", sdf, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string hits = test::read_file(out);
    // The canonical SMILES column: the smallest of RDKit Python's
    // MolToCXSmiles of the molecule and of its group inverted
    // (tests/pipelines/data/stereo_group_key.py).
    CHECK_THAT(hits, Catch::Contains("\nor1,\"C[C@H](O)[C@@H](C)N |o1:1,3|\","
                                     "\"C[C@H](N)[C@@H](C)O |o1:1,3|\","));
    CHECK_THAT(hits, Catch::Contains("\nand1,\"C[C@H](O)[C@@H](C)N |&1:1,3|\","
                                     "\"C[C@H](N)[C@@H](C)O |&1:1,3|\","));
    CHECK_THAT(hits, Catch::Contains("\nabs,C[C@H](O)[C@@H](C)N,C[C@H](O)[C@@H](C)N,"));
    // The salt's group survives salt stripping: the same substance as and1.
    CHECK_THAT(rejects_of(out), Catch::Contains("salt\t") &&
                                    Catch::Contains("\tdedupe\tduplicate of and1 (record 1)\t"));
    // The OR group written from the other enantiomer: the same substance.
    CHECK_THAT(rejects_of(out), Catch::Contains("or1_mirror\t") &&
                                    Catch::Contains("\tdedupe\tduplicate of or1 (record 0)\t"));
    // hits.sdf keeps the groups as V3000 collections.
    const std::string mols = test::read_file(sdf);
    CHECK_THAT(mols, Catch::Contains("M  V30 MDLV30/STEREL1 ATOMS=(2 2 4)") &&
                         Catch::Contains("M  V30 MDLV30/STERAC1 ATOMS=(2 2 4)"));
}

// A Latin-1 file name (not valid UTF-8) in the input or an output: the run
// lock and summary.json are JSON, which must be UTF-8. The run stopped with
// "internal error: [json.exception.type_error.316]" after screening, and
// left an empty lock file that blocked the next run.
TEST_CASE("cli screen: file names that are not UTF-8 are screened, summarized and unlocked",
          "[cli][screen]") {
    const std::string dir = test::temp_path("cli_latin1_dir");
    std::filesystem::create_directories(dir + "/d\xE9");
    const std::string lib = dir + "/caf\xE9.csv";
    test::write_file(lib, "smiles,id\nCCO,a\nC1CC,b\n");
    const std::string out = dir + "/d\xE9/hits\xE9.csv";
    for (int run = 0; run < 2; ++run) {  // the second finds no stale lock
        auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    CHECK_THAT(test::read_file(out), Catch::Contains("\na,CCO,CCO,"));
    CHECK_THAT(rejects_of(out), Catch::Contains("b\tC1CC\tparse\t"));
    const auto summary =
        nlohmann::json::parse(test::read_file(dir + "/d\xE9/hits\xE9.summary.json"));
    CHECK(summary.at("input") == dir + "/caf\\xE9.csv");
    CHECK(summary.at("counts").at("records_read") == 2);
    CHECK_FALSE(std::filesystem::exists(dir + "/d\xE9/.hits\xE9.csv.lock"));
}

// An id in Latin-1 (a table saved by Excel on Windows) made hits.csv and
// rejects.tsv invalid UTF-8, which Python's csv module and pandas.read_csv
// refuse for the whole file. Each bad byte is written as \xHH, as embed
// writes such ids; valid UTF-8 is kept.
TEST_CASE("cli screen: an id that is not UTF-8 is written with \\xHH in every output",
          "[cli][screen]") {
    auto lib = test::temp_path("cli_latin1_ids.csv");
    test::write_file(lib,
                     "smiles,id\nCCO,caf\xE9\nC1CC,na\xEFve\nc1ccccc1O,ph\xC3\xA9nol\nCCO,dup\n");
    auto out = test::temp_path("cli_latin1_ids_hits.csv");
    auto sdf = test::temp_path("cli_latin1_ids_hits.sdf");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--sdf", sdf, "--no-progress"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string hits = test::read_file(out), rejects = rejects_of(out),
                      sdf_text = test::read_file(sdf);
    for (const std::string* text : {&hits, &rejects, &sdf_text})
        CHECK(plmkit::invalid_utf8_at(*text) == std::string::npos);
    CHECK_THAT(hits, Catch::Contains("\ncaf\\xE9,CCO,CCO,") &&
                         Catch::Contains("\nph\xC3\xA9nol,c1ccccc1O,"));
    CHECK_THAT(rejects, Catch::Contains("na\\xEFve\tC1CC\tparse\t") &&
                            Catch::Contains("dup\tCCO\tdedupe\tduplicate of caf\\xE9 (record 0)"));
    CHECK_THAT(sdf_text, Catch::StartsWith("caf\\xE9\n") || Catch::Contains("\ncaf\\xE9\n"));
}

TEST_CASE("cli screen: an input without records is screened with a warning", "[cli][screen]") {
    // cli_empty.csv: a table file with no bytes at all (no header line)
    // was an error (exit 3), unlike an empty .smi or .sdf.
    for (const std::string name :
         {"cli_empty.smi", "cli_header_only.csv", "cli_empty.sdf", "cli_empty.csv"}) {
        auto lib = test::temp_path(name);
        test::write_file(lib, name == "cli_header_only.csv" ? "smiles,id\n" : "");
        auto out = test::temp_path(name + ".hits.csv");
        auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("warning: " + lib +
                                          ": no molecule records read (an empty file, or only a "
                                          "header line?); the outputs hold no molecules"));
    }
}

TEST_CASE("cli screen: ids that repeat an earlier record's are named in a warning",
          "[cli][screen]") {
    // X1 twice (lines 2 and 3, different molecules) and a duplicate molecule
    // under a new id (X3, line 5): only the repeated id is warned about.
    auto lib = test::temp_path("cli_dup_ids.csv");
    test::write_file(lib, "smiles,id\nCCO,X1\nCCN,X1\nc1ccccc1O,X2\nCCO,X3\n");
    auto out = test::temp_path("cli_dup_ids.hits.csv");
    auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("warning: " + lib +
                                      ": 1 record repeats the id of an earlier record: 'X1' "
                                      "(line 3); hits.csv and rejects.tsv keep each record"));
    auto unique = test::temp_path("cli_unique_ids.csv");
    test::write_file(unique, "smiles,id\nCCO,X1\nCCN,X2\n");
    auto r2 = run_plmkit({"screen", "-i", unique, "-o", out, "--no-progress"});
    CHECK(r2.exit_code == 0);
    CHECK_THAT(r2.err, !Catch::Contains("repeats the id"));
}
