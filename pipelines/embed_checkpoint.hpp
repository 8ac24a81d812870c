#pragma once
// Checkpoints of `plmkit embed` (docs/embed.md, "Interrupted runs and
// --resume"). A run writes its output in parts, one per window of input
// records, into the folder `<output>.partial/`: `part-NNNNNN.h5` (an embed
// file of that window, the format of a shard file) and its
// `part-NNNNNN.h5.rejects.tsv`, each renamed into place when complete; then
// `state.json` is replaced (atomically) to list the part with its counts and
// the input record it ends before. A run killed at any point leaves the
// parts that state.json lists intact. `--resume` checks that the run's
// fingerprint (options, model hash, input size and XXH64) is the one recorded,
// skips the records the parts hold and writes the rest; the finished run
// joins the parts (pipelines/embed_merge.hpp) and removes the folder.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pipelines/embedding_file.hpp"
#include "src/csv.hpp"
#include "src/hdf5_reader.hpp"

namespace plmkit {
class AtomicFile;
class RunLock;
}  // namespace plmkit

namespace plmkit::pipelines {

/// Counts of one part (or, summed, of all parts so far).
struct EmbedPartCounts {
    /// Input records (0-based index) below this one are done (the last
    /// part's value for a sum).
    std::uint64_t records_end = 0;
    std::uint64_t read = 0;
    std::uint64_t accepted = 0;
    std::uint64_t truncated = 0;
    std::uint64_t rejected = 0;
    std::uint64_t residues = 0;
};

/// What must match for a run to continue another: name -> value.
using EmbedFingerprint = std::map<std::string, std::string>;

class EmbedCheckpoint {
  public:
    /// `output`: the HDF5 file of the run (with its shard tag).
    explicit EmbedCheckpoint(std::string output);
    /// Releases the lock; removes the folder if nothing is left in it.
    ~EmbedCheckpoint();
    EmbedCheckpoint(const EmbedCheckpoint&) = delete;
    EmbedCheckpoint& operator=(const EmbedCheckpoint&) = delete;
    /// "<output>.partial"
    static std::string dir_for(const std::string& output);

    /// Before the model loads. Creates the folder and takes its lock file
    /// `lock` (src/run_lock.hpp): a second run writing the same output is a
    /// UsageError naming the holder. A state with finished parts is a UsageError
    /// without `resume` (naming the folder: add --resume or delete it); with
    /// `resume` it is loaded. No state: the run starts at the first record.
    void open(bool resume);
    /// After the model loads: a loaded state must have this fingerprint
    /// (UsageError naming the first item that differs); else a new state.
    void start(const EmbedFingerprint& fingerprint);

    std::size_t parts() const { return parts_.size(); }
    /// The counts of all finished parts, summed.
    EmbedPartCounts done() const;
    /// Where part k is written (the folder exists after start()).
    std::string part_path(std::size_t k) const;
    std::vector<std::string> part_paths() const;
    /// Records part parts() (its files already in place) and its counts.
    /// Test hook: PLMKIT_TEST_KILL_AFTER_PARTS=K kills the process (SIGKILL)
    /// once this process has recorded K parts, as a time limit would;
    /// K:INT sends SIGINT instead (Ctrl-C: the run stops at its next check).
    void commit_part(const EmbedPartCounts& counts);
    /// After the output is in place: removes the parts, state.json and the
    /// folder (a warning names anything else left in it).
    void remove();
    /// "<output>.partial/lock"
    std::string lock_path() const;
    /// The HDF5 file of the run.
    const std::string& output() const { return output_; }

  private:
    void write_state() const;

    std::string output_;
    std::string dir_;
    EmbedFingerprint fingerprint_;
    EmbedFingerprint loaded_fingerprint_;
    std::vector<EmbedPartCounts> parts_;
    bool loaded_ = false;
    std::size_t committed_here_ = 0;
    std::unique_ptr<RunLock> lock_;
};

/// The files of the part being written, under temporary names until commit.
class EmbedPart {
  public:
    EmbedPart(const std::string& path, const EmbeddingFileLayout& layout,
              const std::vector<Hdf5Attribute>& attributes);
    ~EmbedPart();
    EmbedPart(const EmbedPart&) = delete;
    EmbedPart& operator=(const EmbedPart&) = delete;

    EmbeddingFile& file() { return *file_; }
    CsvWriter& rejects() { return *rejects_; }
    /// Sets the num_* attributes from `counts`, closes both files and
    /// renames them into place.
    void commit(const EmbedPartCounts& counts);

  private:
    std::unique_ptr<AtomicFile> h5_;
    std::unique_ptr<EmbeddingFile> file_;
    std::unique_ptr<CsvWriter> rejects_;
};

/// Adds the input's size and XXH64 (of its bytes as stored, compressed or
/// not) to `fp`; IoError when it cannot be read.
void add_input_fingerprint(EmbedFingerprint& fp, const std::string& input);

}  // namespace plmkit::pipelines
