#include "pipelines/screen_config.hpp"

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

#include "pipelines/descriptors.hpp"
#include "pipelines/element_filter.hpp"
#include "pipelines/kept_columns.hpp"
#include "pipelines/mol_filters.hpp"
#include "pipelines/rdkit_log_capture.hpp"
#include "pipelines/screen_config_fields.hpp"
#include "src/error.hpp"

namespace plmkit::pipelines {
namespace {

using namespace config_fields;

std::string join(const std::vector<std::string>& names) {
    std::string list;
    for (const auto& n : names)
        list += (list.empty() ? "" : ", ") + n;
    return list;
}

/// `key: false` switches a step off; `key: true` keeps defaults; a map sets options.
bool switched_off(const YAML::Node& n) {
    return n.IsScalar() && (n.as<std::string>() == "false" || n.as<std::string>() == "off");
}
bool is_plain_true(const YAML::Node& n) {
    return n.IsNull() || (n.IsScalar() && (n.as<std::string>() == "true"));
}

void parse_standardize(const Ctx& c, const YAML::Node& n, StandardizeOptions& o) {
    if (switched_off(n)) {
        o.enabled = false;
        return;
    }
    if (is_plain_true(n)) return;
    check_keys(c, n, "standardize",
               {"enabled", "cleanup", "largest_fragment", "uncharge", "tautomer"});
    if (n["enabled"]) o.enabled = get_bool(c, n["enabled"], "standardize.enabled");
    if (n["cleanup"]) o.cleanup = get_bool(c, n["cleanup"], "standardize.cleanup");
    if (n["largest_fragment"])
        o.largest_fragment = get_bool(c, n["largest_fragment"], "standardize.largest_fragment");
    if (n["uncharge"]) o.uncharge = get_bool(c, n["uncharge"], "standardize.uncharge");
    if (n["tautomer"]) o.tautomer = get_bool(c, n["tautomer"], "standardize.tautomer");
}

void parse_dedupe(const Ctx& c, const YAML::Node& n, DedupeOptions& o) {
    if (switched_off(n)) {
        o.enabled = false;
        return;
    }
    if (is_plain_true(n)) return;
    check_keys(c, n, "dedupe", {"enabled", "key"});
    if (n["enabled"]) o.enabled = get_bool(c, n["enabled"], "dedupe.enabled");
    if (n["key"]) {
        o.key = get_string(c, n["key"], "dedupe.key");
        if (o.key == "inchikey")
            c.fail(n["key"], "dedupe.key",
                   "InChIKey is not available: this RDKit was built without InChI support; "
                   "use 'smiles' (canonical SMILES of the standardized molecule)");
        if (o.key != "smiles")
            c.fail(n["key"], "dedupe.key", "expected 'smiles', got " + got(n["key"]));
    }
}

std::optional<double> get_bound(const Ctx& c, const YAML::Node& n, const std::string& k) {
    if (!n || n.IsNull()) return std::nullopt;
    return get_double(c, n, k);
}

std::vector<std::string> range_properties() {
    std::vector<std::string> names = descriptor_names();
    if (std::find(names.begin(), names.end(), "formal_charge") == names.end())
        names.push_back("formal_charge");
    return names;
}

void parse_ranges(const Ctx& c, const YAML::Node& n, std::vector<RangeRule>& out) {
    if (n.IsNull()) return;
    if (!n.IsMap())
        c.fail(n, "filters.ranges", "expected a mapping 'property: [min, max]', got " + got(n));
    const auto known = range_properties();
    for (const auto& kv : n) {
        RangeRule r;
        r.property = kv.first.as<std::string>();
        std::string key = "filters.ranges." + r.property;
        if (std::find(known.begin(), known.end(), r.property) == known.end())
            c.fail(kv.first, key,
                   "unknown property '" + r.property + "' (expected one of: " + join(known) + ")");
        const auto& v = kv.second;
        if (v.IsSequence()) {
            if (v.size() != 2) c.fail(v, key, "expected [min, max] (null for an open bound)");
            r.min = get_bound(c, v[0], key);
            r.max = get_bound(c, v[1], key);
        } else if (v.IsMap()) {
            check_keys(c, v, key, {"min", "max"});
            r.min = get_bound(c, v["min"], key + ".min");
            r.max = get_bound(c, v["max"], key + ".max");
        } else {
            c.fail(v, key, "expected [min, max] or {min: .., max: ..}, got " + got(v));
        }
        if (r.min && r.max && *r.min > *r.max) c.fail(v, key, "min is greater than max");
        out.push_back(r);
    }
}

/// Fails at `node` when RDKit cannot parse `rule`'s SMARTS.
void check_smarts(const Ctx& c, const YAML::Node& node, const std::string& key,
                  const SmartsRule& rule) {
    capture_rdkit_logs();
    take_rdkit_message();
    std::unique_ptr<RDKit::ROMol> q;
    try {
        q.reset(RDKit::SmartsToMol(rule.smarts));
    } catch (const std::exception&) {
    }
    std::string log = take_rdkit_message();
    if (!q)
        c.fail(node, key,
               "invalid SMARTS '" + rule.smarts + "' for '" + rule.name + "'" +
                   (log.empty() ? "" : ": " + log));
}

std::vector<SmartsRule> parse_smarts_list(const Ctx& c, const YAML::Node& n,
                                          const std::string& key) {
    std::vector<SmartsRule> out;
    if (n.IsNull()) return out;
    if (n.IsMap()) {  // name: SMARTS
        for (const auto& kv : n) {
            out.push_back({kv.first.as<std::string>(), get_string(c, kv.second, key)});
            check_smarts(c, kv.second, key, out.back());
        }
        return out;
    }
    if (!n.IsSequence())
        c.fail(n, key, "expected a list of {name, smarts} or a mapping, got " + got(n));
    for (const auto& e : n) {
        if (e.IsScalar()) {
            auto s = e.as<std::string>();
            out.push_back({s, s});
            check_smarts(c, e, key, out.back());
            continue;
        }
        check_keys(c, e, key, {"name", "smarts"});
        if (!e["smarts"]) c.fail(e, key, "missing 'smarts'");
        SmartsRule r;
        r.smarts = get_string(c, e["smarts"], key + ".smarts");
        r.name = e["name"] ? get_string(c, e["name"], key + ".name") : r.smarts;
        check_smarts(c, e["smarts"], key + ".smarts", r);
        out.push_back(r);
    }
    return out;
}

std::vector<std::string> get_catalogs(const Ctx& c, const YAML::Node& n, const std::string& key) {
    auto names = get_strings(c, n, key);
    const auto known = filter_catalog_names();
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::string upper = names[i];
        for (char& ch : upper)
            ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (std::find(known.begin(), known.end(), upper) == known.end())
            c.fail(
                n.IsSequence() ? n[i] : n, key,
                "unknown FilterCatalog '" + names[i] + "' (expected one of: " + join(known) + ")");
    }
    return names;
}

/// `filters.elements`: false (off), true (the default list), any, or a list
/// of element symbols.
void parse_elements(const Ctx& c, const YAML::Node& n, FilterOptions& o) {
    const std::string key = "filters.elements";
    if (switched_off(n)) {
        o.elements_on = false;
        return;
    }
    if (is_plain_true(n)) return;
    if (n.IsScalar() && n.as<std::string>() == "any") {
        o.elements.clear();
        return;
    }
    if (!n.IsSequence() || n.size() == 0)
        c.fail(
            n, key,
            "expected a list of element symbols ([H, C, N, O, ...]), any, or false, got " + got(n));
    o.elements.clear();
    for (const auto& e : n) {
        auto sym = get_string(c, e, key);
        if (element_number(sym) == 0) {
            std::string fixed = sym;
            for (std::size_t i = 0; i < fixed.size(); ++i)
                fixed[i] =
                    static_cast<char>(i == 0 ? std::toupper(static_cast<unsigned char>(fixed[i]))
                                             : std::tolower(static_cast<unsigned char>(fixed[i])));
            c.fail(e, key,
                   "unknown element symbol '" + sym + "'" +
                       (element_number(fixed)
                            ? " (did you mean '" + fixed + "'?)"
                            : " (expected symbols as in SMILES: C, Cl, Br, Se, ...)"));
        }
        if (std::find(o.elements.begin(), o.elements.end(), sym) == o.elements.end())
            o.elements.push_back(sym);
    }
}

void parse_filters(const Ctx& c, const YAML::Node& n, FilterOptions& o) {
    if (switched_off(n)) {
        o = FilterOptions{};
        o.elements_on = false;
        o.lipinski = o.veber = false;
        o.catalogs.clear();
        return;
    }
    if (is_plain_true(n)) return;
    check_keys(c, n, "filters",
               {"elements", "ranges", "lipinski", "veber", "catalogs", "flag_catalogs",
                "include_smarts", "exclude_smarts", "flag_smarts"});
    if (n["elements"]) parse_elements(c, n["elements"], o);
    if (n["ranges"]) parse_ranges(c, n["ranges"], o.ranges);
    if (auto l = n["lipinski"]) {
        if (l.IsMap()) {
            check_keys(c, l, "filters.lipinski", {"max_violations"});
            o.lipinski = true;
            if (l["max_violations"])
                o.lipinski_max_violations = get<int>(
                    c, l["max_violations"], "filters.lipinski.max_violations", "an integer 0..4");
        } else {
            o.lipinski = get_bool(c, l, "filters.lipinski");
        }
    }
    if (n["veber"]) o.veber = get_bool(c, n["veber"], "filters.veber");
    if (n["catalogs"]) o.catalogs = get_catalogs(c, n["catalogs"], "filters.catalogs");
    if (n["flag_catalogs"])
        o.flag_catalogs = get_catalogs(c, n["flag_catalogs"], "filters.flag_catalogs");
    if (n["include_smarts"])
        o.include_smarts = parse_smarts_list(c, n["include_smarts"], "filters.include_smarts");
    if (n["exclude_smarts"])
        o.exclude_smarts = parse_smarts_list(c, n["exclude_smarts"], "filters.exclude_smarts");
    if (n["flag_smarts"])
        o.flag_smarts = parse_smarts_list(c, n["flag_smarts"], "filters.flag_smarts");
}

/// A relative `references:` file or score model directory starts at the
/// config file's folder; it must exist (an error here names the config line
/// and key, which the reader or model loader no longer knows).
void resolve_config_path(const Ctx& c, const YAML::Node& node, std::string& path,
                         const std::string& key) {
    if (!c.base_dir || path.empty() || path == "-") return;
    std::filesystem::path p(path);
    if (p.is_relative()) path = (*c.base_dir / p).lexically_normal().string();
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw IoError(c.where(node) + ": '" + key + "': cannot open '" + path +
                      "' (relative paths start at the config file's folder): " + errno_message());
}

SimilarityOptions parse_similarity_one(const Ctx& c, const YAML::Node& n) {
    SimilarityOptions o;
    check_keys(c, n, "similarity", {"name", "references", "radius", "nbits", "counts", "min"});
    if (!n["references"]) c.fail(n, "similarity.references", "missing (a file of actives)");
    o.references = get_string(c, n["references"], "similarity.references");
    if (n["name"]) o.name = get_string(c, n["name"], "similarity.name");
    if (n["radius"]) o.radius = get<int>(c, n["radius"], "similarity.radius", "an integer");
    if (n["nbits"]) o.nbits = get<int>(c, n["nbits"], "similarity.nbits", "an integer");
    if (n["counts"]) o.counts = get_bool(c, n["counts"], "similarity.counts");
    if (n["min"]) o.min = get_double(c, n["min"], "similarity.min");
    if (o.radius < 0 || o.radius > 6)
        c.fail(n["radius"] ? n["radius"] : n, "similarity.radius",
               "expected 0..6, got " + std::to_string(o.radius));
    if (o.nbits < 64 || o.nbits > 65536)
        c.fail(n["nbits"] ? n["nbits"] : n, "similarity.nbits",
               "expected 64..65536, got " + std::to_string(o.nbits));
    if (o.min && (*o.min < 0 || *o.min > 1))
        c.fail(n["min"], "similarity.min",
               "expected a Tanimoto similarity 0..1, got " + n["min"].as<std::string>());
    resolve_config_path(c, n["references"], o.references, "similarity.references");
    return o;
}

std::vector<ModelScoreOptions> parse_score_models(const Ctx& c, const YAML::Node& n) {
    if (!n.IsSequence())
        c.fail(n, "score.models", "expected a list of {name, model}, got " + got(n));
    std::vector<ModelScoreOptions> out;
    for (const auto& m : n) {
        check_keys(c, m, "score.models", {"name", "model", "probabilities"});
        ModelScoreOptions o;
        if (!m["model"]) c.fail(m, "score.models.model", "missing (a model directory or default)");
        o.model = get_string(c, m["model"], "score.models.model");
        if (o.model != "default") resolve_config_path(c, m["model"], o.model, "score.models.model");
        if (m["name"]) o.name = get_string(c, m["name"], "score.models.name");
        if (o.name.empty() || o.name.find_first_of(",; \t") != std::string::npos)
            c.fail(m, "score.models.name", "expected a short name without spaces or commas");
        for (const auto& prev : out)
            if (prev.name == o.name) c.fail(m, "score.models.name", "'" + o.name + "' twice");
        if (m["probabilities"]) {
            o.probabilities = get_string(c, m["probabilities"], "score.models.probabilities");
            if (o.probabilities != "as-trained" && o.probabilities != "prior")
                c.fail(m["probabilities"], "score.models.probabilities",
                       "expected as-trained or prior, got '" + o.probabilities + "'");
        }
        out.push_back(o);
    }
    return out;
}

/// Whether `col` can be a score column: a descriptor, sim_<name> of a
/// similarity set, or pred_<name>... of a listed model (the model's targets
/// are known only once it is loaded, where the exact column is checked).
bool known_score_column(const std::string& col, const ScreenConfig& cfg,
                        const std::vector<ModelScoreOptions>& models) {
    const auto& d = descriptor_names();
    if (std::find(d.begin(), d.end(), col) != d.end()) return true;
    for (const auto& s : cfg.similarity)
        if (col == "sim_" + s.name) return true;
    for (const auto& m : models) {
        const std::string pred = "pred_" + m.name;
        if (col == pred || col.rfind(pred + "_", 0) == 0) return true;
    }
    return false;
}

std::string score_columns(const ScreenConfig& cfg, const std::vector<ModelScoreOptions>& models) {
    std::vector<std::string> names = descriptor_names();
    for (const auto& s : cfg.similarity)
        names.push_back("sim_" + s.name);
    for (const auto& m : models)
        names.push_back("pred_" + m.name + "...");
    return join(names);
}

/// A `score:` section replaces the default score (see ScoreOptions).
void parse_score(const Ctx& c, const YAML::Node& n, ScreenConfig& cfg) {
    ScoreOptions& o = cfg.score;
    check_keys(c, n, "score", {"expression", "models"});
    o.models.clear();
    if (n["models"]) o.models = parse_score_models(c, n["models"]);
    o.weights.clear();
    auto e = n["expression"];
    o.default_expression = !e;
    if (!e) {
        o.weights.emplace_back(o.models.empty() ? "qed" : "pred_" + o.models.front().name, 1.0);
        return;
    }
    if (!e.IsMap() || e.size() == 0)
        c.fail(n, "score.expression", "expected a mapping 'column: weight', got " + got(n));
    for (const auto& kv : e) {
        auto col = kv.first.as<std::string>();
        if (!known_score_column(col, cfg, o.models))
            c.fail(kv.first, "score.expression." + col,
                   "unknown column '" + col +
                       "' (expected one of: " + score_columns(cfg, o.models) + ")");
        o.weights.emplace_back(col, get_double(c, kv.second, "score.expression." + col));
    }
}

/// `output: {keep_cols: [a, b]}` (or "a,b", or "all").
void parse_output(const Ctx& c, const YAML::Node& n, OutputOptions& o) {
    if (n.IsNull()) return;
    check_keys(c, n, "output", {"keep_cols"});
    const YAML::Node k = n["keep_cols"];
    if (!k || k.IsNull()) return;
    if (k.IsScalar()) {
        std::string text = k.as<std::string>();
        for (std::size_t start = 0;;) {
            const std::size_t comma = text.find(',', start);
            o.keep_cols.push_back(
                text.substr(start, comma == std::string::npos ? comma : comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    } else {
        o.keep_cols = get_strings(c, k, "output.keep_cols");
    }
    try {
        check_keep_cols(o.keep_cols, "output.keep_cols");
    } catch (const UsageError& e) {
        throw UsageError(c.where(k) + ": " + e.what());
    }
}

}  // namespace

namespace {

ScreenConfig parse_config(const Ctx& c, const std::string& yaml_text) {
    const std::string& source = c.source;
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::Exception& e) {
        throw UsageError(source + ":" + std::to_string(e.mark.line + 1) +
                         ": invalid YAML: " + e.msg);
    }
    ScreenConfig cfg;
    if (root.IsNull()) return cfg;
    check_duplicate_keys(c, root, "");
    check_keys(c, root, "",
               {"parse", "standardize", "dedupe", "filters", "descriptors", "similarity", "score",
                "rank", "output"});
    if (root["standardize"]) parse_standardize(c, root["standardize"], cfg.standardize);
    if (root["dedupe"]) parse_dedupe(c, root["dedupe"], cfg.dedupe);
    if (root["filters"]) parse_filters(c, root["filters"], cfg.filters);
    if (auto s = root["similarity"]) {
        if (s.IsSequence()) {
            for (const auto& e : s)
                cfg.similarity.push_back(parse_similarity_one(c, e));
        } else if (!s.IsNull()) {
            cfg.similarity.push_back(parse_similarity_one(c, s));
        }
        std::set<std::string> names;
        for (const auto& o : cfg.similarity)
            if (!names.insert(o.name).second)
                c.fail(s, "similarity.name", "duplicate name '" + o.name + "'");
    }
    if (root["score"]) parse_score(c, root["score"], cfg);
    if (auto r = root["rank"]) {
        check_keys(c, r, "rank", {"top"});
        if (r["top"]) {
            auto top = get<long long>(c, r["top"], "rank.top", "a non-negative integer");
            if (top < 0)
                c.fail(r["top"], "rank.top",
                       "expected a non-negative integer, got " + std::to_string(top));
            cfg.top = static_cast<std::uint64_t>(top);
        }
    }
    if (root["output"]) parse_output(c, root["output"], cfg.output);
    for (const char* k : {"parse", "descriptors"})
        if (root[k] && !is_plain_true(root[k]))
            c.fail(root[k], k, "this step has no options (write 'true' or leave it out)");
    return cfg;
}

}  // namespace

ScreenConfig parse_screen_config(const std::string& yaml_text, const std::string& source) {
    return parse_config(Ctx{source, std::nullopt}, yaml_text);
}

ScreenConfig load_screen_config(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw IoError("cannot read pipeline config '" + path + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(Ctx{path, std::filesystem::path(path).parent_path()}, ss.str());
}

namespace {
/// The steps' options (every key but "output").
nlohmann::json steps_config_json(const ScreenConfig& cfg) {
    using nlohmann::json;
    auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
    json ranges = json::object();
    for (const auto& r : cfg.filters.ranges)
        ranges[r.property] = json::array({opt(r.min), opt(r.max)});
    auto smarts = [](const std::vector<SmartsRule>& v) {
        json a = json::array();
        for (const auto& r : v)
            a.push_back({{"name", r.name}, {"smarts", r.smarts}});
        return a;
    };
    json sims = json::array();
    for (const auto& s : cfg.similarity)
        sims.push_back({{"name", s.name},
                        {"references", s.references},
                        {"radius", s.radius},
                        {"nbits", s.nbits},
                        {"counts", s.counts},
                        {"min", opt(s.min)}});
    json weights = json::object();
    for (const auto& [k, w] : cfg.score.weights)
        weights[k] = w;
    json models = json::array();
    for (const auto& m : cfg.score.models) {
        models.push_back({{"name", m.name}, {"model", m.model}});
        if (m.probabilities != "as-trained") models.back()["probabilities"] = m.probabilities;
    }
    const auto& st = cfg.standardize;
    const auto& f = cfg.filters;
    return {{"standardize",
             {{"enabled", st.enabled},
              {"cleanup", st.cleanup},
              {"largest_fragment", st.largest_fragment},
              {"uncharge", st.uncharge},
              {"tautomer", st.tautomer}}},
            {"dedupe", {{"enabled", cfg.dedupe.enabled}, {"key", cfg.dedupe.key}}},
            {"filters",
             {{"elements", !f.elements_on       ? json(false)
                           : f.elements.empty() ? json("any")
                                                : json(f.elements)},
              {"ranges", ranges},
              {"lipinski", f.lipinski ? json(f.lipinski_max_violations) : json(false)},
              {"veber", f.veber},
              {"catalogs", f.catalogs},
              {"flag_catalogs", f.flag_catalogs},
              {"include_smarts", smarts(f.include_smarts)},
              {"exclude_smarts", smarts(f.exclude_smarts)},
              {"flag_smarts", smarts(f.flag_smarts)}}},
            {"similarity", sims},
            {"score", {{"models", models}, {"expression", weights}}},
            {"rank", {{"top", cfg.top}}}};
}

}  // namespace

nlohmann::json screen_config_json(const ScreenConfig& cfg) {
    nlohmann::json out = steps_config_json(cfg);
    // Only when set, so a run without it echoes the config as before.
    if (!cfg.output.keep_cols.empty()) out["output"] = {{"keep_cols", cfg.output.keep_cols}};
    return out;
}

}  // namespace plmkit::pipelines
