#include "pipelines/screen_merge.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <queue>

#include "pipelines/dedupe_index.hpp"
#include "pipelines/hit_ranker.hpp"
#include "pipelines/run_files.hpp"
#include "pipelines/screen_plan.hpp"
#include "pipelines/screen_shard_files.hpp"
#include "pipelines/screen_writer.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "src/log.hpp"
#include "src/output_names.hpp"
#include "src/strings.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Row {
    std::uint64_t record = 0;
    std::string id, input_smiles, smiles, reason;
    ScreenStep step = ScreenStep::read;
    double score = 0;
    std::string score_text;
    std::string line;               ///< rejects line, or hits.csv row
    std::string sdf;                ///< hits: SDF block
    std::vector<std::string> kept;  ///< values of the --keep-cols columns
};

/// The --keep-cols columns of a hits.csv header: those after "record".
std::vector<std::string> kept_names(const std::vector<std::string>& cols) {
    auto it = std::find(cols.begin(), cols.end(), "record");
    return it == cols.end() ? std::vector<std::string>{}
                            : std::vector<std::string>(it + 1, cols.end());
}

std::uint64_t to_record(const std::string& s, const std::string& where) {
    char* end = nullptr;
    auto v = std::strtoull(s.c_str(), &end, 10);
    if (s.empty() || *end) throw InputError(where + ": bad record index '" + s + "'");
    return v;
}

/// InputError unless `record` belongs to the shard (index % N == I).
void check_record(const ScreenShardFiles& s, std::uint64_t record, const std::string& where) {
    if (!s.shard.contains(record))
        throw InputError(where + ": record " + std::to_string(record) +
                         " does not belong to shard " + s.label + " (index % N == I): not " +
                         s.summary + "'s shard output");
}

/// Streams one shard's rejects.tsv, keeping rows with (step == top) == `top_rows`.
class RejectCursor {
  public:
    /// `kept`: the --keep-cols columns the hits have, which the rejects
    /// must have too (after reject_columns()).
    RejectCursor(const std::string& path, bool top_rows, const ScreenShardFiles& shard,
                 const std::vector<std::string>& kept)
        : reader_(path), top_(top_rows), shard_(shard) {
        std::vector<std::string> expected = reject_columns();
        expected.insert(expected.end(), kept.begin(), kept.end());
        columns_ = expected.size();
        std::string header;
        reader_.next(header);
        if (split_csv_line(header, '\t') != expected)
            throw InputError(path + ": the header '" + header + "' is not the rejects header " +
                             "of these hits (columns: " + std::to_string(columns_) +
                             "; shards screened with different --keep-cols?)");
    }
    /// Rows read so far, of every step.
    std::uint64_t rows() const { return rows_; }
    bool next(Row& row) {
        std::string line;
        while (reader_.next(line)) {
            if (line.empty()) continue;
            auto f = split_csv_line(line, '\t');
            if (f.size() != columns_)
                throw InputError(reader_.where() + ": expected " + count_noun(columns_, "column") +
                                 ", got " + std::to_string(f.size()));
            ++rows_;
            ScreenStep step = step_from_name(f[2]);
            if ((step == ScreenStep::top) != top_) continue;
            row = Row{};
            row.id = f[0];
            row.input_smiles = f[1];
            row.step = step;
            row.reason = f[3];
            row.record = to_record(f[4], reader_.where());
            check_record(shard_, row.record, reader_.where());
            row.smiles = f[5];
            row.kept.assign(f.begin() + 6, f.end());
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
    const ScreenShardFiles& shard_;
    std::uint64_t rows_ = 0;
    std::size_t columns_ = 0;
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

/// InputError when a shard file has other rows than its summary counts.
void check_rows(const ScreenShardFiles& s, const char* what, const std::string& path,
                std::uint64_t rows, std::uint64_t expected) {
    if (rows != expected)
        throw InputError("shard " + s.label + ": " + what + " '" + path + "' has " +
                         count_noun(rows, "row") + ", its summary " + s.summary + " says " +
                         std::to_string(expected));
}

/// Reads a shard's hits.csv (and SDF blocks) into rows; checks the header.
/// A shard's hits file is tab-separated when named .tsv (as the screen wrote
/// it); its rows are re-written with the merged output's separator `out_sep`.
void read_hits(const ScreenShardFiles& s, bool with_sdf, char out_sep,
               std::vector<std::string>& header, std::vector<Row>& out) {
    LineReader reader(s.hits);
    std::string line;
    if (!reader.next(line)) throw InputError(s.hits + ": empty file, expected a hits header");
    const char sep = csv_separator_for(s.hits);
    const std::vector<std::string> cols = split_csv_line(line, sep);
    if (header.empty()) header = cols;
    if (cols != header) {
        std::size_t i = 0;
        while (i < cols.size() && i < header.size() && cols[i] == header[i])
            ++i;
        throw InputError(s.hits + ": header differs from the first shard's at column " +
                         std::to_string(i + 1) + ": '" + (i < cols.size() ? cols[i] : "") +
                         "', the first shard has '" + (i < header.size() ? header[i] : "") + "'");
    }
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
        auto f = split_csv_line(line, sep);
        if (f.size() != cols.size())
            throw InputError(reader.where() + ": expected " + count_noun(cols.size(), "field") +
                             ", got " + std::to_string(f.size()));
        Row r;
        r.id = f[0];
        r.input_smiles = f[1];
        r.smiles = f[2];
        r.step = ScreenStep::score;  // a hit: it passed dedupe
        r.score_text = f[c_score];
        r.score = std::strtod(r.score_text.c_str(), nullptr);
        r.record = to_record(f[c_record], reader.where());
        check_record(s, r.record, reader.where());
        r.kept.assign(f.begin() + static_cast<std::ptrdiff_t>(c_record) + 1, f.end());
        if (sep != out_sep) {
            line.clear();
            for (std::size_t i = 0; i < f.size(); ++i)
                line += (i ? std::string(1, out_sep) : std::string()) + csv_escape(f[i], out_sep);
        }
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
        throw InputError(s.sdf + ": " + count_noun(sdf.size(), "SDF record") + " but " +
                         count_noun(n, "row") + " in " + s.hits);
    check_rows(s, "hits", s.hits, n, s.hit_rows);
}

/// The merged run's output paths (rejects and summary beside --output unless
/// given), checked against the shard files and the input they screened.
ScreenResult merged_outputs(const ScreenMergeOptions& o,
                            const std::vector<ScreenShardFiles>& shards) {
    ScreenResult result;
    result.output = o.output;
    result.sdf = o.sdf;
    bool to_stdout = o.output == "-";
    result.rejects = !o.rejects.empty()
                         ? o.rejects
                         : (to_stdout ? "" : companion_path(o.output, ".rejects.tsv"));
    result.summary = !o.summary.empty()
                         ? o.summary
                         : (to_stdout ? "" : companion_path(o.output, ".summary.json"));
    std::vector<NamedPath> shard_files;
    for (const auto& s : shards)
        for (const auto& [what, path] : {std::pair<const char*, const std::string&>{"hits", s.hits},
                                         {"rejects", s.rejects},
                                         {"summary", s.summary},
                                         {"SDF", s.sdf}})
            shard_files.push_back({std::string("the ") + what + " of shard " + s.label, path});
    // The library the shards screened (its path as the screen was given it).
    shard_files.push_back({"the input the shards screened", shards[0].doc.value("input", "")});
    check_run_files(shard_files, {{"--output", result.output},
                                  {"--sdf", result.sdf},
                                  {"--rejects", result.rejects},
                                  {"--summary", result.summary}});
    if (to_stdout && result.rejects.empty())
        log_warn("--output -: the merged rejects are not written (give --rejects FILE)");
    if (to_stdout && result.summary.empty())
        log_warn("--output -: no merged summary written (give --summary FILE)");
    return result;
}

/// Every shard's hits in record order; `header` gets their (common) header.
std::vector<Row> read_all_hits(const std::vector<ScreenShardFiles>& shards, bool with_sdf,
                               char out_sep, std::vector<std::string>& header) {
    std::vector<Row> hits;
    for (const auto& s : shards)
        read_hits(s, with_sdf, out_sep, header, hits);
    std::sort(hits.begin(), hits.end(),
              [](const Row& a, const Row& b) { return a.record < b.record; });
    return hits;
}

/// Takes the shards' records in record order and routes them as one screen
/// would have: a repeated dedupe key is a duplicate, a hit or an earlier top
/// cut goes to the ranker (which cuts again over all shards), any other
/// reject is copied.
class MergeRouter {
  public:
    MergeRouter(std::uint64_t top, bool dedupe, ScreenWriter& writer, ScreenCounts& counts)
        : top_(top),
          dedupe_(dedupe),
          writer_(writer),
          ranker_(top, writer.spool_dir()),
          counts_(counts) {}

    void add(Row& r, bool is_hit) {
        ++counts_.read;
        bool keyed = !r.smiles.empty() && !rejected_before_dedupe(r.step, r.reason);
        if (dedupe_ && keyed) {
            if (const auto* first = seen_.check(r.smiles, r.id, r.record)) {
                std::string why = duplicate_reason(first->id, first->record);
                counts_.add_reject(ScreenStep::dedupe, why);
                writer_.reject(reject_line(r.id, r.input_smiles, ScreenStep::dedupe, why, r.record,
                                           r.smiles, r.kept));
                return;
            }
        }
        if (is_hit) {
            ranker_.add(
                {r.score, r.record, std::move(r.line), std::move(r.sdf),
                 reject_line(r.id, r.input_smiles, ScreenStep::top,
                             top_cut_reason(top_, r.score_text), r.record, r.smiles, r.kept)});
        } else if (r.step == ScreenStep::top) {
            ranker_.add({r.score, r.record, "", "", std::move(r.line)});
        } else {
            counts_.add_reject(r.step, r.reason);
            writer_.reject(r.line);
        }
    }

    /// Writes the ranked hits; the ones past --top go to the rejects.
    void write_hits() {
        counts_.hits = writer_.write_hits(ranker_, [&](const std::string& line) {
            counts_.add_reject(ScreenStep::top, {});
            writer_.reject(line);
        });
    }

  private:
    std::uint64_t top_;
    bool dedupe_;
    ScreenWriter& writer_;
    HitRanker ranker_;
    DedupeIndex seen_;
    ScreenCounts& counts_;
};

/// Feeds `router` every record of the shards in record order: per shard its
/// streamed rejects and its top cuts, plus all `hits` (sorted by record).
/// Checks each shard's rejects file has the rows its summary counts.
void merge_in_record_order(const std::vector<ScreenShardFiles>& shards, std::vector<Row>& hits,
                           const std::vector<std::string>& kept, MergeRouter& router) {
    // Source index s < 2*n: shard s/2 (even: rejects, odd: top cuts).
    std::vector<std::unique_ptr<RejectCursor>> cursors;
    for (const auto& s : shards) {
        cursors.push_back(std::make_unique<RejectCursor>(s.rejects, false, s, kept));
        cursors.push_back(std::make_unique<RejectCursor>(s.rejects, true, s, kept));
    }
    std::vector<Row> current(cursors.size());
    using Item = std::pair<std::uint64_t, std::size_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
    for (std::size_t i = 0; i < cursors.size(); ++i)
        if (cursors[i]->next(current[i])) queue.push({current[i].record, i});
    std::size_t hit_pos = 0;
    while (!queue.empty() || hit_pos < hits.size()) {
        bool take_hit =
            hit_pos < hits.size() && (queue.empty() || hits[hit_pos].record < queue.top().first);
        if (take_hit) {
            router.add(hits[hit_pos++], true);
            continue;
        }
        auto [rec, i] = queue.top();
        queue.pop();
        router.add(current[i], false);
        if (cursors[i]->next(current[i])) queue.push({current[i].record, i});
    }
    for (std::size_t k = 0; k < shards.size(); ++k)
        check_rows(shards[k], "rejects", shards[k].rejects, cursors[2 * k]->rows(),
                   shards[k].reject_rows);
}

/// The shards' CPU seconds per step, summed.
json summed_step_seconds(const std::vector<ScreenShardFiles>& shards) {
    json step_seconds = json::object();
    for (const auto& s : shards)
        for (const auto& [k, v] : s.doc.at("run").at("step_seconds").items())
            step_seconds[k] = step_seconds.value(k, 0.0) + v.get<double>();
    return step_seconds;
}

/// The merged summary's "run": the shard summaries merged, timing, outputs.
json merged_run_json(const std::vector<ScreenShardFiles>& shards, const ScreenResult& result,
                     const json& step_seconds) {
    auto abs = [](const std::string& p) {
        if (p.empty()) return json(nullptr);
        return p == "-" ? json(p) : json(fs::absolute(p).lexically_normal().string());
    };
    json inputs = json::array();
    for (const auto& s : shards)
        inputs.push_back(abs(s.summary));
    return {{"merged_shards", inputs},
            {"wall_seconds", result.seconds},
            {"step_seconds", step_seconds},
            {"outputs",
             {{"hits", abs(result.output)},
              {"sdf", abs(result.sdf)},
              {"rejects", abs(result.rejects)},
              {"summary", abs(result.summary)}}}};
}

}  // namespace

bool is_screen_output(const std::string& path) {
    if (ends_with(path, ".json")) return true;
    // The header line, read as the merge reads the file (plain or gzip).
    try {
        LineReader in(path);
        std::string line;
        return in.next(line) && (line.rfind("id,input_smiles,smiles", 0) == 0 ||
                                 line.rfind("id\tinput_smiles\tsmiles", 0) == 0);
    } catch (const Error&) {
        return false;
    }
}

ScreenResult merge_screen(const ScreenMergeOptions& o) {
    auto t0 = std::chrono::steady_clock::now();
    if (o.inputs.empty()) throw UsageError("merge: no shard outputs given");
    auto shards = load_screen_shards(o);
    const json& config = shards[0].doc.at("config");
    const std::uint64_t top = config.at("rank").at("top").get<std::uint64_t>();
    const bool dedupe = config.at("dedupe").at("enabled").get<bool>();
    bool with_sdf = !o.sdf.empty();
    for (const auto& s : shards)
        if (with_sdf && s.sdf.empty())
            throw UsageError("merge --sdf: shard " + s.summary + " wrote no SDF");

    ScreenResult result = merged_outputs(o, shards);
    std::vector<std::string> header;
    std::vector<Row> hits =
        read_all_hits(shards, with_sdf, csv_separator_for(result.output), header);
    const std::vector<std::string> kept = kept_names(header);
    ScreenWriter writer(header, result.output, result.sdf, result.rejects, kept);
    MergeRouter router(top, dedupe, writer, result.counts);
    merge_in_record_order(shards, hits, kept, router);
    router.write_hits();
    ScreenCounts& counts = result.counts;

    json step_seconds = summed_step_seconds(shards);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto summary = screen_summary_json(counts, shards[0].doc.at("input").get<std::string>(),
                                       shards[0].doc.value("input_file", json()),
                                       shards[0].doc.value("reader", json()), config,
                                       merged_run_json(shards, result, step_seconds));
    if (!counts.balanced())
        throw InputError("merged shard outputs do not balance: " + summary["accounting"].dump() +
                         " (missing or mixed shard files?)");
    writer.commit(result.summary, summary);
    log_info("merged " + count_noun(shards.size(), "shard") + ": " +
             count_noun(counts.read, "record") + ", " + count_noun(counts.hits, "hit"));
    return result;
}

}  // namespace plmkit::pipelines
