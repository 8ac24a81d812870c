#pragma once
// Small string tests shared across the layers (C++17 has no
// std::string::starts_with / ends_with).
#include <string>
#include <string_view>

namespace plmkit {

inline bool starts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

inline bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace plmkit
