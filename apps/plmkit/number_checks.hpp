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

/// An integer of any sign (and no other text), for each item of a list
/// option: CLI11 would read "" (an unset shell variable: --layers "$L") as 0.
/// Empty list items (`--layers 1,`) are refused by add_list_option
/// (list_options.hpp), which runs this on each item.
inline CLI::Validator an_integer() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            errno = 0;
            char* end = nullptr;
            std::strtoll(text.c_str(), &end, 10);
            if (text.empty() || end == text.c_str() || *end != '\0' || errno == ERANGE)
                return "expected an integer, got '" + text + "'";
            return {};
        },
        "");
}

/// Any text but "": an empty value (an unset shell variable) is refused
/// instead of meaning "not given". `expected` says what to give.
inline CLI::Validator not_empty(const std::string& expected) {
    return CLI::Validator(
        [expected](std::string& text) -> std::string {
            if (text.empty()) return "is empty (expected " + expected + ")";
            return {};
        },
        "");
}

/// Adds not_empty() to every option of `cmd` that takes a value (flags are
/// left alone), so that `--dtype ""` (an unset shell variable) is a usage
/// error naming the option rather than "not given" or 0. Call it after the
/// options are added.
inline void refuse_empty_values(CLI::App* cmd) {
    for (CLI::Option* opt : cmd->get_options())
        if (opt->get_type_size_min() > 0)
            opt->check(not_empty("a value; leave the option out for its default"));
}

}  // namespace plmkit::cli
