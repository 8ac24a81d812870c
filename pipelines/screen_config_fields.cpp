#include "pipelines/screen_config_fields.hpp"

#include <map>

namespace plmkit::pipelines::config_fields {

std::string Ctx::where(const YAML::Node& node) const {
    std::string w = source;
    if (node.Mark().line >= 0) w += ":" + std::to_string(node.Mark().line + 1);
    return w;
}

void Ctx::fail(const YAML::Node& node, const std::string& key, const std::string& msg) const {
    throw UsageError(where(node) + ": '" + key + "': " + msg);
}

std::string got(const YAML::Node& n) {
    if (n.IsScalar()) return "'" + n.Scalar() + "'";
    return n.IsSequence() ? "a list" : n.IsMap() ? "a mapping" : "nothing";
}

void check_duplicate_keys(const Ctx& c, const YAML::Node& node, const std::string& path) {
    if (node.IsSequence()) {
        for (const auto& e : node)
            check_duplicate_keys(c, e, path);
        return;
    }
    if (!node.IsMap()) return;
    std::map<std::string, int> seen;
    for (const auto& kv : node) {
        if (!kv.first.IsScalar()) continue;
        const auto k = kv.first.as<std::string>();
        const std::string key = path.empty() ? k : path + "." + k;
        auto [it, fresh] = seen.emplace(k, kv.first.Mark().line + 1);
        if (!fresh)
            c.fail(kv.first, key,
                   "duplicate key (first on line " + std::to_string(it->second) +
                       "); give each key once");
        check_duplicate_keys(c, kv.second, key);
    }
}

void check_keys(const Ctx& c, const YAML::Node& node, const std::string& path,
                const std::set<std::string>& allowed) {
    if (!node.IsMap()) c.fail(node, path, "expected a mapping, got " + got(node));
    for (const auto& kv : node) {
        auto k = kv.first.as<std::string>();
        if (!allowed.count(k)) {
            std::string list;
            for (const auto& a : allowed)
                list += (list.empty() ? "" : ", ") + a;
            c.fail(kv.first, path.empty() ? k : path + "." + k,
                   "unknown key (expected one of: " + list + ")");
        }
    }
}

bool get_bool(const Ctx& c, const YAML::Node& n, const std::string& k) {
    return get<bool>(c, n, k, "true or false");
}

double get_double(const Ctx& c, const YAML::Node& n, const std::string& k) {
    return get<double>(c, n, k, "a number");
}

std::string get_string(const Ctx& c, const YAML::Node& n, const std::string& k) {
    if (!n.IsScalar()) c.fail(n, k, "expected a string, got " + got(n));
    return n.as<std::string>();
}

namespace {
std::string trimmed(const std::string& s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}
}  // namespace

std::vector<std::string> get_strings(const Ctx& c, const YAML::Node& n, const std::string& k) {
    if (n.IsNull()) return {};
    std::vector<std::string> out;
    if (n.IsScalar()) {  // `catalogs: PAINS` or `catalogs: PAINS, BRENK`
        const std::string text = n.Scalar();
        for (std::size_t start = 0;;) {
            const std::size_t comma = text.find(',', start);
            const std::string name = trimmed(text.substr(start, comma - start));
            if (name.empty())
                c.fail(n, k, "empty name in '" + text + "' (expected a list such as [A, B])");
            out.push_back(name);
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        return out;
    }
    if (!n.IsSequence()) c.fail(n, k, "expected a list such as [A, B] or [A], got " + got(n));
    for (const auto& e : n)
        out.push_back(get_string(c, e, k));
    return out;
}

}  // namespace plmkit::pipelines::config_fields
