#include "pipelines/screen_job.hpp"

#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "pipelines/dedupe_index.hpp"
#include "pipelines/hit_ranker.hpp"
#include "pipelines/kept_columns.hpp"
#include "pipelines/run_files.hpp"
#include "pipelines/screen_plan.hpp"
#include "pipelines/screen_worker.hpp"
#include "pipelines/screen_writer.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "src/log.hpp"
#include "src/output_names.hpp"
#include "src/progress.hpp"
#include "src/run_lock.hpp"
#include "src/runtime.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

/// Records in the input, for the progress ETA (only counted on a terminal).
std::uint64_t count_records(const std::string& path, const std::string& format) {
    LineReader reader(path);
    std::string line;
    std::uint64_t n = 0;
    bool sdf = format == "sdf";
    while (reader.next(line)) {
        if (sdf) {
            n += line.rfind("$$$$", 0) == 0;
        } else {
            n += line.find_first_not_of(" \t\r") != std::string::npos;
        }
    }
    return (!sdf && format != "smi" && n > 0) ? n - 1 : n;
}

/// Runs f(worker, item) over the items with the workers' threads (dynamic
/// scheduling); output order is the items' order whatever the thread count.
template <typename F>
void parallel_for(std::vector<std::unique_ptr<ScreenWorker>>& workers,
                  std::vector<ScreenItem>& items, F f) {
    std::size_t n = std::min(workers.size(), items.size());
    if (n <= 1) {
        for (auto& item : items)
            f(*workers[0], item);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    auto body = [&](ScreenWorker& w) {
        try {
            constexpr std::size_t kBlock = 8;
            for (;;) {
                if (failed || interrupted()) return;
                std::size_t b = next.fetch_add(kBlock);
                if (b >= items.size()) return;
                for (std::size_t i = b; i < std::min(items.size(), b + kBlock); ++i)
                    f(w, items[i]);
            }
        } catch (...) {
            if (!failed.exchange(true)) error = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    for (std::size_t t = 1; t < n; ++t)
        threads.emplace_back(body, std::ref(*workers[t]));
    body(*workers[0]);
    for (auto& t : threads)
        t.join();
    if (error) std::rethrow_exception(error);
}

/// Reads up to `chunk` records of this shard into `items`, with their
/// values of the `kept` columns.
bool read_chunk(data::MoleculeReader& reader, const Shard& shard, std::size_t chunk,
                KeptColumns& kept, std::vector<ScreenItem>& items) {
    items.clear();
    data::MoleculeRecord rec;
    while (items.size() < chunk && reader.next(rec)) {
        if (!shard.contains(rec.index)) continue;
        ScreenItem item;
        item.record = rec.index;
        item.line = rec.line;
        item.id = std::move(rec.id);
        item.input_smiles = std::move(rec.smiles);
        item.molblock = std::move(rec.molblock);
        kept.pick(rec, item.kept);
        if (!rec.error.empty()) item.reject(ScreenStep::read, rec.error);
        items.push_back(std::move(item));
    }
    return !items.empty();
}

ScreenConfig resolve_config(const ScreenOptions& o) {
    ScreenConfig cfg;
    if (o.config)
        cfg = *o.config;
    else if (!o.config_path.empty())
        cfg = load_screen_config(o.config_path);
    if (o.top) cfg.top = *o.top;
    if (o.keep_cols) {
        check_keep_cols(*o.keep_cols, "--keep-cols");
        cfg.output.keep_cols = *o.keep_cols;
    }
    return cfg;
}

/// Hits on stdout: the rejects and summary exist only where --rejects and
/// --summary say; say so when they are not written.
void warn_unwritten(const ScreenResult& r) {
    if (r.output != "-") return;
    if (r.rejects.empty())
        log_warn(
            "--output -: the rejected records are not written anywhere (give --rejects FILE "
            "to keep them)");
    if (r.summary.empty()) log_warn("--output -: no summary written (give --summary FILE)");
}

std::string absolute(const std::string& p) {
    if (p.empty()) return {};
    if (p == "-") return p;
    return fs::absolute(p).lexically_normal().string();
}

/// The run's output paths, checked against the input and config. A shard
/// writes its own files: "-o hits.csv --shard 1/4" writes
/// hits.shard-1-of-4.csv, so that N shards of one command line never
/// overwrite each other's outputs (merge finds them by these names); the
/// shard's names are logged when they differ from those given.
ScreenResult shard_outputs(const ScreenOptions& opt) {
    ScreenResult result;
    result.output = shard_output_path(opt.output, opt.shard, "--output");
    result.sdf = shard_output_path(opt.sdf, opt.shard, "--sdf");
    bool to_stdout = opt.output == "-";
    result.rejects = !opt.rejects.empty()
                         ? shard_output_path(opt.rejects, opt.shard, "--rejects")
                         : (to_stdout ? "" : companion_path(result.output, ".rejects.tsv"));
    result.summary = !opt.summary.empty()
                         ? shard_output_path(opt.summary, opt.shard, "--summary")
                         : (to_stdout ? "" : companion_path(result.output, ".summary.json"));
    if (result.output != opt.output || result.sdf != opt.sdf ||
        (!opt.rejects.empty() && result.rejects != opt.rejects) ||
        (!opt.summary.empty() && result.summary != opt.summary))
        log_info("--shard " + opt.shard.to_string() + ": this shard writes " + result.output +
                 (result.sdf.empty() ? "" : ", " + result.sdf) +
                 (result.rejects.empty() ? "" : ", " + result.rejects) +
                 (result.summary.empty() ? "" : ", " + result.summary));
    check_run_files({{"the input", opt.input}, {"the config", opt.config_path}},
                    {{"--output", result.output},
                     {"--sdf", result.sdf},
                     {"--rejects", result.rejects},
                     {"--summary", result.summary}});
    warn_unwritten(result);
    return result;
}

/// The lock of a run writing `r`'s files: ".<name>.lock" beside its first
/// file output (none when everything goes to standard output). Two runs
/// writing the same files at once could leave a mix of both (one's hits, the
/// other's summary), and the temporary names of runs on two hosts can clash.
std::unique_ptr<RunLock> lock_outputs(const ScreenResult& r) {
    for (const std::string* path : {&r.output, &r.rejects, &r.summary, &r.sdf}) {
        if (path->empty() || *path == "-") continue;
        const std::filesystem::path p(*path);
        const std::string lock =
            (p.parent_path() / ("." + p.filename().string() + ".lock")).string();
        return std::make_unique<RunLock>(lock, "plmkit screen writing '" + *path + "'");
    }
    return nullptr;
}

/// The progress line; its total (for the ETA) is counted only on a terminal.
ProgressOptions progress_options(const ScreenOptions& opt, const std::string& format) {
    ProgressOptions popt;
    popt.label = "screening";
    popt.item_name = "molecules";
    popt.enabled = opt.progress;
    // Only a regular file is counted: a pipe's records would be used up.
    if (opt.progress && is_rereadable_file(opt.input) && ::isatty(STDERR_FILENO) == 1) {
        std::uint64_t total = count_records(opt.input, format);
        popt.total_items = total / static_cast<std::uint64_t>(opt.shard.count) + 1;
    }
    return popt;
}

/// One worker per thread (each owns its RDKit standardizer).
std::vector<std::unique_ptr<ScreenWorker>> make_workers(const ScreenPlan& plan, int nthreads) {
    std::vector<std::unique_ptr<ScreenWorker>> workers;
    for (int t = 0; t < nthreads; ++t)
        workers.push_back(std::make_unique<ScreenWorker>(plan));
    return workers;
}

/// Rejects, in input order, each item whose key an earlier item had.
void reject_duplicates(std::vector<ScreenItem>& items, DedupeIndex& seen) {
    for (auto& it : items) {
        if (it.rejected) continue;
        if (const auto* first = seen.check(it.smiles, it.id, it.record))
            it.reject(ScreenStep::dedupe, duplicate_reason(first->id, first->record));
    }
}

/// Counts the evaluated items: a rejected one goes to the rejects, a hit to
/// the ranker (with the rejects line it gets if --top cuts it).
void route_items(std::vector<ScreenItem>& items, std::uint64_t top, ScreenCounts& counts,
                 ScreenWriter& writer, HitRanker& ranker) {
    for (auto& it : items) {
        ++counts.read;
        if (it.rejected) {
            counts.add_reject(it.step, it.reason);
            writer.reject(reject_line(it.id, it.input_smiles, it.step, it.reason, it.record,
                                      it.smiles, it.kept));
            continue;
        }
        RankedHit hit{
            it.score, it.record, std::move(it.csv_row), std::move(it.sdf_block),
            reject_line(it.id, it.input_smiles, ScreenStep::top, top_cut_reason(top, it.score_text),
                        it.record, it.smiles, it.kept)};
        ranker.add(hit);
    }
}

/// The workers' CPU seconds per step, plus the (sequential) dedupe time.
std::array<double, kScreenSteps> step_seconds(
    const std::vector<std::unique_ptr<ScreenWorker>>& workers, double dedupe_seconds) {
    std::array<double, kScreenSteps> secs{};
    for (const auto& w : workers)
        for (int i = 0; i < kScreenSteps; ++i)
            secs[i] += w->seconds()[i];
    secs[static_cast<int>(ScreenStep::dedupe)] += dedupe_seconds;
    return secs;
}

/// The summary's "run": threads, shard, timing and the outputs' absolute paths.
nlohmann::json run_json(const ScreenOptions& opt, int nthreads, const ScreenResult& result,
                        const std::array<double, kScreenSteps>& secs) {
    nlohmann::json step_seconds = nlohmann::json::object();
    for (int i = 0; i < kScreenSteps; ++i)
        step_seconds[step_name(static_cast<ScreenStep>(i))] = secs[i];
    const std::uint64_t read = result.counts.read;
    return {{"threads", nthreads},
            {"chunk", opt.chunk},
            {"shard",
             opt.shard.whole() ? nlohmann::json(nullptr) : nlohmann::json(opt.shard.to_string())},
            {"wall_seconds", result.seconds},
            {"molecules_per_second", result.seconds > 0 ? read / result.seconds : 0.0},
            {"step_seconds", step_seconds},
            {"outputs",
             {{"hits", absolute(result.output)},
              {"sdf",
               result.sdf.empty() ? nlohmann::json(nullptr) : nlohmann::json(absolute(result.sdf))},
              {"rejects", absolute(result.rejects)},
              {"summary", absolute(result.summary)}}}};
}

void log_screened(const ScreenCounts& counts, double seconds, const ScreenOptions& opt) {
    // Exit status 0 with empty outputs is easy to miss in a workflow whose
    // input was cut off or never written.
    if (counts.read == 0)
        log_warn(opt.input + ": no molecule records read" +
                 (opt.shard.whole() ? std::string(" (an empty file, or only a header line?)")
                                    : " for shard " + std::to_string(opt.shard.index) + "/" +
                                          std::to_string(opt.shard.count)) +
                 "; the outputs hold no molecules");
    log_info("screened " + std::to_string(counts.read) + " molecules in " +
             human_duration(seconds) + ": " + std::to_string(counts.hits) + " hits, " +
             std::to_string(counts.filtered()) + " filtered, " +
             std::to_string(counts.duplicates()) + " duplicates, " +
             std::to_string(counts.rejected()) + " rejected, " +
             std::to_string(counts.cut_by_top()) + " cut by --top");
}

/// The --keep-cols columns resolved against the input's header, their names
/// added to the plan's hits columns.
KeptColumns keep_columns(const ScreenConfig& cfg, const data::MoleculeReader& reader,
                         ScreenPlan& plan, bool from_cli) {
    std::vector<std::string> taken = plan.hit_columns();
    taken.insert(taken.end(), reject_columns().begin(), reject_columns().end());
    KeptColumns kept(cfg.output.keep_cols, reader, taken,
                     from_cli ? "--keep-cols" : "output.keep_cols");
    plan.add_kept_columns(kept.outputs());
    return kept;
}

/// The summary's "reader", with the kept columns when there are any.
nlohmann::json reader_json(const data::MoleculeReader& reader, const KeptColumns& kept) {
    nlohmann::json j =
        screen_reader_json(reader.format(), reader.smiles_column(), reader.id_column());
    if (!kept.empty()) j["kept_columns"] = kept.json();
    return j;
}

}  // namespace

ScreenResult run_screen(const ScreenOptions& opt) {
    if (opt.chunk == 0) throw UsageError("--chunk must be at least 1");
    if (opt.threads < 0) throw UsageError("--threads must be >= 0");
    auto t0 = Clock::now();
    ScreenResult result = shard_outputs(opt);
    const std::unique_ptr<RunLock> lock = lock_outputs(result);

    ScreenPlan plan(resolve_config(opt), !opt.sdf.empty());
    const ScreenConfig& cfg = plan.config();
    data::MoleculeReaderOptions ropt = opt.reader;
    ropt.keep_props = !cfg.output.keep_cols.empty();  // the kept columns come from the props
    data::MoleculeReader reader(opt.input, ropt);
    KeptColumns kept = keep_columns(cfg, reader, plan, opt.keep_cols.has_value());
    // Before the run: a merge compares shards by the file they read.
    nlohmann::json input_file = file_fingerprint(opt.input);

    int nthreads = opt.threads == 0 ? available_cores() : opt.threads;
    auto workers = make_workers(plan, nthreads);

    ScreenWriter writer(plan.hit_columns(), result.output, result.sdf, result.rejects,
                        kept.outputs());
    HitRanker ranker(cfg.top, writer.spool_dir());
    DedupeIndex seen;
    ScreenCounts& counts = result.counts;
    Progress progress(progress_options(opt, reader.format()));

    double dedupe_seconds = 0;
    std::vector<ScreenItem> items;
    while (read_chunk(reader, opt.shard, opt.chunk, kept, items)) {
        throw_if_interrupted();
        parallel_for(workers, items, [](ScreenWorker& w, ScreenItem& it) { w.prepare(it); });
        throw_if_interrupted();
        auto td = Clock::now();
        if (cfg.dedupe.enabled) reject_duplicates(items, seen);
        dedupe_seconds += std::chrono::duration<double>(Clock::now() - td).count();
        parallel_for(workers, items, [](ScreenWorker& w, ScreenItem& it) { w.evaluate(it); });
        throw_if_interrupted();
        route_items(items, cfg.top, counts, writer, ranker);
        progress.add(items.size());
    }
    progress.finish();
    kept.warn_at_end();
    counts.hits = writer.write_hits(ranker, [&](const std::string& cut_line) {
        counts.add_reject(ScreenStep::top, {});
        writer.reject(cut_line);
    });

    const auto secs = step_seconds(workers, dedupe_seconds);
    result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    auto summary =
        screen_summary_json(counts, opt.input, input_file, reader_json(reader, kept),
                            screen_config_json(cfg), run_json(opt, nthreads, result, secs));
    if (!counts.balanced())
        throw Error("internal error: screening accounting does not balance: " +
                    summary["accounting"].dump());
    writer.commit(result.summary, summary);
    log_screened(counts, result.seconds, opt);
    return result;
}

}  // namespace plmkit::pipelines
