#include "src/utf8.hpp"

#include <cstdio>

namespace plmkit {

namespace {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when none does.
std::size_t sequence_length(std::string_view s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    std::size_t n;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;  // no overlong forms
        if (c == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
    return n;
}

}  // namespace

std::size_t invalid_utf8_at(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = sequence_length(s, i);
        if (n == 0) return i;
        i += n;
    }
    return std::string_view::npos;
}

std::string escape_invalid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = sequence_length(s, i);
        if (n > 0) {
            out.append(s, i, n);
            i += n;
            continue;
        }
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(s[i]));
        out += hex;
        ++i;
    }
    return out;
}

std::string one_line_utf8(std::string_view s) {
    std::string out = escape_invalid_utf8(s);
    for (char& c : out)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return out;
}

std::string invalid_utf8_reason(std::string_view s, const std::string& what, std::uint64_t line) {
    const std::size_t at = invalid_utf8_at(s);
    if (at == std::string_view::npos) return {};
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(s[at]));
    std::string where = line > 0 ? " on line " + std::to_string(line) : "";
    return what + " is not valid UTF-8: byte " + byte + " at byte " + std::to_string(at + 1) +
           " of '" + escape_invalid_utf8(s) + "'" + where +
           " (save the file as UTF-8, e.g. iconv -f latin1 -t utf-8)";
}

}  // namespace plmkit
