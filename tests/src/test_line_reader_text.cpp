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

// Excel's "Unicode Text" and PowerShell's default output are UTF-16: said as
// such, rather than "binary data", which sends the user looking for a
// corrupt file.
TEST_CASE("line reader: UTF-16 text is named as such", "[core][io][binary]") {
    const std::string le("\xFF\xFEs\0m\0i\0\n\0C\0\n\0", 16);
    const std::string be("\xFE\xFF\0s\0m\0i\0\n\0C\0\n", 16);
    const std::string bare("s\0m\0i\0\n\0C\0\n\0", 14);  // LE without a byte-order mark
    for (const auto& [text, name] :
         {std::pair{le, "UTF-16LE"}, std::pair{be, "UTF-16BE"}, std::pair{bare, "UTF-16LE"}}) {
        auto p = test::temp_path("utf16.tsv");
        test::write_file(p, text);
        LineReader reader(p);
        std::string line;
        try {
            reader.next(line);
            FAIL("UTF-16 was read");
        } catch (const plmkit::InputError& e) {
            CHECK(std::string(e.what()) ==
                  p + ":1: text in " + name +
                      " (NUL bytes between the letters), not UTF-8; save it as UTF-8 (Excel: "
                      "'CSV UTF-8'; or iconv -f UTF-16 -t UTF-8 in > out)");
        }
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
