// `plmkit predict --keep-cols`: input columns (CSV/TSV) and SD tags (SDF)
// written after predict's own columns, in the predictions and the rejects,
// leaving predict's columns byte for byte as without the option. Expected
// values are the input files' own text, written out by hand below.
#include <filesystem>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::source_path;
using plmkit::test::split_lines;
using plmkit::test::temp_path;
using plmkit::test::train_model;
using plmkit::test::write_file;
namespace fs = std::filesystem;

namespace {

/// A forest on basic features of 81 ESOL molecules (target logS), trained once.
const std::string& model() {
    static const std::string dir =
        train_model("cli_keep_cols_model", {"--data", source_path("tests/cli/data/esol_slice.csv"),
                                            "--target-col", "logS", "--featurizer", "basic",
                                            "--head", "forest", "--trees", "5", "--threads", "1"});
    return dir;
}

// A vendor library: a quoted comma, a quoted quote, an empty value, columns
// named like predict's own (logS, its target; reason, a rejects column) and
// a SMILES that does not parse.
const std::string kLibrary =
    "smiles,id,vendor_id,price,logS,reason,Note\n"
    "CCO,m1,V-001,\"3,000\",-0.77,ok,\"Say \"\"hi\"\"\"\n"
    "C1CC,broken,V-002,1,0,x,bad ring\n"
    "c1ccccc1O,m3,V-003,12.50,,y,\n";

struct Outputs {
    int exit_code;
    std::string err;
    std::vector<std::string> preds, rejects;
};

Outputs predict(const std::string& input, const std::string& out,
                const std::vector<std::string>& more = {}) {
    const std::string path = temp_path(out + ".csv");
    const std::string rejects = path.substr(0, path.size() - 4) + ".rejects.tsv";
    std::vector<std::string> args = {"predict", "--model",      model(), "--input",
                                     input,     "--output",     path,    "--threads",
                                     "1",       "--no-progress"};
    args.insert(args.end(), more.begin(), more.end());
    auto r = run_plmkit(args);
    Outputs o{r.exit_code, r.err, {}, {}};
    if (fs::exists(path)) o.preds = split_lines(read_file(path));
    if (fs::exists(rejects)) o.rejects = split_lines(read_file(rejects));
    return o;
}

}  // namespace

TEST_CASE("predict --keep-cols: named columns follow predict's, which stay byte for byte",
          "[cli][predict][keep-cols]") {
    const std::string lib = temp_path("keep_cols_lib.csv");
    write_file(lib, kLibrary);
    const Outputs plain = predict(lib, "keep_cols_plain");
    REQUIRE(plain.exit_code == 0);
    REQUIRE(plain.preds.size() == 3);  // header, m1, m3
    REQUIRE(plain.rejects.size() == 2);
    CHECK(plain.preds[0] == "id,smiles,logS,logS_std");
    CHECK(plain.rejects[0] == "index\tid\tsmiles\treason");

    SECTION("named columns; logS and reason are predict's, so input_logS and input_reason") {
        const Outputs kept =
            predict(lib, "keep_cols_named", {"--keep-cols", "vendor_id,price,logS,REASON"});
        REQUIRE(kept.exit_code == 0);
        CHECK_THAT(kept.err, Catch::Contains("--keep-cols: input column 'logS' is written as "
                                             "'input_logS'"));
        REQUIRE(kept.preds.size() == 3);
        CHECK(kept.preds[0] == plain.preds[0] + ",vendor_id,price,input_logS,input_reason");
        CHECK(kept.preds[1] == plain.preds[1] + ",V-001,\"3,000\",-0.77,ok");
        CHECK(kept.preds[2] == plain.preds[2] + ",V-003,12.50,,y");
        REQUIRE(kept.rejects.size() == 2);
        CHECK(kept.rejects[0] == plain.rejects[0] + "\tvendor_id\tprice\tinput_logS\tinput_reason");
        CHECK(kept.rejects[1] == plain.rejects[1] + "\tV-002\t1\t0\tx");
        CHECK_THAT(kept.rejects[1], Catch::StartsWith("1\tbroken\tC1CC\t"));
    }
    SECTION("all: every column but the SMILES and id, in input order (TSV input)") {
        std::string tsv;
        for (const auto& line : split_lines(kLibrary)) {
            // The same table, tab-separated (the quoted fields unquoted).
            std::string t = line;
            if (t.rfind("CCO,", 0) == 0) t = "CCO,m1,V-001,3000,-0.77,ok,Say \"hi\"";
            for (char& c : t)
                if (c == ',') c = '\t';
            tsv += t + "\n";
        }
        const std::string tsv_lib = temp_path("keep_cols_lib.tsv");
        write_file(tsv_lib, tsv);
        const Outputs all = predict(tsv_lib, "keep_cols_all", {"--keep-cols", "all"});
        REQUIRE(all.exit_code == 0);
        REQUIRE(all.preds.size() == 3);
        CHECK(all.preds[0] == plain.preds[0] + ",vendor_id,price,input_logS,input_reason,Note");
        CHECK(all.preds[1] == plain.preds[1] + ",V-001,3000,-0.77,ok,\"Say \"\"hi\"\"\"");
        CHECK(all.preds[2] == plain.preds[2] + ",V-003,12.50,,y,");
        REQUIRE(all.rejects.size() == 2);
        CHECK(all.rejects[1] == plain.rejects[1] + "\tV-002\t1\t0\tx\tbad ring");
    }
}

TEST_CASE("predict --keep-cols: unknown, SMILES, id and clashing columns are refused",
          "[cli][predict][keep-cols]") {
    const std::string lib = temp_path("keep_cols_err.csv");
    write_file(lib, "smiles,id,vendor_id,reason,input_reason\nCCO,m1,V1,a,b\n");
    auto refused = [&](const std::string& cols, const std::string& input) {
        const Outputs o = predict(input, "keep_cols_err", {"--keep-cols", cols});
        CHECK(o.exit_code == 2);
        CHECK(o.preds.empty());
        return o.err;
    };
    CHECK_THAT(refused("vendr_id", lib),
               Catch::Contains(lib + ": --keep-cols: no column 'vendr_id' (columns: 'smiles', "
                                     "'id', 'vendor_id', 'reason', 'input_reason'); did you "
                                     "mean 'vendor_id'?"));
    CHECK_THAT(refused("smiles", lib),
               Catch::Contains("'smiles' is the SMILES column, written as smiles already"));
    CHECK_THAT(refused("ID", lib), Catch::Contains("'id' is the id column"));
    CHECK_THAT(refused("reason,input_reason", lib),
               Catch::Contains("two kept columns would both be written as 'input_reason'"));
    CHECK_THAT(refused("vendor_id,vendor_id", lib), Catch::Contains("'vendor_id' is named twice"));
    CHECK_THAT(refused("all,vendor_id", lib), Catch::Contains("give it alone"));
    CHECK_THAT(refused("vendor_id,", lib), Catch::Contains("--keep-cols"));
    // A .smi file without a header line has no names; FASTA has no columns.
    const std::string smi = temp_path("keep_cols_err.smi");
    write_file(smi, "CCO m1 V1\n");
    CHECK_THAT(refused("vendor", smi),
               Catch::Contains("without a header line has no column names"));
    const std::string fa = temp_path("keep_cols_err.fa");
    write_file(fa, ">p1 kinase\nMKTAY\n");
    CHECK_THAT(refused("all", fa),
               Catch::Contains(fa + ": --keep-cols: a FASTA file has no columns to keep"));
}

TEST_CASE("predict --keep-cols: SD tags, one missing from a record", "[cli][predict][keep-cols]") {
    // Methane and water, as one-atom mol blocks with SD tags.
    auto record = [](const std::string& title, const std::string& atom, const std::string& tags) {
        return title +
               "\n  hand\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n"
               "    0.0000    0.0000    0.0000 " +
               atom + "   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n" + tags + "$$$$\n";
    };
    const std::string sdf = temp_path("keep_cols.sdf");
    write_file(sdf, record("m1", "C", ">  <vendor>\nV-1\n\n>  <price>\n12.50\n\n") +
                        record("m2", "O", ">  <vendor>\nV-2\n\n"));
    const Outputs plain = predict(sdf, "keep_cols_sdf_plain");
    REQUIRE(plain.exit_code == 0);
    const Outputs kept = predict(sdf, "keep_cols_sdf", {"--keep-cols", "price,vendor,nowhere"});
    REQUIRE(kept.exit_code == 0);
    CHECK_THAT(kept.err, Catch::Contains("SD tag 'nowhere' is not in the first record"));
    CHECK_THAT(kept.err, Catch::Contains("SD tag 'nowhere' is in none of the 2 records read"));
    REQUIRE(kept.preds.size() == 3);
    CHECK(kept.preds[0] == "id,smiles,logS,logS_std,price,vendor,nowhere");
    CHECK_THAT(kept.preds[1], Catch::StartsWith("m1,C,"));
    CHECK(kept.preds[1] == plain.preds[1] + ",12.50,V-1,");
    CHECK_THAT(kept.preds[2], Catch::StartsWith("m2,O,"));
    CHECK(kept.preds[2] == plain.preds[2] + ",,V-2,");
    CHECK(kept.rejects ==
          std::vector<std::string>{"index\tid\tsmiles\treason\tprice\tvendor\tnowhere"});
}

TEST_CASE("predict: text that is not UTF-8 is written as \\xHH, kept columns included",
          "[cli][predict][keep-cols][utf8]") {
    // Latin-1 bytes, as Excel on Windows saves 'café' and 'Société'.
    const std::string lib = temp_path("keep_cols_latin1.csv");
    write_file(lib, "smiles,id,vendor\nCCO,caf\xE9,Soci\xE9t\xE9\nC1CC,bad\xE9,V\xFF\n");
    for (const bool keep : {false, true}) {
        const Outputs o = predict(
            lib, "keep_cols_latin1",
            keep ? std::vector<std::string>{"--keep-cols", "vendor"} : std::vector<std::string>{});
        REQUIRE(o.exit_code == 0);
        REQUIRE(o.preds.size() == 2);
        REQUIRE(o.rejects.size() == 2);
        CHECK_THAT(o.preds[1], Catch::StartsWith("caf\\xE9,CCO,"));
        CHECK_THAT(o.rejects[1], Catch::StartsWith("1\tbad\\xE9\tC1CC\t"));
        if (keep) {
            CHECK_THAT(o.preds[1], Catch::EndsWith(",Soci\\xE9t\\xE9"));
            CHECK_THAT(o.rejects[1], Catch::EndsWith("\tV\\xFF"));
        }
        // Every byte written is ASCII here (the input's only other bytes).
        std::size_t non_ascii = 0;
        for (const auto* file : {&o.preds, &o.rejects})
            for (const auto& line : *file)
                for (unsigned char c : line)
                    non_ascii += c >= 0x80 ? 1 : 0;
        CHECK(non_ascii == 0);
    }
}

TEST_CASE("predict: a quoted field over several lines is written on one line, as screen does",
          "[cli][predict][keep-cols]") {
    // The id of the first row and a kept Note hold a line break inside their
    // quotes; the second row's SMILES does not parse, so it goes to the
    // rejects with its two-line id.
    const std::string lib = temp_path("keep_cols_multiline.csv");
    write_file(lib,
               "smiles,id,Note\n"
               "CCO,\"m\n1\",\"line one\nline two\"\n"
               "C1CC,\"bro\nken\",\"a\nb\"\n"
               "c1ccccc1O,m3,plain\n");
    const Outputs o = predict(lib, "keep_cols_multiline", {"--keep-cols", "Note"});
    REQUIRE(o.exit_code == 0);
    // One line a record: the header and two predictions; the header and one
    // reject.
    REQUIRE(o.preds.size() == 3);
    CHECK(o.preds[0] == "id,smiles,logS,logS_std,Note");
    CHECK_THAT(o.preds[1], Catch::StartsWith("m 1,CCO,") && Catch::EndsWith(",line one line two"));
    CHECK_THAT(o.preds[2], Catch::StartsWith("m3,c1ccccc1O,") && Catch::EndsWith(",plain"));
    REQUIRE(o.rejects.size() == 2);
    CHECK_THAT(o.rejects[1], Catch::StartsWith("1\tbro ken\tC1CC\t") && Catch::EndsWith("\ta b"));
}
