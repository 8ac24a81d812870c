#pragma once
// Reading typed values out of the screen config's YAML with errors that name
// the file, line and key and echo what was there ("expected an integer 0..4,
// got 'one'"). Internal to screen_config.cpp.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "src/error.hpp"

namespace plmkit::pipelines::config_fields {

/// Where config values come from, for error messages and relative paths.
struct Ctx {
    std::string source;
    /// The config file's folder, where relative `references:` paths start;
    /// unset for YAML text that did not come from a file.
    std::optional<std::filesystem::path> base_dir;

    std::string where(const YAML::Node& node) const;
    /// Throws UsageError "<source>:<line>: '<key>': <msg>".
    [[noreturn]] void fail(const YAML::Node& node, const std::string& key,
                           const std::string& msg) const;
};

/// What a YAML value was, for "expected X, got Y" messages: 'text' for a
/// scalar, else "a list", "a mapping" or "nothing".
std::string got(const YAML::Node& n);

/// yaml-cpp keeps every copy of a repeated key and lookups see the first, so
/// `veber: true` then `veber: false` would quietly mean true: refuse it.
void check_duplicate_keys(const Ctx& c, const YAML::Node& node, const std::string& path);
/// Fails unless `node` is a mapping whose keys are all in `allowed`.
void check_keys(const Ctx& c, const YAML::Node& node, const std::string& path,
                const std::set<std::string>& allowed);

template <typename T>
T get(const Ctx& c, const YAML::Node& node, const std::string& key, const char* expected) {
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        c.fail(node, key, std::string("expected ") + expected + ", got " + got(node));
    }
}

bool get_bool(const Ctx& c, const YAML::Node& n, const std::string& k);
double get_double(const Ctx& c, const YAML::Node& n, const std::string& k);
std::string get_string(const Ctx& c, const YAML::Node& n, const std::string& k);
/// A list of names: `[A, B]`; one name or a comma-separated string (`PAINS`,
/// `PAINS, BRENK`) reads as the list of those names; null is the empty list.
std::vector<std::string> get_strings(const Ctx& c, const YAML::Node& n, const std::string& k);

}  // namespace plmkit::pipelines::config_fields
