#include "pipelines/screen_merge.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <sstream>

#include "pipelines/dedupe_index.hpp"
#include "pipelines/hit_ranker.hpp"
#include "pipelines/screen_plan.hpp"
#include "pipelines/screen_writer.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "src/log.hpp"
#include "src/version.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

bool ends_with(const std::string& s, const std::string& e) {
    return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

json read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw IoError("cannot read '" + path + "'");
    try {
        return json::parse(in);
    } catch (const std::exception& e) {
        throw InputError(path + ": not a JSON summary: " + e.what());
    }
}

/// A shard's summary path for merge input k of n.
std::string summary_for(const std::string& input, std::size_t k, std::size_t n,
                        const std::string& merged_summary) {
    if (ends_with(input, ".json")) return input;
    std::vector<std::string> tried;
    if (!merged_summary.empty())
        tried.push_back(shard_path(
            merged_summary, Shard{static_cast<std::int64_t>(k), static_cast<std::int64_t>(n)}));
    tried.push_back(sibling_path(input, ".summary.json"));
    for (const auto& t : tried)
        if (fs::exists(t)) return t;
    std::string list;
    for (const auto& t : tried)
        list += (list.empty() ? "" : " or ") + t;
    throw IoError("no summary for shard output '" + input + "' (looked for " + list + ")");
}

struct ShardFiles {
    std::string summary, hits, rejects, sdf;
    std::string label;  ///< "I/N"
    json doc;
};

struct Row {
    std::uint64_t record = 0;
    std::string id, input_smiles, smiles, reason;
    ScreenStep step = ScreenStep::read;
    double score = 0;
    std::string score_text;
    std::string line;  ///< rejects line, or hits.csv row
    std::string sdf;   ///< hits: SDF block
};

std::uint64_t to_record(const std::string& s, const std::string& where) {
    char* end = nullptr;
    auto v = std::strtoull(s.c_str(), &end, 10);
    if (s.empty() || *end) throw InputError(where + ": bad record index '" + s + "'");
    return v;
}

/// Streams one shard's rejects.tsv, keeping rows with (step == top) == `top_rows`.
class RejectCursor {
  public:
    RejectCursor(const std::string& path, bool top_rows) : reader_(path), top_(top_rows) {
        std::string header;
        reader_.next(header);
    }
    bool next(Row& row) {
        std::string line;
        while (reader_.next(line)) {
            if (line.empty()) continue;
            auto f = split_csv_line(line, '\t');
            if (f.size() != reject_columns().size())
                throw InputError(reader_.where() + ": expected " +
                                 std::to_string(reject_columns().size()) + " columns, got " +
                                 std::to_string(f.size()));
            ScreenStep step = step_from_name(f[2]);
            if ((step == ScreenStep::top) != top_) continue;
            row = Row{};
            row.id = f[0];
            row.input_smiles = f[1];
            row.step = step;
            row.reason = f[3];
            row.record = to_record(f[4], reader_.where());
            row.smiles = f[5];
            row.line = std::move(line);
            if (step == ScreenStep::top) {
                auto p = row.reason.rfind("(score ");
                row.score =
                    p == std::string::npos ? 0 : std::strtod(row.reason.c_str() + p + 7, nullptr);
            }
            return true;
        }
        return false;
    }

  private:
    LineReader reader_;
    bool top_;
};

std::vector<std::string> read_sdf_blocks(const std::string& path) {
    LineReader reader(path);
    std::vector<std::string> blocks;
    std::string line, block;
    while (reader.next(line)) {
        block += line;
        block += '\n';
        if (line == "$$$$") {
            blocks.push_back(std::move(block));
            block.clear();
        }
    }
    return blocks;
}

/// Reads a shard's hits.csv (and SDF blocks) into rows; checks the header.
void read_hits(const ShardFiles& s, bool with_sdf, std::string& header, std::vector<Row>& out) {
    LineReader reader(s.hits);
    std::string line;
    if (!reader.next(line)) throw InputError(s.hits + ": empty file, expected a hits header");
    if (header.empty()) header = line;
    if (line != header)
        throw InputError(s.hits + ": header differs from the first shard's (" + header + ")");
    auto cols = split_csv_line(header, ',');
    auto col = [&](const char* name) {
        auto it = std::find(cols.begin(), cols.end(), name);
        if (it == cols.end()) throw InputError(s.hits + ": no '" + name + "' column");
        return static_cast<std::size_t>(it - cols.begin());
    };
    std::size_t c_score = col("score"), c_record = col("record");
    std::vector<std::string> sdf;
    if (with_sdf) sdf = read_sdf_blocks(s.sdf);
    std::size_t n = 0;
    while (reader.next(line)) {
        if (line.empty()) continue;
        auto f = split_csv_line(line, ',');
        if (f.size() != cols.size())
            throw InputError(reader.where() + ": expected " + std::to_string(cols.size()) +
                             " fields, got " + std::to_string(f.size()));
        Row r;
        r.id = f[0];
        r.input_smiles = f[1];
        r.smiles = f[2];
        r.step = ScreenStep::score;  // a hit: it passed dedupe
        r.score_text = f[c_score];
        r.score = std::strtod(r.score_text.c_str(), nullptr);
        r.record = to_record(f[c_record], reader.where());
        r.line = std::move(line);
        if (with_sdf) {
            if (n >= sdf.size())
                throw InputError(s.sdf + ": fewer SDF records than rows in " + s.hits);
            r.sdf = std::move(sdf[n]);
        }
        ++n;
        out.push_back(std::move(r));
    }
    if (with_sdf && n != sdf.size())
        throw InputError(s.sdf + ": " + std::to_string(sdf.size()) + " SDF records but " +
                         std::to_string(n) + " rows in " + s.hits);
}

/// Throws when `s` was not written by the same run as `first`: the same
/// input, reader options, pipeline config and plmkit version.
void check_same_run(const ShardFiles& first, const ShardFiles& s) {
    for (const char* key : {"input", "reader", "config", "tool"}) {
        json a = first.doc.value(key, json()), b = s.doc.value(key, json());
        if (a == b) continue;
        std::string what = std::string(key) == "input"    ? "input"
                           : std::string(key) == "reader" ? "input reader options"
                           : std::string(key) == "config" ? "pipeline config"
                                                          : "plmkit version";
        throw InputError(s.summary + " (shard " + s.label + ") is foreign: its " + what + " (" +
                         std::string(key) + ": " + b.dump() + ") differs from " + first.summary +
                         " (shard " + first.label + ": " + a.dump() + ")");
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

std::vector<ShardFiles> load_shards(const ScreenMergeOptions& o) {
    std::vector<ShardFiles> shards;
    std::map<std::int64_t, std::string> seen;  // shard index -> its summary
    std::int64_t count = -1;
    for (std::size_t k = 0; k < o.inputs.size(); ++k) {
        ShardFiles s;
        s.summary = summary_for(o.inputs[k], k, o.inputs.size(), o.summary);
        s.doc = read_json(s.summary);
        if (s.doc.value("command", "") != "screen")
            throw InputError(s.summary + ": not a 'plmkit screen' summary");
        const auto& outs = s.doc.at("run").at("outputs");
        s.hits = outs.at("hits").get<std::string>();
        s.rejects = outs.at("rejects").get<std::string>();
        s.sdf = outs.at("sdf").is_null() ? "" : outs.at("sdf").get<std::string>();
        if (s.rejects.empty())
            throw InputError(s.summary + ": the shard wrote no rejects file; cannot merge");
        const auto& sh = s.doc.at("run").at("shard");
        s.label = sh.is_null() ? "0/1" : sh.get<std::string>();
        Shard parsed = parse_shard(s.label);
        if (count < 0) count = parsed.count;
        if (parsed.count != count)
            throw InputError(s.summary + ": shard " + s.label + " is not one of the " +
                             std::to_string(count) + " shards of " + shards[0].summary +
                             " (shard " + shards[0].label + ")");
        auto [at, fresh] = seen.emplace(parsed.index, s.summary);
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

}  // namespace

bool is_screen_output(const std::string& path) {
    if (ends_with(path, ".json")) return true;
    std::ifstream in(path);
    std::string line;
    return in && std::getline(in, line) && line.rfind("id,input_smiles,smiles", 0) == 0;
}

ScreenResult merge_screen(const ScreenMergeOptions& o) {
    auto t0 = std::chrono::steady_clock::now();
    if (o.inputs.empty()) throw UsageError("merge: no shard outputs given");
    auto shards = load_shards(o);
    const json& config = shards[0].doc.at("config");
    const std::uint64_t top = config.at("rank").at("top").get<std::uint64_t>();
    const bool dedupe = config.at("dedupe").at("enabled").get<bool>();
    bool with_sdf = !o.sdf.empty();
    for (const auto& s : shards)
        if (with_sdf && s.sdf.empty())
            throw UsageError("merge --sdf: shard " + s.summary + " wrote no SDF");

    ScreenResult result;
    result.output = o.output;
    result.sdf = o.sdf;
    result.rejects = o.rejects.empty() ? sibling_path(o.output, ".rejects.tsv") : o.rejects;
    result.summary = o.summary.empty() ? sibling_path(o.output, ".summary.json") : o.summary;

    std::string header;
    std::vector<Row> hits;
    for (const auto& s : shards)
        read_hits(s, with_sdf, header, hits);
    std::sort(hits.begin(), hits.end(),
              [](const Row& a, const Row& b) { return a.record < b.record; });

    ScreenWriter writer(split_csv_line(header, ','), result.output, result.sdf, result.rejects);
    HitRanker ranker(top, writer.spool_dir());
    DedupeIndex seen;
    ScreenCounts& counts = result.counts;

    // Sources in record order: per shard its streamed rejects and its top
    // cuts, plus all hits. Source index s < 2*n: shard s/2; s == 2*n: hits.
    std::vector<std::unique_ptr<RejectCursor>> cursors;
    for (const auto& s : shards) {
        cursors.push_back(std::make_unique<RejectCursor>(s.rejects, false));
        cursors.push_back(std::make_unique<RejectCursor>(s.rejects, true));
    }
    std::vector<Row> current(cursors.size());
    using Item = std::pair<std::uint64_t, std::size_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
    for (std::size_t i = 0; i < cursors.size(); ++i)
        if (cursors[i]->next(current[i])) queue.push({current[i].record, i});
    std::size_t hit_pos = 0;

    auto handle = [&](Row& r, bool is_hit) {
        ++counts.read;
        bool keyed = !r.smiles.empty() && r.step != ScreenStep::read &&
                     r.step != ScreenStep::parse && r.step != ScreenStep::standardize;
        if (dedupe && keyed) {
            if (const auto* first = seen.check(r.smiles, r.id, r.record)) {
                std::string why = duplicate_reason(first->id, first->record);
                counts.add_reject(ScreenStep::dedupe, why);
                writer.reject(
                    reject_line(r.id, r.input_smiles, ScreenStep::dedupe, why, r.record, r.smiles));
                return;
            }
        }
        if (is_hit) {
            ranker.add({r.score, r.record, std::move(r.line), std::move(r.sdf),
                        reject_line(r.id, r.input_smiles, ScreenStep::top,
                                    top_cut_reason(top, r.score_text), r.record, r.smiles)});
        } else if (r.step == ScreenStep::top) {
            ranker.add({r.score, r.record, "", "", std::move(r.line)});
        } else {
            counts.add_reject(r.step, r.reason);
            writer.reject(r.line);
        }
    };
    while (!queue.empty() || hit_pos < hits.size()) {
        bool take_hit =
            hit_pos < hits.size() && (queue.empty() || hits[hit_pos].record < queue.top().first);
        if (take_hit) {
            handle(hits[hit_pos++], true);
            continue;
        }
        auto [rec, i] = queue.top();
        queue.pop();
        handle(current[i], false);
        if (cursors[i]->next(current[i])) queue.push({current[i].record, i});
    }
    counts.hits = writer.write_hits(ranker, [&](const std::string& line) {
        counts.add_reject(ScreenStep::top, {});
        writer.reject(line);
    });

    json step_seconds = json::object();
    for (const auto& s : shards)
        for (const auto& [k, v] : s.doc.at("run").at("step_seconds").items())
            step_seconds[k] = step_seconds.value(k, 0.0) + v.get<double>();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto abs = [](const std::string& p) {
        return p.empty() ? json(nullptr) : json(fs::absolute(p).lexically_normal().string());
    };
    json inputs = json::array();
    for (const auto& s : shards)
        inputs.push_back(abs(s.summary));
    json run = {{"merged_shards", inputs},
                {"wall_seconds", result.seconds},
                {"step_seconds", step_seconds},
                {"outputs",
                 {{"hits", abs(result.output)},
                  {"sdf", abs(result.sdf)},
                  {"rejects", abs(result.rejects)},
                  {"summary", abs(result.summary)}}}};
    auto summary = screen_summary_json(counts, shards[0].doc.at("input").get<std::string>(),
                                       shards[0].doc.value("input_file", json()),
                                       shards[0].doc.value("reader", json()), config, run);
    if (!counts.balanced())
        throw InputError("merged shard outputs do not balance: " + summary["accounting"].dump() +
                         " (missing or mixed shard files?)");
    writer.commit(result.summary, summary);
    log_info("merged " + std::to_string(shards.size()) + " shards: " + std::to_string(counts.read) +
             " records, " + std::to_string(counts.hits) + " hits");
    return result;
}

}  // namespace plmkit::pipelines
