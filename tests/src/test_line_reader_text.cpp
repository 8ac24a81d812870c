// The line reader reads text: a UTF-8 byte-order mark at the start is
// dropped, and a NUL byte (binary data) is an InputError naming file:line.
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;
using plmkit::LineReader;

TEST_CASE("line reader: a NUL byte means binary data", "[core][io][binary]") {
    auto p = test::temp_path("binary.smi");
    test::write_file(p, std::string("CCO a\nCCN b\nC\0\x01\x02 c\n", 19));
    LineReader reader(p);
    std::string line;
    REQUIRE(reader.next(line));
    REQUIRE(reader.next(line));
    try {
        reader.next(line);
        FAIL("binary data was read as text");
    } catch (const plmkit::InputError& e) {
        CHECK(std::string(e.what()) ==
              p + ":3: binary data (a NUL byte), not a text file; expected plain or "
                  "gzip-compressed text");
    }
}

TEST_CASE("line reader: a UTF-8 byte-order mark is dropped from line 1 only", "[core][io][bom]") {
    auto p = test::temp_path("bom.txt");
    test::write_file(p, "\xEF\xBB\xBFone\n\xEF\xBB\xBFtwo\n");
    LineReader reader(p);
    std::string line;
    REQUIRE(reader.next(line));
    CHECK(line == "one");
    REQUIRE(reader.next(line));
    CHECK(line == "\xEF\xBB\xBFtwo");
}
