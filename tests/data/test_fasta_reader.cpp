#include <zlib.h>

#include <chrono>
#include <cstdio>

#include "tests/catch.hpp"

#include "data/fasta_reader.hpp"
#include "src/error.hpp"
#include "src/log.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using plmkit::data::FastaReader;
using plmkit::data::SequenceRecord;

namespace {
std::vector<SequenceRecord> read_all(const std::string& path,
                                     plmkit::data::FastaReaderOptions options = {}) {
    FastaReader reader(path, options);
    std::vector<SequenceRecord> out;
    SequenceRecord r;
    while (reader.next(r))
        out.push_back(r);
    CHECK(reader.records() == out.size());
    CHECK_FALSE(reader.next(r));  // stays at the end
    return out;
}
}  // namespace

TEST_CASE("fasta reader: multi-line records, ids, descriptions, blank lines", "[data][fasta]") {
    auto p = test::write_temp("multi.fasta",
                              "\n\n>sp|P1|A  first protein  OS=Homo\r\nMKT\r\nAY \r\n\r\n"
                              "IAK\n>P2\nLLL\n\n>P3\tdesc with tab\n  G A V  \n");
    auto recs = read_all(p);
    REQUIRE(recs.size() == 3);
    CHECK(recs[0].id == "sp|P1|A");
    CHECK(recs[0].description == "first protein  OS=Homo");
    CHECK(recs[0].sequence == "MKTAYIAK");
    CHECK(recs[0].line == 3);
    CHECK(recs[0].index == 0);
    CHECK(recs[0].error.empty());
    CHECK(recs[1].id == "P2");
    CHECK(recs[1].description.empty());
    CHECK(recs[1].sequence == "LLL");
    CHECK(recs[1].line == 8);
    CHECK(recs[2].id == "P3");
    CHECK(recs[2].description == "desc with tab");
    CHECK(recs[2].sequence == "GAV");
    CHECK(recs[2].index == 2);
}

TEST_CASE("fasta reader: sequences are returned raw (validation is the tokenizer's)",
          "[data][fasta]") {
    auto recs = read_all(test::write_temp("raw.fasta", ">a\nmkt*\n>b\nAC1-.\n"));
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].sequence == "mkt*");
    CHECK(recs[1].sequence == "AC1-.");
}

TEST_CASE("fasta reader: empty sequences and missing ids are rejected records", "[data][fasta]") {
    auto recs = read_all(test::write_temp("empty.fasta", ">e1 nothing\n\n>ok\nMK\n>\nAAA\n>e2\n"));
    REQUIRE(recs.size() == 4);
    CHECK(recs[0].id == "e1");
    CHECK(recs[0].error == "empty sequence");
    CHECK(recs[0].line == 1);
    CHECK(recs[1].error.empty());
    CHECK(recs[2].id.empty());
    CHECK(recs[2].sequence == "AAA");
    CHECK(recs[2].error == "header line has no id after '>'");
    CHECK(recs[2].line == 5);
    CHECK(recs[3].id == "e2");
    CHECK(recs[3].error == "empty sequence");
    CHECK(recs[3].line == 7);
}

TEST_CASE("fasta reader: duplicate ids are kept in order and counted", "[data][fasta]") {
    std::string text;
    for (int i = 0; i < 15; ++i)
        text += ">dup\nM\n>u" + std::to_string(i) + "\nK\n";
    auto p = test::write_temp("dups.fasta", text);
    auto level = log_level();
    set_log_level(LogLevel::quiet);  // 10 warnings + a summary, not asserted here
    FastaReader reader(p);
    SequenceRecord r;
    std::vector<std::string> ids;
    while (reader.next(r)) {
        CHECK(r.error.empty());
        ids.push_back(r.id);
    }
    REQUIRE(ids.size() == 30);
    CHECK(ids[0] == "dup");
    CHECK(ids[2] == "dup");
    CHECK(ids[29] == "u14");
    set_log_level(level);
    CHECK(reader.duplicate_ids() == 14);
}

TEST_CASE("fasta reader: text before the first header is an InputError naming file:line",
          "[data][fasta]") {
    auto p = test::write_temp("nohdr.fasta", "\nMKTAYIAK\n>a\nM\n");
    FastaReader reader(p);
    SequenceRecord r;
    CHECK_THROWS_AS(reader.next(r), InputError);
    FastaReader again(p);
    CHECK_THROWS_WITH(again.next(r),
                      p + ":2: expected '>' at the start of a FASTA record, found 'MKTAYIAK'");
}

TEST_CASE("fasta reader: a table with a sequence column is told how to read it as a table",
          "[data][fasta]") {
    // FLIP's CSVs and DeepLoc's table were refused with only "expected '>'".
    SequenceRecord r;
    SECTION("CSV, FLIP GB1's header") {
        auto p = test::write_temp("flip.txt", "sequence,target,set,validation\nMKT,1.0,train,\n");
        FastaReader reader(p);
        CHECK_THROWS_WITH(
            reader.next(r),
            p + ":1: expected '>' at the start of a FASTA record, found "
                "'sequence,target,set,validation' (the header of a CSV table with a sequence "
                "column 'sequence', read as FASTA because of the file's name: name it .csv or "
                ".csv.gz (embed and predict also take --format csv), and name the column: "
                "--seq-col 'sequence' for embed and pretrain, --input-col 'sequence' for train "
                "and predict)");
    }
    SECTION("TSV, a quoted column name in another case") {
        auto p = test::write_temp("prot.fa", "id\t\"Sequence\"\nA\tMKT\n");
        FastaReader reader(p);
        CHECK_THROWS_WITH(reader.next(r),
                          Catch::Contains("(the header of a TSV table with a sequence column "
                                          "'Sequence', read as FASTA") &&
                              Catch::Contains("--format tsv") &&
                              Catch::Contains("--seq-col 'Sequence'"));
    }
    SECTION("a table named as one (tokenize reads FASTA only): which commands read it") {
        auto p = test::write_temp("gb1.csv.gz", "sequence,target\nMKT,1.0\n");
        FastaReader reader(p);
        CHECK_THROWS_WITH(reader.next(r),
                          Catch::EndsWith("(the header of a CSV table with a sequence column "
                                          "'sequence'; this command reads FASTA only: embed and "
                                          "pretrain read the table with --seq-col 'sequence', "
                                          "train and predict with --input-col 'sequence')"));
    }
    SECTION("no sequence column: no hint") {
        auto p = test::write_temp("mol.csv", "smiles,y\nCCO,1\n");
        FastaReader reader(p);
        CHECK_THROWS_WITH(reader.next(r), p + ":1: expected '>' at the start of a FASTA record, "
                                              "found 'smiles,y'");
    }
}

TEST_CASE("fasta reader: lines starting with ';' are comments, skipped anywhere",
          "[data][fasta][comments]") {
    // Pearson's FASTA comment lines (Biopython's "fasta-pearson" and the
    // FASTA programs' readers skip them): before the first header, right
    // after a header, between sequence lines, indented, before the next
    // header and at the end. Sequences by hand.
    const std::string text =
        "; file comment\n;\n>p1 first\n;after the header\nMKT\n; between lines\nAYI\n"
        "  ; indented\nAK\n;before the next header\n>p2\nGG\n>p3\nLLV\n; last line";
    auto level = log_level();
    set_log_level(LogLevel::quiet);  // the count said on stderr: tests/cli/test_cli_fasta_comments
    auto recs = read_all(test::write_temp("comments.fasta", text));
    REQUIRE(recs.size() == 3);
    CHECK(recs[0].id == "p1");
    CHECK(recs[0].description == "first");
    CHECK(recs[0].sequence == "MKTAYIAK");
    CHECK(recs[0].line == 3);
    CHECK(recs[0].error.empty());
    CHECK(recs[1].sequence == "GG");
    CHECK(recs[1].line == 11);
    CHECK(recs[2].id == "p3");
    CHECK(recs[2].sequence == "LLV");
    CHECK(recs[2].line == 13);
    CHECK(recs[2].error.empty());

    FastaReader reader(test::write_temp("comments_count.fasta", text));
    SequenceRecord r;
    while (reader.next(r)) {
    }
    set_log_level(level);
    CHECK(reader.comment_lines() == 7);
}

TEST_CASE("fasta reader: a ';' inside a sequence line rejects the record naming line and column",
          "[data][fasta][comments]") {
    auto recs = read_all(
        test::write_temp("semicolon.fasta", ">ok\nMKT\n>bad x\nMKT\nAY;IAK\nL;L\n>ok2\nM\n"));
    REQUIRE(recs.size() == 3);
    CHECK(recs[0].error.empty());
    CHECK(recs[1].id == "bad");
    CHECK(recs[1].line == 3);
    CHECK(recs[1].sequence == "MKTAY;IAKL;L");  // returned as read, for the rejects
    // The first ';' only: line 5, column 3.
    CHECK(recs[1].error ==
          "invalid character ';' on line 5, column 3 (a ';' starts a comment only as the first "
          "character of a line)");
    CHECK(recs[2].id == "ok2");
    CHECK(recs[2].error.empty());
}

TEST_CASE("fasta reader: a record of only comment lines has an empty sequence",
          "[data][fasta][comments]") {
    auto level = log_level();
    set_log_level(LogLevel::quiet);
    auto recs = read_all(test::write_temp("only_comments.fasta", ">c\n;MKT\n;AYI\n>d\nM\n"));
    REQUIRE(recs.size() == 2);
    set_log_level(level);
    CHECK(recs[0].error == "empty sequence");
    CHECK(recs[1].error.empty());
}

TEST_CASE("fasta reader: empty input and whitespace-only input have no records", "[data][fasta]") {
    CHECK(read_all(test::write_temp("zero.fasta", "")).empty());
    CHECK(read_all(test::write_temp("blank.fasta", "\n  \n\t\n")).empty());
}

TEST_CASE("fasta reader: gzip input", "[data][fasta]") {
    auto p = test::temp_path("proteins.fasta.gz");
    std::string text = ">x one\nMKT\nAYI\n>y\nGGG\n";
    gzFile gz = gzopen(p.c_str(), "wb");
    REQUIRE(gz);
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
    auto recs = read_all(p);
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].sequence == "MKTAYI");
    CHECK(recs[1].id == "y");
}

TEST_CASE("fasta reader: count_fasta_records counts what the reader returns", "[data][fasta]") {
    // Records by hand: a (after blank lines and an indented '>'-less line is
    // sequence), an id-less header (a record, rejected later), b, c.
    const std::string text = "\n>a desc\nMKT\n  AYI\n>\nGG\n  >b\n\n>c\nM>K\n";
    auto plain = test::write_temp("count_records.fa", text);
    CHECK(data::count_fasta_records(plain) == 4);
    CHECK(read_all(plain).size() == 4);
    auto gzp = test::temp_path("count_records.fa.gz");
    gzFile gz = gzopen(gzp.c_str(), "wb");
    REQUIRE(gz);
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
    CHECK(data::count_fasta_records(gzp) == 4);
    CHECK(data::count_fasta_records(test::shared_path("fixtures/esm2_tiny/sequences.fasta")) == 7);
}

TEST_CASE("fasta reader: real files in ../shared/data", "[data][fasta]") {
    SECTION("esm_few_proteins.fasta: 3 single-line records") {
        auto recs = read_all(test::shared_path("data/protein_fasta/esm_few_proteins.fasta"));
        REQUIRE(recs.size() == 3);
        CHECK(recs[0].id == "UniRef50_UPI0003108055");
        CHECK(recs[1].sequence ==
              "MGPPRWWKGITGLAAVVHRADPEDKADLYAKMGLYLEYHPETRIVEARIKPRLHDVCESKVSEGGLEPPCP");
    }
    SECTION("edge_cases.fasta: lengths equal the len= field of each header") {
        auto recs = read_all(test::shared_path("data/protein_fasta/edge_cases.fasta"));
        REQUIRE(recs.size() == 22);
        for (const auto& r : recs) {
            auto pos = r.description.find("len=");
            REQUIRE(pos != std::string::npos);
            CHECK(r.sequence.size() == std::stoul(r.description.substr(pos + 4)));
            CHECK(r.error.empty());
        }
        CHECK(recs[0].id == "1amt-C");
        CHECK(recs[0].sequence == "XAPAAAAQAVAGLAPVAAEQF");
    }
    SECTION("deeploc test set: record count equals the number of '>' lines") {
        auto recs = read_all(test::shared_path("data/deeploc/deeploc_test_set.fasta"));
        // grep -c '>' deeploc_test_set.fasta
        CHECK(recs.size() == 2768);
        CHECK(recs[0].id == "Q9H400");
        CHECK(recs[0].description == "Cell.membrane-M test");
        CHECK(recs[0].sequence.size() == 295);  // python reference
        CHECK(recs[0].sequence.substr(285) == "GWRPLPASLP");
    }
}

TEST_CASE("fasta reader: the bundled examples/proteins.fasta", "[data][fasta]") {
    auto recs = read_all(test::source_path("examples/proteins.fasta"));
    REQUIRE(recs.size() == 3);
    CHECK(recs[2].id == "UniRef50_A0A090SUK6");
}

// Throughput, not a test of behaviour: run with `test_data "[.bench]"`.
TEST_CASE("fasta reader: throughput on the DeepLoc FASTA files", "[.bench][data]") {
    const int passes = 20;
    std::uint64_t records = 0, residues = 0, bytes = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < passes; ++i) {
        for (const char* f : {"deeploc_test_set.fasta", "deeploc_our_val_set.fasta"}) {
            FastaReader reader(test::shared_path(std::string("data/deeploc/") + f));
            SequenceRecord r;
            while (reader.next(r)) {
                ++records;
                residues += r.sequence.size();
            }
            bytes += reader.bytes_read();
        }
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(records == (2768u + 1678u) * passes);
    std::printf("FastaReader: %llu records, %llu residues in %.3f s: %.0f MB/s\n",
                static_cast<unsigned long long>(records), static_cast<unsigned long long>(residues),
                s, bytes / s / 1e6);
}

TEST_CASE(
    "fasta reader: with require_utf8_ids, an id that is not valid UTF-8 is a rejected "
    "record naming the line",
    "[data][fasta][utf8]") {
    auto p = test::write_temp("latin1.fa", ">ok1\nMKT\n>caf\xE9 x\nMKT\n>ok\nAAA\n");
    plmkit::data::FastaReaderOptions options;
    options.require_utf8_ids = true;
    auto recs = read_all(p, options);
    REQUIRE(recs.size() == 3);
    CHECK(recs[0].error.empty());
    CHECK(recs[1].id == "caf\\xE9");  // shown with the bad byte escaped
    CHECK(recs[1].line == 3);
    CHECK(recs[1].sequence == "MKT");
    CHECK_THAT(recs[1].error,
               Catch::StartsWith("id is not valid UTF-8: byte 0xE9 at byte 4 of 'caf\\xE9' on "
                                 "line 3"));
    CHECK(recs[2].id == "ok");
    CHECK(recs[2].error.empty());
}

TEST_CASE("fasta reader: by default an id that is not valid UTF-8 is kept byte for byte",
          "[data][fasta][utf8]") {
    // predict, train and evaluate write CSV, which takes any bytes: only
    // embed and tokenize (HDF5, JSON) ask for UTF-8 ids.
    auto p = test::write_temp("latin1_kept.fa", ">ok1\nMKT\n>caf\xE9 x\nMKT\n>ok\nAAA\n");
    auto recs = read_all(p);
    REQUIRE(recs.size() == 3);
    CHECK(recs[1].id == "caf\xE9");
    CHECK(recs[1].error.empty());
    CHECK(recs[1].sequence == "MKT");
    CHECK(recs[1].description == "x");
}
