#include "pipelines/screen_job.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "pipelines/dedupe_index.hpp"
#include "pipelines/duplicate_ids.hpp"
#include "pipelines/hit_ranker.hpp"
#include "pipelines/kept_columns.hpp"
#include "pipelines/run_files.hpp"
#include "pipelines/screen_checkpoint.hpp"
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
#include "src/strings.hpp"

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
/// values of the `kept` columns, skipping the records below `from` (done by
/// an interrupted run); `end` becomes the index after the last record read.
bool read_chunk(data::MoleculeReader& reader, const Shard& shard, std::size_t chunk,
                std::uint64_t from, KeptColumns& kept, DuplicateIds& ids,
                std::vector<ScreenItem>& items, std::uint64_t& end) {
    items.clear();
    data::MoleculeRecord rec;
    while (items.size() < chunk && reader.next(rec)) {
        end = rec.index + 1;
        if (!shard.contains(rec.index)) continue;
        ids.add(rec.id, rec.index, rec.line);  // the done records too: a resumed run warns alike
        if (rec.index < from) continue;
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
/// `done`: the records of this shard an interrupted run screened.
ProgressOptions progress_options(const ScreenOptions& opt, const std::string& format,
                                 std::uint64_t done) {
    ProgressOptions popt;
    popt.label = "screening";
    popt.item_name = "molecules";
    popt.enabled = opt.progress;
    // Only a regular file is counted: a pipe's records would be used up.
    if (opt.progress && is_rereadable_file(opt.input) && ::isatty(STDERR_FILENO) == 1) {
        std::uint64_t total = count_records(opt.input, format);
        popt.total_items = total / static_cast<std::uint64_t>(opt.shard.count) + 1;
        popt.total_items -= std::min(done, popt.total_items);
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

/// Where the screened records go: the outputs, and the checkpoint's log
/// (null when the run keeps none).
struct ScreenSinks {
    ScreenWriter& writer;
    HitRanker& ranker;
    DedupeIndex& seen;
    ScreenCheckpoint* checkpoint;
    const std::string& hits_path;  ///< the hits file
};

/// Rejects, in input order, each item whose key an earlier item had.
void reject_duplicates(std::vector<ScreenItem>& items, ScreenSinks& s) {
    for (auto& it : items) {
        if (it.rejected) continue;
        if (const auto* first = s.seen.check(it.smiles, it.id, it.record))
            it.reject(ScreenStep::dedupe, duplicate_reason(first->id, first->record));
        else if (s.checkpoint)
            s.checkpoint->log_key(it.smiles, it.id, it.record);
    }
}

/// Counts the evaluated items: a rejected one goes to the rejects, a hit to
/// the ranker (with the rejects line it gets if --top cuts it).
void route_items(std::vector<ScreenItem>& items, std::uint64_t top, ScreenCounts& counts,
                 ScreenSinks& s) {
    for (auto& it : items) {
        ++counts.read;
        if (it.rejected) {
            counts.add_reject(it.step, it.reason);
            const std::string line = reject_line(it.id, it.input_smiles, it.step, it.reason,
                                                 it.record, it.smiles, it.kept);
            if (s.checkpoint) s.checkpoint->log_reject(line);
            s.writer.reject(line);
            continue;
        }
        RankedHit hit{
            it.score, it.record, std::move(it.csv_row), std::move(it.sdf_block),
            reject_line(it.id, it.input_smiles, ScreenStep::top, top_cut_reason(top, it.score_text),
                        it.record, it.smiles, it.kept)};
        if (s.checkpoint) s.checkpoint->log_hit(hit);
        s.ranker.add(hit);
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

void log_screened(const ScreenCounts& counts, double seconds, const ScreenOptions& opt,
                  std::uint64_t resumed) {
    // Exit status 0 with empty outputs is easy to miss in a workflow whose
    // input was cut off or never written.
    if (counts.read == 0)
        log_warn(opt.input + ": no molecule records read" +
                 (opt.shard.whole() ? std::string(" (an empty file, or only a header line?)")
                                    : " for shard " + std::to_string(opt.shard.index) + "/" +
                                          std::to_string(opt.shard.count)) +
                 "; the outputs hold no molecules");
    log_info("screened " + count_noun(counts.read, "molecule") + " in " + human_duration(seconds) +
             ": " + count_noun(counts.hits, "hit") + ", " + std::to_string(counts.filtered()) +
             " filtered, " + count_noun(counts.duplicates(), "duplicate") + ", " +
             std::to_string(counts.rejected()) + " rejected, " +
             std::to_string(counts.cut_by_top()) + " cut by --top" +
             (resumed > 0 ? "; " + std::to_string(resumed) +
                                " of the molecules were screened by the interrupted run"
                          : std::string()));
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

/// The checkpoint of a run from a file into a file; none for standard input
/// or output, which cannot be read or written again (--resume is refused).
std::unique_ptr<ScreenCheckpoint> open_checkpoint(const ScreenOptions& opt, const ScreenResult& r) {
    const bool file_in = is_rereadable_file(opt.input);
    if (opt.resume && !file_in && (opt.input == "-" || fs::exists(opt.input)))
        throw UsageError("--resume needs --input to be a regular file: " +
                         (opt.input == "-" ? std::string("standard input")
                                           : "'" + opt.input + "' (a pipe or device)") +
                         " cannot be read again");
    if (opt.resume && r.output == "-")
        throw UsageError(
            "--resume needs --output to be a file: hits written to standard output cannot be "
            "continued");
    if (!file_in || r.output == "-") return nullptr;
    auto checkpoint = std::make_unique<ScreenCheckpoint>(r.output);
    checkpoint->open(opt.resume);
    return checkpoint;
}

/// Replays the checkpoint into the outputs, the ranker and the dedupe index.
ScreenSaved resume_from(ScreenCheckpoint& checkpoint, ScreenSinks& s) {
    checkpoint.replay({[&](const std::string& line) { s.writer.reject(line); },
                       [&](const RankedHit& hit) { s.ranker.add(hit); },
                       [&](const std::string& key, const std::string& id, std::uint64_t record) {
                           s.seen.check(key, id, record);
                       }});
    const ScreenSaved& done = checkpoint.saved();
    log_info("--resume: the checkpoint in " + ScreenCheckpoint::dir_for(s.hits_path) + " holds " +
             count_noun(done.counts.read, "record") + "; continuing with input record " +
             std::to_string(done.records_end + 1));
    return done;
}

/// The chunk loop of a run, and its time so far (the interrupted run's included).
class ChunkLoop {
  public:
    ChunkLoop(const ScreenOptions& opt, const ScreenConfig& cfg,
              std::vector<std::unique_ptr<ScreenWorker>>& workers, ScreenSinks& sinks,
              KeptColumns& kept, const ScreenSaved& done, Clock::time_point t0)
        : opt_(opt),
          cfg_(cfg),
          workers_(workers),
          sinks_(sinks),
          kept_(kept),
          done_(done),
          t0_(t0) {}

    void run(data::MoleculeReader& reader, ScreenCounts& counts) {
        Progress progress(progress_options(opt_, reader.format(), done_.counts.read));
        std::vector<ScreenItem> items;
        std::uint64_t end = done_.records_end;
        while (read_chunk(reader, opt_.shard, opt_.chunk, done_.records_end, kept_, ids_, items,
                          end)) {
            throw_if_interrupted();
            parallel_for(workers_, items, [](ScreenWorker& w, ScreenItem& it) { w.prepare(it); });
            throw_if_interrupted();
            auto td = Clock::now();
            if (cfg_.dedupe.enabled) reject_duplicates(items, sinks_);
            dedupe_seconds_ += std::chrono::duration<double>(Clock::now() - td).count();
            parallel_for(workers_, items, [](ScreenWorker& w, ScreenItem& it) { w.evaluate(it); });
            throw_if_interrupted();
            route_items(items, cfg_.top, counts, sinks_);
            if (sinks_.checkpoint) sinks_.checkpoint->commit({end, counts, seconds(), wall()});
            progress.add(items.size());
        }
        progress.finish();
        const std::string w = ids_.warning(
            opt_.input,
            "hits.csv and rejects.tsv keep each record under its id, so a join on id would mix "
            "those records up (the record column tells them apart): make the ids unique or "
            "choose another --id-col");
        if (!w.empty()) log_warn(w);
    }
    /// CPU seconds per step.
    std::array<double, kScreenSteps> seconds() const {
        auto secs = step_seconds(workers_, dedupe_seconds_);
        for (int i = 0; i < kScreenSteps; ++i)
            secs[i] += done_.step_seconds[i];
        return secs;
    }
    double wall() const {
        return done_.wall_seconds + std::chrono::duration<double>(Clock::now() - t0_).count();
    }

  private:
    const ScreenOptions& opt_;
    const ScreenConfig& cfg_;
    std::vector<std::unique_ptr<ScreenWorker>>& workers_;
    ScreenSinks& sinks_;
    KeptColumns& kept_;
    const ScreenSaved& done_;
    Clock::time_point t0_;
    double dedupe_seconds_ = 0;
    DuplicateIds ids_;
};

/// The run once its outputs are locked, up to the committed files; returns
/// the records an interrupted run screened.
std::uint64_t screen_into(const ScreenOptions& opt, ScreenResult& result,
                          ScreenCheckpoint* checkpoint, Clock::time_point t0) {
    ScreenPlan plan(resolve_config(opt), !opt.sdf.empty());
    plan.set_hits_separator(csv_separator_for(result.output));  // -o hits.tsv: tab-separated
    const ScreenConfig& cfg = plan.config();
    data::MoleculeReaderOptions ropt = opt.reader;
    ropt.keep_props = !cfg.output.keep_cols.empty();  // the kept columns come from the props
    ropt.empty_ok = true;  // an empty CSV/TSV is screened, with a warning, as an empty .smi or .sdf
    data::MoleculeReader reader(opt.input, ropt);
    KeptColumns kept = keep_columns(cfg, reader, plan, opt.keep_cols.has_value());
    // Before the run: a merge compares shards by the file they read.
    nlohmann::json input_file = file_fingerprint(opt.input);
    if (checkpoint)  // the config holds output.keep_cols
        checkpoint->start(screen_fingerprint(
            opt.input, input_file,
            screen_reader_json(reader.format(), opt.reader.smiles_col, opt.reader.id_col), cfg,
            !opt.sdf.empty(), opt.shard));

    int nthreads = opt.threads == 0 ? available_cores() : opt.threads;
    auto workers = make_workers(plan, nthreads);
    ScreenWriter writer(plan.hit_columns(), result.output, result.sdf, result.rejects,
                        kept.outputs());
    HitRanker ranker(cfg.top, writer.spool_dir());
    DedupeIndex seen;
    ScreenSinks sinks{writer, ranker, seen, checkpoint, result.output};
    ScreenSaved done;  // what the interrupted run did
    if (checkpoint && checkpoint->resuming()) done = resume_from(*checkpoint, sinks);
    ScreenCounts& counts = result.counts;
    counts = done.counts;
    ChunkLoop loop(opt, cfg, workers, sinks, kept, done, t0);
    loop.run(reader, counts);
    kept.warn_at_end();
    counts.hits = writer.write_hits(ranker, [&](const std::string& cut_line) {
        counts.add_reject(ScreenStep::top, {});
        writer.reject(cut_line);
    });

    result.seconds = loop.wall();
    auto summary = screen_summary_json(counts, opt.input, input_file, reader_json(reader, kept),
                                       screen_config_json(cfg),
                                       run_json(opt, nthreads, result, loop.seconds()));
    if (!counts.balanced())
        throw Error("internal error: screening accounting does not balance: " +
                    summary["accounting"].dump());
    writer.commit(result.summary, summary);
    return done.counts.read;
}

}  // namespace

ScreenResult run_screen(const ScreenOptions& opt) {
    if (opt.chunk == 0) throw UsageError("--chunk must be at least 1");
    if (opt.threads < 0) throw UsageError("--threads must be >= 0");
    auto t0 = Clock::now();
    ScreenResult result = shard_outputs(opt);
    const std::unique_ptr<RunLock> lock = lock_outputs(result);
    const std::unique_ptr<ScreenCheckpoint> checkpoint = open_checkpoint(opt, result);
    std::uint64_t resumed = 0;
    try {
        resumed = screen_into(opt, result, checkpoint.get(), t0);
    } catch (...) {
        if (checkpoint) checkpoint->keep_after_failure();
        throw;
    }
    if (checkpoint) checkpoint->remove();
    log_screened(result.counts, result.seconds, opt, resumed);
    return result;
}

}  // namespace plmkit::pipelines
