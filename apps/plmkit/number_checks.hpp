#pragma once
// CLI11 validators for integer options. They run on the text before CLI11
// converts it, so "-1" never reaches an unsigned member (where it would wrap
// to 18446744073709551615) and the message names the allowed range.
#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <string>

namespace plmkit::cli {

/// An integer >= `min` (and no other text).
inline CLI::Validator at_least(long long min) {
    return CLI::Validator(
        [min](std::string& text) -> std::string {
            errno = 0;
            char* end = nullptr;
            const long long v = std::strtoll(text.c_str(), &end, 10);
            if (text.empty() || end == text.c_str() || *end != '\0' || errno == ERANGE)
                return "expected an integer, got '" + text + "'";
            if (v < min) return "expected an integer >= " + std::to_string(min) + ", got " + text;
            return {};
        },
        "");  // the option's help states the range
}

}  // namespace plmkit::cli
