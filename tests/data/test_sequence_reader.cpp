// data::SequenceReader: FASTA or a CSV/TSV table by name or --format; table
// rows as SequenceRecords with their line, ids from the id column or
// <file stem>:<row>, non-UTF-8 ids rejected. Expected values by hand.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>
#include "tests/catch.hpp"

#include "data/sequence_reader.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit::data;
namespace test = plmkit::test;

TEST_CASE("sequence reader: the format from the name or as given", "[data][sequence_reader]") {
    CHECK(sequence_format("a/b.csv", "auto") == "csv");
    CHECK(sequence_format("b.CSV.gz", "auto") == "csv");
    CHECK(sequence_format("b.tsv", "auto") == "tsv");
    CHECK(sequence_format("b.tab.gz", "") == "tsv");
    CHECK(sequence_format("b.fasta", "auto") == "fasta");
    CHECK(sequence_format("b.txt", "auto") == "fasta");
    CHECK(sequence_format("csv.d/b", "auto") == "fasta");
    CHECK(sequence_format("-", "auto") == "fasta");
    CHECK(sequence_format("b.txt", "csv") == "csv");
    CHECK(sequence_format("b.csv", "fasta") == "fasta");
    CHECK_THROWS_AS(sequence_format("b.csv", "sdf"), plmkit::UsageError);
}

TEST_CASE("sequence reader: table rows with their lines and ids", "[data][sequence_reader]") {
    SequenceReaderOptions o;
    o.require_utf8_ids = true;
    SequenceRecord r;
    SECTION("no id column: <stem>:<row>") {
        auto p = test::write_temp("gb1rows.csv", "sequence,target\nMKT,1\n,2\n\"AC\",3\n");
        SequenceReader reader(p, o);
        CHECK(reader.is_table());
        CHECK(reader.id_column().empty());
        // write_temp puts a prefix before the name: the stem is the file's.
        const std::string stem = std::filesystem::path(p).stem().string();
        std::vector<std::string> got;
        while (reader.next(r))
            got.push_back(r.id + "|" + std::to_string(r.line) + "|" + r.sequence + "|" + r.error);
        CHECK(got == std::vector<std::string>{stem + ":1|2|MKT|", stem + ":2|3||empty sequence",
                                              stem + ":3|4|AC|"});
        CHECK(reader.records() == 3);
        CHECK(count_sequence_records(p, o) == 3);
    }
    SECTION("an automatic id column; a non-UTF-8 id is rejected with \\xHH") {
        auto p = test::write_temp("deep.tsv", "protein_id\tseq\nQ1\tMKT\ncaf\xE9\tAC\n");
        o.seq_col = "seq";
        SequenceReader reader(p, o);
        CHECK(reader.id_column() == "protein_id");
        REQUIRE(reader.next(r));
        CHECK(r.id == "Q1");
        CHECK(r.sequence == "MKT");
        REQUIRE(reader.next(r));
        CHECK(r.id == "caf\\xE9");
        CHECK_THAT(r.error, Catch::Contains("not valid UTF-8"));
        CHECK_FALSE(reader.next(r));
    }
    SECTION("an unknown column names the option and the columns") {
        auto p = test::write_temp("cols.csv", "id,sequence\nA,MKT\n");
        o.seq_col = "sequense";
        CHECK_THROWS_WITH(
            SequenceReader(p, o),
            Catch::Contains("no sequence column 'sequense' (columns: 'id', 'sequence'); "
                            "choose one with --seq-col") &&
                Catch::Contains("did you mean 'sequence'"));
    }
    SECTION("a table without a header line, or a header only, has no records") {
        // As an empty FASTA; the reason each gives for the warning.
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"", "an empty table (no header line, no rows)"},
            {"\n \r\n\t\n", "an empty table (no header line, no rows)"},
            {"id,sequence\n\n", "no rows after the header"}};
        for (const auto& [text, reason] : cases) {
            auto p = test::write_temp("none.csv", text);
            SequenceReader reader(p, o);
            CHECK(reader.is_table());
            CHECK_FALSE(reader.next(r));
            CHECK(reader.records() == 0);
            CHECK(reader.no_records_reason() == reason);
            CHECK(count_sequence_records(p, o) == 0);
        }
        auto fa = test::write_temp("none.fa", "\n");
        SequenceReader fasta(fa, o);
        CHECK_FALSE(fasta.next(r));
        CHECK(fasta.no_records_reason() == "no FASTA records (no line starts with '>')");
    }
    SECTION("a header line with an unclosed quote is still an input error") {
        auto p = test::write_temp("quote.csv", "id,\"sequence\nA,MKT\n");
        CHECK_THROWS_AS(SequenceReader(p, o), plmkit::InputError);
    }
    SECTION("FASTA records pass through") {
        auto p = test::write_temp("two.fa", ">a x\nMK\nT\n>b\nAC\n");
        SequenceReader reader(p, o);
        CHECK_FALSE(reader.is_table());
        REQUIRE(reader.next(r));
        CHECK((r.id == "a" && r.sequence == "MKT" && r.line == 1 && r.description == "x"));
        REQUIRE(reader.next(r));
        CHECK((r.id == "b" && r.line == 4));
        CHECK_FALSE(reader.next(r));
        CHECK(count_sequence_records(p, o) == 2);
    }
}
