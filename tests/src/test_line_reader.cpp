#include <zlib.h>

#include "tests/catch.hpp"

#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

namespace {
std::vector<std::string> all_lines(const std::string& path) {
    LineReader r(path);
    std::vector<std::string> out;
    std::string line;
    while (r.next(line))
        out.push_back(line);
    return out;
}
}  // namespace

TEST_CASE("line reader: LF, CRLF, blank lines and a missing final newline", "[core][io]") {
    auto p = test::temp_path("lines.txt");
    test::write_file(p, "a\r\nbb\n\nccc");
    CHECK(all_lines(p) == std::vector<std::string>{"a", "bb", "", "ccc"});
}

TEST_CASE("line reader: gzip input is read transparently with line numbers", "[core][io]") {
    auto p = test::temp_path("lines.txt.gz");
    gzFile gz = gzopen(p.c_str(), "wb");
    REQUIRE(gz);
    std::string text;
    for (int i = 0; i < 100000; ++i)
        text += "line" + std::to_string(i) + "\n";
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
    LineReader r(p);
    std::string line;
    std::size_t n = 0;
    while (r.next(line)) {
        REQUIRE(line == "line" + std::to_string(n));
        ++n;
        CHECK(r.line_number() == n);
    }
    CHECK(n == 100000);
    CHECK(r.where() == p + ":100000");
}

TEST_CASE("line reader: a line longer than the buffer", "[core][io]") {
    auto p = test::temp_path("long.txt");
    std::string big(1 << 20, 'M');
    test::write_file(p, "x\n" + big + "\ny\n");
    auto lines = all_lines(p);
    REQUIRE(lines.size() == 3);
    CHECK(lines[1] == big);
}

TEST_CASE("line reader: a missing file names the path", "[core][io]") {
    CHECK_THROWS_WITH(LineReader("/nonexistent/x.fasta"),
                      Catch::Contains("cannot open '/nonexistent/x.fasta'"));
}
