#include "tests/catch.hpp"

#include "src/utf8.hpp"

using namespace plmkit;

TEST_CASE("utf8: valid text and the first invalid byte", "[core][utf8]") {
    constexpr auto npos = std::string_view::npos;
    CHECK(invalid_utf8_at("") == npos);
    CHECK(invalid_utf8_at("P69905|HBA_HUMAN") == npos);
    CHECK(invalid_utf8_at("caf\xC3\xA9") == npos);        // é, 2 bytes
    CHECK(invalid_utf8_at("\xE2\x82\xAC 5") == npos);     // €, 3 bytes
    CHECK(invalid_utf8_at("x\xF0\x9F\x98\x80") == npos);  // U+1F600, 4 bytes
    CHECK(invalid_utf8_at("caf\xE9") == 3);               // Latin-1 é
    CHECK(invalid_utf8_at("a\x80") == 1);                 // stray continuation
    CHECK(invalid_utf8_at("\xC0\x80") == 0);              // overlong NUL
    CHECK(invalid_utf8_at("\xE0\x80\x80") == 0);          // overlong 3-byte form
    CHECK(invalid_utf8_at("ab\xED\xA0\x80") == 2);        // UTF-16 surrogate D800
    CHECK(invalid_utf8_at("\xF4\x90\x80\x80") == 0);      // above U+10FFFF
    CHECK(invalid_utf8_at("ok\xE2\x82") == 2);            // cut short at the end
}

TEST_CASE("utf8: invalid bytes are shown as \\xHH, valid ones kept", "[core][utf8]") {
    CHECK(escape_invalid_utf8("caf\xE9") == "caf\\xE9");
    CHECK(escape_invalid_utf8("\xC3\xA9t\xE9\xFF") == "\xC3\xA9t\\xE9\\xFF");
    CHECK(escape_invalid_utf8("plain") == "plain");
    CHECK(invalid_utf8_reason("plain", "id").empty());
    CHECK(invalid_utf8_reason("caf\xE9", "id", 12) ==
          "id is not valid UTF-8: byte 0xE9 at byte 4 of 'caf\\xE9' on line 12 (save the file "
          "as UTF-8, e.g. iconv -f latin1 -t utf-8)");
}

TEST_CASE("utf8: one line of valid UTF-8 for a TSV cell", "[core][utf8]") {
    CHECK(one_line_utf8("caf\xE9\tx\r\ny") == "caf\\xE9 x  y");
    CHECK(one_line_utf8("\xC3\xA9\nok") == "\xC3\xA9 ok");
    CHECK(one_line_utf8("plain") == "plain");
}
