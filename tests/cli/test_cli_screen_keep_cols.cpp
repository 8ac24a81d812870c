// `plmkit screen --keep-cols`: input columns (CSV/TSV) and SD tags (SDF)
// carried into hits.csv, hits.sdf and rejects.tsv after plmkit's columns,
// for any --threads/--chunk, through --shard and `plmkit merge`. Expected
// values are the input files' own text, written out by hand below.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/csv.hpp"
#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;
namespace fs = std::filesystem;

namespace {

// A vendor library: a quoted comma, a quoted quote, a column named like one
// of plmkit's own (mw), a bad SMILES and a duplicate.
const std::string kLibrary =
    "smiles,id,vendor_id,price,supplier,mw\n"
    "CCO,m1,V-001,12.50,\"Acme, Inc.\",46\n"
    "c1ccccc1O,m2,V-002,\"3,000\",\"Say \"\"hi\"\"\",94\n"
    "C1CC,broken,V-003,1,Bad Co,0\n"
    "CCO,dup,V-004,2,Dup Co,46\n";

// QED alone ranks (no model to load), and nothing is filtered.
const std::string kConfig = "filters: false\nscore: {expression: {qed: 1.0}}\n";

std::string make_dir(const std::string& name) {
    auto dir = test::temp_path(name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    test::write_file(dir + "/screen.yaml", kConfig);
    return dir;
}

std::vector<std::string> screen(const std::string& dir, const std::string& input,
                                const std::string& out, std::vector<std::string> more = {}) {
    std::vector<std::string> a = {
        "screen", "-i", input, "-c", dir + "/screen.yaml", "-o", dir + "/" + out, "--no-progress"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        out.push_back(line);
    return out;
}

/// hits.csv rows by id (first field), each split as CSV.
std::map<std::string, std::vector<std::string>> rows_by_id(const std::string& path, char sep) {
    std::map<std::string, std::vector<std::string>> rows;
    auto lines = lines_of(test::read_file(path));
    for (std::size_t i = 1; i < lines.size(); ++i) {
        auto f = plmkit::split_csv_line(lines[i], sep);
        rows[f[0]] = f;
    }
    return rows;
}

std::vector<std::string> last(const std::vector<std::string>& v, std::size_t n) {
    return std::vector<std::string>(v.end() - static_cast<std::ptrdiff_t>(n), v.end());
}

/// A library of `n` ESOL molecules with vendor columns (a price with a comma:
/// quoted), some repeated (duplicates across shards) and a bad SMILES.
std::string vendor_library(std::size_t n) {
    auto esol = lines_of(test::read_file(test::source_path("tests/cli/data/esol_slice.csv")));
    std::string text = "id,smiles,logS,catalog,price,plate_well\n";
    auto row = [&](std::size_t i, const std::string& id) {
        auto f = plmkit::split_csv_line(esol[1 + i % (esol.size() - 1)], ',');
        text += id + "," + f[1] + "," + f[2] + ",CAT-" + std::to_string(i) + ",\"1," +
                std::to_string(100 + i) + "\",P" + std::to_string(i / 96) + ":" +
                std::to_string(i % 96) + "\n";
    };
    for (std::size_t i = 0; i < n; ++i)
        row(i, "c" + std::to_string(i));
    for (std::size_t i = 0; i < 6; ++i)
        row(i * 7, "again" + std::to_string(i));
    text += "not_a_smiles,bad,0,CAT-bad,\"1,0\",P9:9\n";
    return text;
}

}  // namespace

TEST_CASE("screen --keep-cols: CSV columns follow plmkit's in hits and rejects",
          "[screen][keep-cols]") {
    auto dir = make_dir("kc_csv");
    test::write_file(dir + "/lib.csv", kLibrary);
    auto base = run_plmkit(screen(dir, dir + "/lib.csv", "base.csv"));
    REQUIRE(base.exit_code == 0);
    auto r = run_plmkit(
        screen(dir, dir + "/lib.csv", "hits.csv",
               {"--keep-cols", "vendor_id,price,supplier,mw", "--sdf", dir + "/hits.sdf"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // plmkit writes a column mw itself: the input's is input_mw, and the log says so.
    CHECK_THAT(r.err, Catch::Contains("input column 'mw' is written as 'input_mw'"));

    auto hits = lines_of(test::read_file(dir + "/hits.csv"));
    auto plain = lines_of(test::read_file(dir + "/base.csv"));
    REQUIRE(hits.size() == 3);  // header, m1, m2
    REQUIRE(plain.size() == 3);
    CHECK(hits[0] == plain[0] + ",vendor_id,price,supplier,input_mw");
    // Each row is the row without the option plus the kept values, quoted as CSV.
    for (std::size_t i = 1; i < hits.size(); ++i) {
        const bool ethanol = hits[i].rfind("m1,", 0) == 0;
        CHECK(hits[i] == plain[i] + (ethanol ? ",V-001,12.50,\"Acme, Inc.\",46"
                                             : ",V-002,\"3,000\",\"Say \"\"hi\"\"\",94"));
    }
    auto rows = rows_by_id(dir + "/hits.csv", ',');
    CHECK(last(rows.at("m2"), 4) == std::vector<std::string>{"V-002", "3,000", "Say \"hi\"", "94"});

    auto rejects = lines_of(test::read_file(dir + "/hits.rejects.tsv"));
    REQUIRE(rejects.size() == 3);
    CHECK(rejects[0] ==
          "id\tinput_smiles\tstep\treason\trecord\tsmiles\tvendor_id\tprice\t"
          "supplier\tinput_mw");
    CHECK(rejects[1].rfind("broken\tC1CC\tparse\t", 0) == 0);
    CHECK_THAT(rejects[1], Catch::EndsWith("\tV-003\t1\tBad Co\t0"));
    CHECK(rejects[2].rfind("dup\tCCO\tdedupe\tduplicate of m1 (record 0)\t3\tCCO\t", 0) == 0);
    CHECK_THAT(rejects[2], Catch::EndsWith("\tV-004\t2\tDup Co\t46"));

    // hits.sdf: the kept columns as SD tags, after the others.
    auto sdf = test::read_file(dir + "/hits.sdf");
    CHECK_THAT(sdf, Catch::Contains("> <record>\n0\n\n> <vendor_id>\nV-001\n\n> <price>\n12.50\n\n"
                                    "> <supplier>\nAcme, Inc.\n\n> <input_mw>\n46\n\n$$$$\n"));

    auto summary = nlohmann::json::parse(test::read_file(dir + "/hits.summary.json"));
    CHECK(summary["config"]["output"]["keep_cols"] ==
          nlohmann::json({"vendor_id", "price", "supplier", "mw"}));
    CHECK(summary["reader"]["kept_columns"][3] ==
          nlohmann::json({{"column", "mw"}, {"as", "input_mw"}}));
    // Without the option the summary's config has no "output" object.
    auto plain_summary = nlohmann::json::parse(test::read_file(dir + "/base.summary.json"));
    CHECK_FALSE(plain_summary["config"].contains("output"));
    CHECK_FALSE(plain_summary["reader"].contains("kept_columns"));
}

TEST_CASE("screen --keep-cols: all, TSV input, the config key and non-UTF-8 bytes",
          "[screen][keep-cols]") {
    auto dir = make_dir("kc_tsv");
    test::write_file(dir + "/lib.tsv",
                     "ID\tvendor\tSMILES\tnote\tMW\n"
                     "a1\tAcme\tCCO\tcheap, fast\t46\n"
                     "a2\tBeta\tc1ccccc1O\tcaf\xE9 \"bar\"\t94\n");
    SECTION("--keep-cols all: every column but the SMILES and id, in input order") {
        auto r = run_plmkit(screen(dir, dir + "/lib.tsv", "hits.csv", {"--keep-cols", "all"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        auto hits = lines_of(test::read_file(dir + "/hits.csv"));
        REQUIRE(hits.size() == 3);
        // MW matches plmkit's mw ignoring case: input_MW.
        CHECK_THAT(hits[0], Catch::EndsWith(",record,vendor,note,input_MW"));
        auto rows = rows_by_id(dir + "/hits.csv", ',');
        CHECK(last(rows.at("a1"), 3) == std::vector<std::string>{"Acme", "cheap, fast", "46"});
        // The Latin-1 byte is written \xE9, as ids are.
        CHECK(last(rows.at("a2"), 3) == std::vector<std::string>{"Beta", "caf\\xE9 \"bar\"", "94"});
        const std::string& a2 = hits[1].rfind("a2,", 0) == 0 ? hits[1] : hits[2];
        CHECK_THAT(
            a2, Catch::StartsWith("a2,") && Catch::EndsWith(",Beta,\"caf\\xE9 \"\"bar\"\"\",94"));
    }
    SECTION("output.keep_cols in the config; --keep-cols overrides it") {
        test::write_file(dir + "/screen.yaml", kConfig + "output: {keep_cols: [note]}\n");
        auto r = run_plmkit(screen(dir, dir + "/lib.tsv", "cfg.csv"));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(lines_of(test::read_file(dir + "/cfg.csv"))[0], Catch::EndsWith(",record,note"));
        r = run_plmkit(screen(dir, dir + "/lib.tsv", "cli.csv", {"--keep-cols", "vendor"}));
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(lines_of(test::read_file(dir + "/cli.csv"))[0],
                   Catch::EndsWith(",record,vendor"));
        auto summary = nlohmann::json::parse(test::read_file(dir + "/cli.summary.json"));
        CHECK(summary["config"]["output"]["keep_cols"] == nlohmann::json({"vendor"}));
    }
    SECTION("a bad output.keep_cols names the config line") {
        test::write_file(dir + "/screen.yaml", kConfig + "output:\n  keep_cols: [note, all]\n");
        auto r = run_plmkit(screen(dir, dir + "/lib.tsv", "bad.csv"));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("screen.yaml:4: 'output.keep_cols': 'all' keeps"));
    }
}

TEST_CASE("screen --keep-cols: unknown, SMILES, id and clashing columns are refused",
          "[screen][keep-cols]") {
    auto dir = make_dir("kc_err");
    const std::string lib = dir + "/lib.csv";
    test::write_file(lib, "smiles,id,vendor_id,mw,input_mw,input_smiles\nCCO,m1,V1,46,x,y\n");
    auto refused = [&](const std::string& cols) {
        auto r = run_plmkit(screen(dir, lib, "h.csv", {"--keep-cols", cols}));
        CHECK(r.exit_code == 2);
        CHECK_FALSE(fs::exists(dir + "/h.csv"));
        return r.err;
    };
    CHECK_THAT(
        refused("vendr_id"),
        Catch::Contains(lib + ": --keep-cols: no column 'vendr_id' (columns: 'smiles', 'id', "
                              "'vendor_id', 'mw', 'input_mw', 'input_smiles'); did you "
                              "mean 'vendor_id'?"));
    CHECK_THAT(refused("smiles"), Catch::Contains("'smiles' is the SMILES column"));
    CHECK_THAT(refused("ID"), Catch::Contains("'id' is the id column"));
    // mw becomes input_mw, which the input has too.
    CHECK_THAT(refused("mw,input_mw"),
               Catch::Contains("two kept columns would both be written as 'input_mw'"));
    CHECK_THAT(refused("vendor_id,vendor_id"), Catch::Contains("'vendor_id' is named twice"));
    CHECK_THAT(refused("vendor_id,"), Catch::Contains("--keep-cols"));
    // input_smiles is plmkit's: input_input_smiles.
    auto r = run_plmkit(screen(dir, lib, "ok.csv", {"--keep-cols", "input_smiles"}));
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(lines_of(test::read_file(dir + "/ok.csv"))[0],
               Catch::EndsWith(",record,input_input_smiles"));
    // A .smi file without a header line has no names to keep.
    test::write_file(dir + "/lib.smi", "CCO m1 V1\n");
    r = run_plmkit(screen(dir, dir + "/lib.smi", "s.csv", {"--keep-cols", "vendor"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("without a header line has no column names"));
}

TEST_CASE("screen --keep-cols: SD tags, missing on some records, multi-line values",
          "[screen][keep-cols]") {
    auto dir = make_dir("kc_sdf");
    const std::string mol =
        "\n     RDKit          2D\n\n  2  1  0  0  0  0  0  0  0  0999 V2000\n"
        "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "    1.2990    0.7500    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n"
        "  1  2  1  0\nM  END\n";
    const std::string benzene =
        "\n     RDKit          2D\n\n  6  6  0  0  0  0  0  0  0  0999 V2000\n"
        "    1.5000    0.0000    0.0000 C   0  0\n    0.7500   -1.2990    0.0000 C   0  0\n"
        "   -0.7500   -1.2990    0.0000 C   0  0\n   -1.5000    0.0000    0.0000 C   0  0\n"
        "   -0.7500    1.2990    0.0000 C   0  0\n    0.7500    1.2990    0.0000 C   0  0\n"
        "  1  2  2  0\n  2  3  1  0\n  3  4  2  0\n  4  5  1  0\n  5  6  2  0\n  6  1  1  0\n"
        "M  END\n";
    test::write_file(dir + "/lib.sdf", "ethanol" + mol +
                                           "> <vendor>\nAcme, Inc.\n\n> <note>\nline one\nline "
                                           "two\n\n$$$$\n" +
                                           "benzene" + benzene +
                                           "> <vendor>\nBeta\n\n> <late>\nonly here\n\n$$$$\n");
    auto r =
        run_plmkit(screen(dir, dir + "/lib.sdf", "hits.csv",
                          {"--keep-cols", "vendor,note,late,nowhere", "--sdf", dir + "/hits.sdf"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Tags not in the first record warn at once; one in no record at the end.
    CHECK_THAT(r.err, Catch::Contains("SD tag 'late' is not in the first record (tags: 'vendor', "
                                      "'note')"));
    CHECK_THAT(r.err, Catch::Contains("SD tag 'nowhere' is in none of the 2 records screened"));
    auto rows = rows_by_id(dir + "/hits.csv", ',');
    REQUIRE(rows.size() == 2);
    // A multi-line value is one line, as every value plmkit writes; absent tags are empty.
    CHECK(last(rows.at("ethanol"), 4) ==
          std::vector<std::string>{"Acme, Inc.", "line one line two", "", ""});
    CHECK(last(rows.at("benzene"), 4) == std::vector<std::string>{"Beta", "", "only here", ""});
    CHECK_THAT(test::read_file(dir + "/hits.sdf"),
               Catch::Contains("> <vendor>\nBeta\n\n> <note>\n\n\n> <late>\nonly here\n\n"));

    SECTION("all: the first record's tags; later tags are named in a warning") {
        r = run_plmkit(screen(dir, dir + "/lib.sdf", "all.csv", {"--keep-cols", "all"}));
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(lines_of(test::read_file(dir + "/all.csv"))[0],
                   Catch::EndsWith(",record,vendor,note"));
        CHECK_THAT(r.err, Catch::Contains("were not kept: 'late'"));
    }
}

TEST_CASE("screen --keep-cols: SD tags of a real file", "[screen][keep-cols]") {
    // rdkit_cdk2.sdf: 47 records; s_st_Chirality_1 is on 10 of them (grep),
    // Cluster on all. Values checked with RDKit's SDMolSupplier.
    const auto sdf = test::shared_path("data/sdf/rdkit_cdk2.sdf");
    auto dir = make_dir("kc_cdk2");
    auto r = run_plmkit(
        screen(dir, sdf, "hits.csv", {"--keep-cols", "Cluster,s_st_Chirality_1", "-t", "2"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::size_t chiral = 0, rows = 0;
    std::map<std::string, std::string> cluster, chirality;
    for (const auto& [file, sep] : std::vector<std::pair<std::string, char>>{
             {dir + "/hits.csv", ','}, {dir + "/hits.rejects.tsv", '\t'}}) {
        for (const auto& [id, f] : rows_by_id(file, sep)) {
            ++rows;
            chiral += !f.back().empty();
            cluster[id] = f[f.size() - 2];
            chirality[id] = f.back();
        }
    }
    CHECK(rows == 47);
    CHECK(chiral == 10);
    CHECK(cluster.at("ZINC03814457") == "1");
    CHECK(chirality.at("ZINC03814457").empty());
    CHECK(cluster.at("ZINC03814459") == "2");
    CHECK(chirality.at("ZINC03814459") == "13_S_17_12_14_24");
    CHECK(cluster.at("ZINC03831630") == "32");
    CHECK(cluster.at("ZINC04617748") == "28");
    CHECK(chirality.at("ZINC04617748") == "20_S_22_21_19_46");
}

TEST_CASE("screen --keep-cols: any --threads and --chunk, --shard and merge give the same files",
          "[screen][keep-cols]") {
    auto dir = make_dir("kc_shards");
    const std::string lib = dir + "/lib.csv";
    test::write_file(lib, vendor_library(60));
    const std::vector<std::string> keep = {"--keep-cols", "catalog,price,plate_well,logS", "--top",
                                           "15", "--sdf"};
    auto run = [&](const std::string& name, std::vector<std::string> more) {
        auto args = keep;
        args.push_back(dir + "/" + name + ".sdf");
        args.insert(args.end(), more.begin(), more.end());
        auto res = run_plmkit(screen(dir, lib, name + ".csv", args));
        INFO(res.err);
        REQUIRE(res.exit_code == 0);
    };
    run("t1", {"-t", "1"});
    run("t2", {"-t", "2", "--chunk", "7"});
    for (const char* ext : {".csv", ".rejects.tsv", ".sdf"})
        CHECK(test::read_file(dir + "/t1" + ext) == test::read_file(dir + "/t2" + ext));
    auto hits = lines_of(test::read_file(dir + "/t1.csv"));
    REQUIRE(hits.size() == 16);
    CHECK_THAT(hits[0], Catch::EndsWith(",record,catalog,price,plate_well,logS"));
    // A duplicate keeps its own catalog number in the rejects.
    std::string again;
    for (const auto& line : lines_of(test::read_file(dir + "/t1.rejects.tsv")))
        if (line.rfind("again1\t", 0) == 0) again = line;
    CHECK_THAT(again, Catch::Contains("\tdedupe\tduplicate of c7 (record 7)\t") &&
                          Catch::Contains("\tCAT-7\t1,107\tP0:7\t"));

    for (int i = 0; i < 3; ++i)
        run("s", {"--shard", std::to_string(i) + "/3"});
    std::vector<std::string> merge = {"merge",        "--kind", "screen",      "-o",
                                      dir + "/m.csv", "--sdf",  dir + "/m.sdf"};
    for (int i = 0; i < 3; ++i)
        merge.push_back(dir + "/s.shard-" + std::to_string(i) + "-of-3.csv");
    auto m = run_plmkit(merge);
    INFO(m.err);
    REQUIRE(m.exit_code == 0);
    for (const char* ext : {".csv", ".rejects.tsv", ".sdf"})
        CHECK(test::read_file(dir + "/m" + ext) == test::read_file(dir + "/t1" + ext));

    SECTION("shards kept other columns: the merge refuses them") {
        auto args =
            screen(dir, lib, "s.csv", {"--keep-cols", "catalog", "--top", "15", "--shard", "1/3"});
        REQUIRE(run_plmkit(args).exit_code == 0);
        auto bad = run_plmkit({"merge", "--kind", "screen", "-o", dir + "/m2.csv",
                               dir + "/s.shard-0-of-3.csv", dir + "/s.shard-1-of-3.csv",
                               dir + "/s.shard-2-of-3.csv"});
        CHECK(bad.exit_code == 3);
        CHECK_THAT(bad.err, Catch::Contains("is foreign: its input reader options differ") &&
                                Catch::Contains("reader.kept_columns: [{\"as\":\"catalog\""));
        CHECK_FALSE(fs::exists(dir + "/m2.csv"));
    }
}
