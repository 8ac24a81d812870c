#include "tests/catch.hpp"

#include "src/csv.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using Fields = std::vector<std::string>;

TEST_CASE("csv: splitting lines with quotes", "[core][csv]") {
    SECTION("plain fields, empty fields, trailing separator") {
        CHECK(split_csv_line("a,b,c", ',') == Fields{"a", "b", "c"});
        CHECK(split_csv_line("a,,c", ',') == Fields{"a", "", "c"});
        CHECK(split_csv_line("a,b,", ',') == Fields{"a", "b", ""});
        CHECK(split_csv_line(",", ',') == Fields{"", ""});
        CHECK(split_csv_line("", ',') == Fields{""});
        CHECK(split_csv_line(" a , b ", ',') == Fields{" a ", " b "});  // not trimmed
    }
    SECTION("quoted separators and doubled quotes (as Python's csv module reads them)") {
        CHECK(split_csv_line(R"(1,"a,b",c)", ',') == Fields{"1", "a,b", "c"});
        CHECK(split_csv_line(R"("say ""hi""",x)", ',') == Fields{"say \"hi\"", "x"});
        CHECK(split_csv_line(R"("",x)", ',') == Fields{"", "x"});
        CHECK(split_csv_line(R"(x,"C(=O)O, Na")", ',') == Fields{"x", "C(=O)O, Na"});
        CHECK(split_csv_line(R"(a, "b,c")", ',') == Fields{"a", "b,c"});
    }
    SECTION("tabs") {
        CHECK(split_csv_line("CCO\tethanol\t1.5", '\t') == Fields{"CCO", "ethanol", "1.5"});
        CHECK(split_csv_line("a,b\tc", '\t') == Fields{"a,b", "c"});
    }
    SECTION("an unterminated quote is reported") {
        Fields f;
        CHECK_FALSE(split_csv_line(R"(1,"open)", ',', f));
        CHECK(f == Fields{"1", "open"});
        CHECK(split_csv_line("1,\"two\nlines\",3", ',', f));
        CHECK(f == Fields{"1", "two\nlines", "3"});
    }
}

TEST_CASE("csv: escaping fields for output", "[core][csv]") {
    CHECK(csv_escape("CCO", ',') == "CCO");
    CHECK(csv_escape("a,b", ',') == "\"a,b\"");
    CHECK(csv_escape("a,b", '\t') == "a,b");
    CHECK(csv_escape("say \"hi\"", ',') == "\"say \"\"hi\"\"\"");
    CHECK(csv_escape("two\nlines", ',') == "\"two\nlines\"");
    CHECK(csv_escape(" padded", ',') == "\" padded\"");
    CHECK(csv_escape("", ',') == "");
    SECTION("escape then split gives the fields back") {
        Fields fields{"plain", "a,b", "q\"q", " s ", "", "x\ty"};
        std::string line;
        for (std::size_t i = 0; i < fields.size(); ++i)
            line += (i ? "," : "") + csv_escape(fields[i], ',');
        CHECK(split_csv_line(line, ',') == fields);
    }
}

TEST_CASE("csv: separator from the file name", "[core][csv]") {
    CHECK(csv_separator_for("x.csv") == ',');
    CHECK(csv_separator_for("x.tsv") == '\t');
    CHECK(csv_separator_for("dir/x.tsv.gz") == '\t');
    CHECK(csv_separator_for("x.csv.gz") == ',');
    CHECK(csv_separator_for("-") == ',');
}

TEST_CASE("csv: CsvWriter writes an atomic file", "[core][csv]") {
    auto p = test::temp_path("out.csv");
    {
        CsvWriter w(p);
        w.header({"id", "smiles", "score"});
        w.row({"m1", "CCO", "0.5"});
        w.row({"m,2", "C\"C", ""});
        CHECK(w.rows() == 2);
        CHECK_THROWS_WITH(w.row({"short"}), Catch::Contains("has 1 fields, expected 3"));
        w.close();
    }
    CHECK(test::read_file(p) == "id,smiles,score\nm1,CCO,0.5\n\"m,2\",\"C\"\"C\",\n");

    SECTION("tsv by name") {
        auto t = test::temp_path("out.tsv");
        CsvWriter w(t);
        w.header({"a", "b"});
        w.row({"1,2", "x"});
        w.close();
        CHECK(test::read_file(t) == "a\tb\n1,2\tx\n");
    }
    SECTION("an unclosed writer leaves no file") {
        auto q = test::temp_path("never.csv");
        {
            CsvWriter w(q);
            w.header({"a"});
        }
        std::FILE* f = std::fopen(q.c_str(), "rb");
        CHECK(f == nullptr);
        if (f) std::fclose(f);
    }
    SECTION("a folder that does not exist is an IoError") {
        CHECK_THROWS_AS(CsvWriter("/nonexistent-dir/x.csv"), IoError);
    }
}
