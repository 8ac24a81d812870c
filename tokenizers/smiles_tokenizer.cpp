#include "tokenizers/smiles_tokenizer.hpp"

#include <array>

namespace plmkit::tokenizers {

namespace {

enum CharClass : std::uint8_t { kNone = 0, kSingle, kB, kC, kBracket, kPercent };

constexpr std::array<std::uint8_t, 256> make_classes() {
    std::array<std::uint8_t, 256> t{};
    const char* singles = "NOSPFIbcnosp().=#-+\\/:~@?>*$0123456789";
    for (const char* p = singles; *p; ++p)
        t[static_cast<unsigned char>(*p)] = kSingle;
    t['B'] = kB;
    t['C'] = kC;
    t['['] = kBracket;
    t['%'] = kPercent;
    return t;
}

constexpr std::array<std::uint8_t, 256> kClasses = make_classes();

inline bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Length of the token at p (p < end), 0 when none matches.
inline std::size_t scan(const char* p, const char* end) {
    switch (kClasses[static_cast<unsigned char>(*p)]) {
        case kSingle:
            return 1;
        case kB:
            return (p + 1 < end && p[1] == 'r') ? 2 : 1;
        case kC:
            return (p + 1 < end && p[1] == 'l') ? 2 : 1;
        case kBracket: {
            // \[[^\]]+] : at least one character other than ']' before the ']'.
            const char* q = p + 1;
            while (q < end && *q != ']')
                ++q;
            if (q == end || q == p + 1) return 0;
            return static_cast<std::size_t>(q - p) + 1;
        }
        case kPercent:
            return (p + 2 < end && is_digit(p[1]) && is_digit(p[2])) ? 3 : 0;
        default:
            return 0;
    }
}

std::string describe_char(unsigned char c) {
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    static const char* hex = "0123456789abcdef";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
}

SmilesError make_error(std::string_view s, std::size_t pos) {
    SmilesError e;
    e.position = pos + 1;
    const std::string at = " at position " + std::to_string(pos + 1);
    const char c = s[pos];
    if (c == '[') {
        bool empty = pos + 1 < s.size() && s[pos + 1] == ']';
        e.reason = empty ? "empty bracket atom '[]'" + at : "unclosed '['" + at;
    } else if (c == '%') {
        e.reason = "'%'" + at + " is not followed by two digits";
    } else {
        e.reason = "invalid character " + describe_char(static_cast<unsigned char>(c)) + at;
    }
    return e;
}

}  // namespace

std::size_t SmilesTokenizer::token_length(std::string_view smiles, std::size_t pos) {
    if (pos >= smiles.size()) return 0;
    return scan(smiles.data() + pos, smiles.data() + smiles.size());
}

bool SmilesTokenizer::tokenize(std::string_view smiles, std::vector<std::string_view>& tokens,
                               SmilesError* error) {
    tokens.clear();
    if (smiles.empty()) {
        if (error) *error = SmilesError{"empty SMILES", 0};
        return false;
    }
    const char* begin = smiles.data();
    const char* end = begin + smiles.size();
    for (const char* p = begin; p < end;) {
        std::size_t n = scan(p, end);
        if (n == 0) {
            if (error) *error = make_error(smiles, static_cast<std::size_t>(p - begin));
            return false;
        }
        tokens.emplace_back(p, n);
        p += n;
    }
    return true;
}

std::ptrdiff_t SmilesTokenizer::count_tokens(std::string_view smiles) {
    if (smiles.empty()) return -1;
    const char* p = smiles.data();
    const char* end = p + smiles.size();
    std::ptrdiff_t count = 0;
    while (p < end) {
        std::size_t n = scan(p, end);
        if (n == 0) return -1;
        p += n;
        ++count;
    }
    return count;
}

SmilesTokenization SmilesTokenizer::tokenize(std::string_view smiles) {
    SmilesTokenization out;
    std::vector<std::string_view> views;
    SmilesError error;
    out.ok = tokenize(smiles, views, &error);
    if (!out.ok) {
        out.reason = error.reason;
        return out;
    }
    out.tokens.assign(views.begin(), views.end());
    return out;
}

}  // namespace plmkit::tokenizers
