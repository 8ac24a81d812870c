#pragma once
// Checkpoints of `plmkit screen` (docs/screen.md, "Interrupted runs and
// --resume"). While a run screens a file into a file, the folder
// `<hits>.partial/` beside its hits file keeps what a later run needs to
// finish it:
//   records.bin  an append-only log, in the order the run made them, of every
//                rejects.tsv line written so far, every hit (its hits.csv row,
//                SDF record and the rejects line it gets if --top cuts it) and
//                every new de-duplication key (canonical SMILES, id, record);
//   state.json   replaced atomically after each chunk once the log is flushed
//                (fsync; state.json itself and the folder too): the run's fingerprint, the input
//                record the done chunks end before, the counts and step timings of those records,
//                and the log's length and XXH64 at that point.
// A run killed at any moment leaves a state.json that describes a prefix of
// records.bin. `--resume` checks the fingerprint, replays that prefix into
// the writer, the ranker and the dedupe index (dropping the bytes after it),
// skips the done records of the input, and goes on; the outputs are those of
// one uninterrupted run. The folder is removed when the run completes.
#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "pipelines/screen_summary.hpp"
#include "src/xxh64.hpp"

namespace plmkit::pipelines {

struct RankedHit;
struct ScreenConfig;
struct Shard;

/// What the done chunks of a run add up to.
struct ScreenSaved {
    std::uint64_t records_end = 0;  ///< input records (0-based index) below this are done
    ScreenCounts counts;            ///< of the done records (hits and top cuts come at the end)
    std::array<double, kScreenSteps> step_seconds{};
    double wall_seconds = 0;  ///< the runs' time up to their last checkpoint
};

/// What must match for a run to continue another: name -> value.
using ScreenFingerprint = std::map<std::string, std::string>;

/// The fingerprint of a screening run: plmkit version, the input (path as
/// given, size and XXH64), the resolved reader (format and columns), every
/// config value (`config.<key path>`, --top included) with the size and
/// XXH64 of each similarity reference file and model directory's files,
/// whether an SDF is written, and the shard.
ScreenFingerprint screen_fingerprint(const std::string& input, const nlohmann::json& input_file,
                                     const nlohmann::json& reader, const ScreenConfig& config,
                                     bool sdf, const Shard& shard);

class ScreenCheckpoint {
  public:
    /// `output`: the run's hits file (with its shard tag).
    explicit ScreenCheckpoint(std::string output);
    /// Closes the log; removes the folder when nothing was kept in it.
    ~ScreenCheckpoint();
    ScreenCheckpoint(const ScreenCheckpoint&) = delete;
    ScreenCheckpoint& operator=(const ScreenCheckpoint&) = delete;
    /// "<output>.partial"
    static std::string dir_for(const std::string& output);

    /// Before the pipeline loads (the caller holds the outputs' lock). A
    /// state is loaded with `resume`, and refused without it (UsageError:
    /// pass --resume or delete the folder). `resume` with no state says so
    /// (log_info) and the run starts at the first record, as without it.
    void open(bool resume);
    /// A loaded state must have this fingerprint (UsageError naming each
    /// item that differs); otherwise the folder and an empty log are created.
    void start(const ScreenFingerprint& fingerprint);
    bool resuming() const { return loaded_; }
    /// The loaded state (or the last one committed).
    const ScreenSaved& saved() const { return saved_; }

    /// Replays the loaded log in its order (InputError when it is shorter
    /// than state.json says or its hash differs), then drops what was
    /// written after the last checkpoint and appends from there.
    struct Replay {
        std::function<void(const std::string&)> reject;
        std::function<void(const RankedHit&)> hit;
        std::function<void(const std::string& key, const std::string& id, std::uint64_t record)>
            key;
    };
    void replay(const Replay& to);

    void log_reject(const std::string& line);
    void log_hit(const RankedHit& hit);
    void log_key(const std::string& key, const std::string& id, std::uint64_t record);
    /// Flushes the log to disk and replaces state.json with `state`.
    /// Test hook (tests/cli/test_cli_screen_resume.cpp):
    /// PLMKIT_TEST_KILL_AFTER_CHUNKS=K kills the process (SIGKILL) once this
    /// process has committed K checkpoints, as a time limit would; K:INT
    /// sends SIGINT instead (Ctrl-C: the run stops at its next check).
    void commit(const ScreenSaved& state);
    /// After the outputs are in place: removes the folder and its files.
    void remove();
    /// After a failure past start(): warns where the state is and how to
    /// --resume (nothing when no checkpoint was committed: the destructor
    /// then removes the folder).
    void keep_after_failure();

  private:
    void put(const void* data, std::size_t n);
    void put_text(const std::string& s);
    void write_state() const;

    std::string output_, dir_;
    ScreenFingerprint fingerprint_, loaded_fingerprint_;
    ScreenSaved saved_;
    bool loaded_ = false;     ///< open() found a state with done records
    bool has_state_ = false;  ///< a state.json of this run is on disk
    bool started_ = false;    ///< start() accepted the run
    std::uint64_t state_bytes_ = 0;
    std::string state_xxh64_;
    std::FILE* log_ = nullptr;
    Xxh64 hash_;
    std::uint64_t bytes_ = 0;
    std::size_t commits_here_ = 0;
};

}  // namespace plmkit::pipelines
