#pragma once
// Small string helpers shared across the layers (C++17 has no
// std::string::starts_with / ends_with; counts in messages).
#include <cstdint>
#include <string>
#include <string_view>

namespace plmkit {

inline bool starts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

inline bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// `n` and the noun for it, as messages count things: "1 row", "0 rows",
/// "2 rows". The plural is `singular` + "s" unless `plural` is given
/// ("entry", "entries"). Only for text people read, not for machine-read
/// outputs.
inline std::string count_noun(std::uint64_t n, std::string_view singular,
                              std::string_view plural = {}) {
    std::string out = std::to_string(n) + ' ';
    if (n == 1) return out.append(singular);
    if (!plural.empty()) return out.append(plural);
    return out.append(singular).append("s");
}

}  // namespace plmkit
