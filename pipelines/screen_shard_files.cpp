#include "pipelines/screen_shard_files.hpp"

#include <filesystem>
#include <map>
#include <set>

#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/log.hpp"
#include "src/output_names.hpp"
#include "src/strings.hpp"
#include "src/version.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// A shard's summary path for merge input k of n. With --summary NAME, the
/// shard's own summary is NAME.shard-I-of-N: I and N come from the input's
/// file name when it has them (so the order of the files, as a shell glob
/// sorts them, does not matter), else from its place among the inputs.
std::string summary_for(const std::string& input, std::size_t k, std::size_t n,
                        const std::string& merged_summary) {
    if (ends_with(input, ".json")) return input;
    std::vector<std::string> tried;
    if (!merged_summary.empty())
        tried.push_back(shard_path(
            merged_summary, shard_in_name(input).value_or(Shard{static_cast<std::int64_t>(k),
                                                                static_cast<std::int64_t>(n)})));
    tried.push_back(companion_path(input, ".summary.json"));
    for (const auto& t : tried)
        if (fs::exists(t)) return t;
    std::string list;
    for (const auto& t : tried)
        list += (list.empty() ? "" : " or ") + t;
    throw IoError("no summary for shard output '" + input + "' (looked for " + list + ")");
}

/// Where a shard's companion file (rejects, SDF, summary) is now that its
/// hits file is `hits`: the screen's default name for `suffix` beside `hits`
/// when the summary's stored path was that default for the stored hits path,
/// else the stored file name beside `hits`. Never the stored folder: shards
/// are moved (scratch -> home) before they are merged.
std::string companion(const std::string& stored_hits, const std::string& stored,
                      const std::string& hits, const char* suffix) {
    if (stored.empty()) return {};
    if (stored == companion_path(stored_hits, suffix)) return companion_path(hits, suffix);
    return (fs::path(hits).parent_path() / fs::path(stored).filename()).string();
}

/// The hits file of a shard given by its summary.json at `summary`.
std::string hits_beside_summary(const std::string& stored_hits, const std::string& stored_summary,
                                const std::string& summary) {
    const std::string suffix = ".summary.json";
    std::string stem = companion_path(stored_hits, "");
    if (stored_summary == stem + suffix && ends_with(summary, suffix) &&
        stored_hits.size() > stem.size())
        return summary.substr(0, summary.size() - suffix.size()) + stored_hits.substr(stem.size());
    return (fs::path(summary).parent_path() / fs::path(stored_hits).filename()).string();
}

/// "key.sub: b vs a" for each leaf where `b` differs from `a` (at most 8).
void differences(const json& a, const json& b, const std::string& key,
                 std::vector<std::string>& out) {
    if (out.size() >= 8 || a == b) return;
    if (a.is_object() && b.is_object()) {
        std::set<std::string> keys;
        for (const auto& [k, v] : a.items())
            keys.insert(k);
        for (const auto& [k, v] : b.items())
            keys.insert(k);
        for (const auto& k : keys)
            differences(a.value(k, json()), b.value(k, json()), key + "." + k, out);
        return;
    }
    auto text = [](const json& v) { return v.is_null() ? std::string("(absent)") : v.dump(); };
    out.push_back(key + ": " + text(b) + " vs " + text(a));
}

/// Throws when `s` was not written by the same run as `first`: the same
/// input file (size and hash; the path text only for stdin or summaries
/// without them), reader options, pipeline config and plmkit version.
void check_same_run(const ScreenShardFiles& first, const ScreenShardFiles& s) {
    bool hashed = !first.doc.value("input_file", json()).is_null() ||
                  !s.doc.value("input_file", json()).is_null();
    for (const char* key : {"input", "input_file", "reader", "config", "tool"}) {
        std::string k = key;
        if (k == (hashed ? "input" : "input_file")) continue;
        std::vector<std::string> diffs;
        differences(first.doc.value(k, json()), s.doc.value(k, json()), k, diffs);
        if (diffs.empty()) continue;
        std::string what = k == "input"        ? "input differs"
                           : k == "input_file" ? "input file differs"
                           : k == "reader"     ? "input reader options differ"
                           : k == "config"     ? "pipeline config differs"
                                               : "plmkit version differs";
        std::string list;
        for (const auto& d : diffs)
            list += (list.empty() ? "" : "; ") + d;
        if (k == "input_file")
            list += " (read from '" + s.doc.value("input", "") + "' vs '" +
                    first.doc.value("input", "") + "')";
        throw InputError(s.summary + " (shard " + s.label + ") is foreign: its " + what + " from " +
                         first.summary + " (shard " + first.label + "): " + list + " (shard " +
                         s.label + " vs " + first.label + ")");
    }
}

/// Names the shards of N that are not among `seen` ("shards 1/4, 3/4").
std::string missing_shards(const std::set<std::int64_t>& seen, std::int64_t n) {
    std::string list;
    std::size_t missing = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        if (seen.count(i)) continue;
        ++missing;
        if (missing <= 20) list += (list.empty() ? "" : ", ") + Shard{i, n}.to_string();
    }
    if (missing > 20) list += " and " + std::to_string(missing - 20) + " more";
    return (missing == 1 ? "shard " : "shards ") + list;
}

/// Reads shard summary `s.summary` of merge input `input`; finds its files.
void load_shard(ScreenShardFiles& s, const std::string& input) {
    s.doc = read_json_file(s.summary);
    if (!s.doc.is_object() || s.doc.value("command", "") != "screen")
        throw InputError(s.summary + ": not a 'plmkit screen' summary");
    const json& run = s.doc.at("run");
    if (run.contains("merged_shards"))
        throw InputError(s.summary + " is already a merged file (of " +
                         std::to_string(run.at("merged_shards").size()) +
                         " shards); give the shard outputs");
    if (!run.contains("shard"))
        throw InputError(s.summary + ": no run.shard: not the summary of a 'plmkit screen' run");
    const auto& outs = run.at("outputs");
    auto stored = [&](const char* key) {
        return outs.at(key).is_null() ? std::string() : outs.at(key).get<std::string>();
    };
    std::string hits = stored("hits");
    if (hits.empty() || hits == "-")
        throw InputError(s.summary + ": the shard wrote its hits to stdout; cannot merge");
    if (stored("rejects").empty())
        throw InputError(s.summary + ": the shard wrote no rejects file; cannot merge");
    s.hits =
        ends_with(input, ".json") ? hits_beside_summary(hits, stored("summary"), s.summary) : input;
    s.rejects = companion(hits, stored("rejects"), s.hits, ".rejects.tsv");
    s.sdf = companion(hits, stored("sdf"), s.hits, ".sdf");
    const auto& sh = run.at("shard");
    s.label = sh.is_null() ? "0/1" : sh.get<std::string>();
    try {
        s.shard = parse_shard(s.label);
    } catch (const UsageError& e) {
        throw InputError(s.summary + ": bad run.shard: " + e.what());
    }
    const json& counts = s.doc.at("counts");
    s.hit_rows = counts.at("hits").get<std::uint64_t>();
    std::uint64_t read = counts.at("records_read").get<std::uint64_t>();
    if (s.hit_rows > read)
        throw InputError(s.summary + ": counts.hits " + std::to_string(s.hit_rows) +
                         " > counts.records_read " + std::to_string(read));
    s.reject_rows = read - s.hit_rows;
    // What the merge reads later: a missing key is an InputError here.
    s.doc.at("config").at("rank").at("top").get<std::uint64_t>();
    s.doc.at("config").at("dedupe").at("enabled").get<bool>();
    s.doc.at("input").get<std::string>();
    for (const auto& [k, v] : run.at("step_seconds").items())
        v.get<double>();
}

}  // namespace

std::vector<ScreenShardFiles> load_screen_shards(const ScreenMergeOptions& o) {
    std::vector<ScreenShardFiles> shards;
    std::map<std::int64_t, std::string> seen;  // shard index -> its summary
    std::int64_t count = -1;
    for (std::size_t k = 0; k < o.inputs.size(); ++k) {
        ScreenShardFiles s;
        s.summary = summary_for(o.inputs[k], k, o.inputs.size(), o.summary);
        try {
            load_shard(s, o.inputs[k]);
        } catch (const json::exception& e) {
            throw InputError(s.summary + ": not the summary of a 'plmkit screen' run (" + e.what() +
                             ")");
        }
        if (count < 0) count = s.shard.count;
        if (s.shard.count != count)
            throw InputError(s.summary + ": shard " + s.label + " is not one of the " +
                             std::to_string(count) + " shards of " + shards[0].summary +
                             " (shard " + shards[0].label + ")");
        auto [at, fresh] = seen.emplace(s.shard.index, s.summary);
        if (!fresh)
            throw InputError("shard " + s.label + " given twice: " + at->second + " and " +
                             s.summary);
        if (!shards.empty()) check_same_run(shards[0], s);
        shards.push_back(std::move(s));
    }
    if (static_cast<std::int64_t>(shards.size()) != count) {
        std::set<std::int64_t> have;
        for (const auto& [index, unused] : seen)
            have.insert(index);
        throw InputError(missing_shards(have, count) + " missing: got " +
                         std::to_string(shards.size()) + " shard outputs of " +
                         std::to_string(count) + " (every shard I/" + std::to_string(count) +
                         " is needed; re-run a missing one with --shard I/" +
                         std::to_string(count) + ")");
    }
    const std::string& tool = shards[0].doc.value("tool", "");
    if (tool != std::string("plmkit ") + version())
        log_warn("merging shards written by " + tool + " with plmkit " + version());
    return shards;
}

}  // namespace plmkit::pipelines
