// Line ends: "\n", "\r\n" and a lone "\r" (old Mac files) each end one line,
// also when "\r\n" is cut in two by a buffer refill, and line numbers count
// every line end.
#include "tests/catch.hpp"

#include "src/line_reader.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;
using plmkit::LineReader;

namespace {
/// Lines with the line number the reader gives each.
std::vector<std::pair<std::string, std::uint64_t>> numbered_lines(const std::string& path) {
    LineReader r(path);
    std::vector<std::pair<std::string, std::uint64_t>> out;
    std::string line;
    while (r.next(line))
        out.emplace_back(line, r.line_number());
    return out;
}
using Lines = std::vector<std::pair<std::string, std::uint64_t>>;
}  // namespace

TEST_CASE("line reader: a lone CR ends a line (old Mac files)", "[core][io][cr]") {
    SECTION("CR only, a blank line, a final CR") {
        auto p = test::write_temp("cr_only.txt", ">a\rMKTAY\r\r>b\rGGG\r");
        CHECK(numbered_lines(p) == Lines{{">a", 1}, {"MKTAY", 2}, {"", 3}, {">b", 4}, {"GGG", 5}});
    }
    SECTION("CR only without a final line end") {
        auto p = test::write_temp("cr_nofinal.txt", "a\rb");
        CHECK(numbered_lines(p) == Lines{{"a", 1}, {"b", 2}});
    }
    SECTION("CRLF stays one line end, mixed with LF and CR") {
        auto p = test::write_temp("cr_mixed.txt", "a\r\nb\rc\nd\r\n\r\ne");
        CHECK(numbered_lines(p) ==
              Lines{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"", 5}, {"e", 6}});
    }
}

TEST_CASE("line reader: a CRLF cut in two by the buffer end is one line end", "[core][io][cr]") {
    // The reader fills 256 KiB at a time: put the '\r' at the last byte of the
    // first fill and the '\n' at the first byte of the next.
    const std::size_t chunk = std::size_t{1} << 18;
    const std::string first(chunk - 1, 'M');
    auto p = test::write_temp("cr_split.txt", first + "\r\nnext\r\nlast\r");
    auto lines = numbered_lines(p);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].first == first);
    CHECK(lines[1] == std::make_pair(std::string("next"), std::uint64_t{2}));
    CHECK(lines[2] == std::make_pair(std::string("last"), std::uint64_t{3}));
}

TEST_CASE("line reader: many CRLF and CR lines across buffer refills", "[core][io][cr]") {
    for (const std::string eol : {"\r\n", "\r"}) {
        std::string text;
        for (int i = 0; i < 60000; ++i)
            text += "line" + std::to_string(i) + eol;
        auto p = test::write_temp("cr_many.txt", text);
        LineReader r(p);
        std::string line;
        std::uint64_t n = 0;
        while (r.next(line)) {
            REQUIRE(line == "line" + std::to_string(n));
            ++n;
            REQUIRE(r.line_number() == n);
        }
        CHECK(n == 60000);
    }
}

TEST_CASE("line reader: CR CR LF (a CRLF file converted twice) is one line end", "[core][io][cr]") {
    SECTION("between lines") {
        auto p = test::write_temp("crcrlf.txt", ">a\r\r\nMKTAY\r\r\n>b\r\r\nGGG\r\r\n");
        CHECK(numbered_lines(p) == Lines{{">a", 1}, {"MKTAY", 2}, {">b", 3}, {"GGG", 4}});
    }
    SECTION("cut by the buffer end after the first or the second CR") {
        const std::size_t chunk = std::size_t{1} << 18;
        for (std::size_t before : {chunk - 1, chunk - 2}) {
            const std::string first(before, 'M');
            auto p = test::write_temp("crcrlf_split.txt", first + "\r\r\nnext\r\r\n");
            auto lines = numbered_lines(p);
            REQUIRE(lines.size() == 2);
            CHECK(lines[0].first == first);
            CHECK(lines[1] == std::make_pair(std::string("next"), std::uint64_t{2}));
        }
    }
    SECTION("CRs at the end of the input are lone CRs: each ends a line") {
        auto p = test::write_temp("cr_tail.txt", "a\r\r");
        CHECK(numbered_lines(p) == Lines{{"a", 1}, {"", 2}});
    }
}

TEST_CASE("line reader: line_end() gives the bytes that ended each line", "[core][io][cr]") {
    auto p = test::write_temp("line_ends.txt", "a\r\nb\rc\nd\r\r\ne");
    LineReader r(p);
    std::string line;
    std::vector<std::pair<std::string, std::string>> seen;
    while (r.next(line))
        seen.emplace_back(line, r.line_end());
    CHECK(seen == std::vector<std::pair<std::string, std::string>>{
                      {"a", "\r\n"}, {"b", "\r"}, {"c", "\n"}, {"d", "\r\r\n"}, {"e", ""}});
}
