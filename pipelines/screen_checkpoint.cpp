#include "pipelines/screen_checkpoint.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "pipelines/hit_ranker.hpp"
#include "pipelines/run_files.hpp"
#include "pipelines/screen_config.hpp"
#include "pipelines/shard.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/log.hpp"
#include "src/strings.hpp"
#include "src/version.hpp"

namespace plmkit::pipelines {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kStateVersion = 1;
const char* const kStateFile = "state.json";
const char* const kLogFile = "records.bin";
// Entry tags of records.bin.
constexpr char kReject = 'R', kHit = 'H', kKey = 'K';

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

/// Leaves of `j` as "a.b.0.c" -> dumped value.
void flatten(const json& j, const std::string& prefix, ScreenFingerprint& out) {
    if (j.is_object() && !j.empty()) {
        for (const auto& [k, v] : j.items())
            flatten(v, prefix + "." + k, out);
    } else if (j.is_array() && !j.empty()) {
        for (std::size_t i = 0; i < j.size(); ++i)
            flatten(j[i], prefix + "." + std::to_string(i), out);
    } else {
        out[prefix] = j.is_string() ? j.get<std::string>() : j.dump();
    }
}

std::string file_hash(const std::string& path) {
    json fp = file_fingerprint(path);
    return fp.is_null() ? "(not a regular file)"
                        : std::to_string(fp.at("size").get<std::uint64_t>()) + " bytes, xxh64 " +
                              fp.at("xxh64").get<std::string>();
}

/// Every regular file of a model directory with its size and hash.
std::string dir_hash(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.is_regular_file(ec)) files.push_back(e.path().filename().string());
    std::sort(files.begin(), files.end());
    std::string out;
    for (const auto& f : files)
        out += (out.empty() ? "" : "; ") + f + ": " + file_hash((fs::path(dir) / f).string());
    return out;
}

/// Which option sets a fingerprint item, for the refusal message.
std::string option_of(const std::string& key) {
    if (key == "input") return "--input";
    if (key.rfind("input_", 0) == 0) return "the input's content: the file changed";
    if (key == "reader.format") return "--format";
    if (key == "reader.smiles_col") return "--smiles-col";
    if (key == "reader.id_col") return "--id-col";
    if (key == "config.rank.top") return "--top, or rank.top in --config";
    if (key.rfind("config.output.keep_cols", 0) == 0)
        return "--keep-cols, or output.keep_cols in --config";
    if (key.rfind("config.", 0) == 0) return "--config";
    if (key == "sdf") return "--sdf given or not";
    if (key == "shard") return "--shard";
    if (key == "plmkit_version") return "the plmkit version";
    return key;
}

std::uint64_t get_u64(const json& j, const char* key, const std::string& path) {
    if (!j.contains(key) || !j[key].is_number_unsigned())
        throw InputError(path + ": no count '" + key +
                         "' (not a state written by plmkit screen; delete its folder)");
    return j[key].get<std::uint64_t>();
}

json counts_json(const ScreenCounts& c) {
    json removed = json::object();
    for (int i = 0; i < kScreenSteps; ++i)
        removed[step_name(static_cast<ScreenStep>(i))] = c.removed[i];
    return {{"read", c.read}, {"removed", removed}, {"filtered_by_rule", c.filtered_by_rule}};
}

ScreenSaved saved_from_json(const json& j, const std::string& path) {
    ScreenSaved s;
    s.records_end = get_u64(j, "records_end", path);
    const json& c = j.at("counts");
    s.counts.read = get_u64(c, "read", path);
    for (const auto& [step, n] : c.at("removed").items())
        s.counts.removed[static_cast<int>(step_from_name(step))] = n.get<std::uint64_t>();
    for (const auto& [rule, n] : c.at("filtered_by_rule").items())
        s.counts.filtered_by_rule[rule] = n.get<std::uint64_t>();
    for (const auto& [step, v] : j.at("step_seconds").items())
        s.step_seconds[static_cast<int>(step_from_name(step))] = v.get<double>();
    s.wall_seconds = j.at("wall_seconds").get<double>();
    return s;
}

/// Reads records.bin entries up to `end` bytes, hashing what it reads.
class LogReader {
  public:
    LogReader(std::FILE* f, std::uint64_t end, Xxh64& hash, std::string where)
        : f_(f), end_(end), hash_(hash), where_(std::move(where)) {}
    bool done() const { return pos_ >= end_; }
    void read(void* data, std::size_t n) {
        if (pos_ + n > end_ || std::fread(data, 1, n, f_) != n)
            throw InputError(where_ + ": ends before the " + std::to_string(end_) +
                             " bytes its state.json lists (a damaged checkpoint; delete the "
                             "folder to start over)");
        hash_.update(data, n);
        pos_ += n;
    }
    std::uint64_t u64() {
        std::uint64_t v;
        read(&v, sizeof v);
        return v;
    }
    std::string text() {
        std::uint32_t n;
        read(&n, sizeof n);
        std::string s(n, '\0');
        read(s.data(), n);
        return s;
    }

  private:
    std::FILE* f_;
    std::uint64_t end_, pos_ = 0;
    Xxh64& hash_;
    std::string where_;
};

}  // namespace

ScreenFingerprint screen_fingerprint(const std::string& input, const json& input_file,
                                     const json& reader, const ScreenConfig& config, bool sdf,
                                     const Shard& shard) {
    ScreenFingerprint fp;
    fp["plmkit_version"] = version();
    fp["input"] = input;
    if (input_file.is_object()) {
        fp["input_bytes"] = input_file.at("size").dump();
        fp["input_xxh64"] = input_file.at("xxh64").get<std::string>();
    }
    flatten(reader, "reader", fp);
    flatten(screen_config_json(config), "config", fp);
    for (std::size_t i = 0; i < config.similarity.size(); ++i)
        fp["config.similarity." + std::to_string(i) + ".references_file"] =
            file_hash(config.similarity[i].references);
    for (std::size_t i = 0; i < config.score.models.size(); ++i)
        if (config.score.models[i].model != "default")
            fp["config.score.models." + std::to_string(i) + ".model_files"] =
                dir_hash(config.score.models[i].model);
    fp["sdf"] = sdf ? "yes" : "no";
    fp["shard"] = shard.to_string();
    return fp;
}

ScreenCheckpoint::ScreenCheckpoint(std::string output)
    : output_(std::move(output)), dir_(dir_for(output_)) {}

ScreenCheckpoint::~ScreenCheckpoint() {
    if (log_) std::fclose(log_);
    if (has_state_) return;
    std::error_code ec;
    fs::remove(dir_ + "/" + kLogFile, ec);
    if (fs::is_empty(dir_, ec) && !ec) fs::remove(dir_, ec);
}

std::string ScreenCheckpoint::dir_for(const std::string& output) {
    return output + ".partial";
}

void ScreenCheckpoint::open(bool resume) {
    const std::string path = dir_ + "/" + kStateFile;
    if (!exists(path)) {
        // As `plmkit embed --resume`: a job script that always passes
        // --resume (a requeued Slurm task) runs its first time, and again
        // after a run that finished, as a plain run.
        if (resume)
            log_info("--resume: no checkpoint in " + dir_ + ": starting at the first record" +
                     (exists(output_)
                          ? " (" + output_ + " exists: its run finished; this run writes it again)"
                          : ""));
        return;  // at most the log of a run stopped in its first chunk: not kept
    }
    json j = read_json_file(path);
    if (!j.is_object() || j.value("plmkit_screen_checkpoint", 0) != kStateVersion ||
        !j.contains("fingerprint") || !j["fingerprint"].is_object())
        throw InputError(path + ": not a checkpoint state of this plmkit screen (expected " +
                         "plmkit_screen_checkpoint " + std::to_string(kStateVersion) +
                         "); delete " + dir_ + " to start over");
    try {
        saved_ = saved_from_json(j, path);
        state_bytes_ = get_u64(j, "log_bytes", path);
        state_xxh64_ = j.at("log_xxh64").get<std::string>();
    } catch (const json::exception& e) {
        throw InputError(path + ": " + e.what() + "; delete " + dir_ + " to start over");
    }
    for (const auto& [k, v] : j["fingerprint"].items())
        loaded_fingerprint_[k] = v.is_string() ? v.get<std::string>() : v.dump();
    has_state_ = true;
    if (!resume)
        throw UsageError(dir_ + " holds the checkpoint of an interrupted run writing " + output_ +
                         " (" + count_noun(saved_.counts.read, "record") +
                         " done): run the same command with --resume to continue it, "
                         "or delete " +
                         dir_ + " to start over");
    loaded_ = true;
}

void ScreenCheckpoint::start(const ScreenFingerprint& fingerprint) {
    fingerprint_ = fingerprint;
    const std::string log = dir_ + "/" + kLogFile;
    if (loaded_) {
        std::string diffs;
        for (const auto& [name, value] : fingerprint_) {
            auto it = loaded_fingerprint_.find(name);
            const std::string was = it == loaded_fingerprint_.end() ? "(absent)" : it->second;
            if (was != value)
                diffs +=
                    (diffs.empty() ? "" : "; ") + ("'" + name + "' (" + option_of(name) + ") is '" +
                                                   value + "', it was '" + was + "'");
        }
        if (!diffs.empty())
            throw UsageError("--resume: this run differs from the interrupted one in " + dir_ +
                             ": " + diffs +
                             "; run the interrupted command again (same options and input), "
                             "or delete " +
                             dir_ + " to start over");
        log_ = std::fopen(log.c_str(), "r+b");
        if (!log_) throw InputError(log + ": cannot open the checkpoint log: " + errno_message());
        started_ = true;
        return;
    }
    std::error_code ec;
    fs::create_directory(dir_, ec);
    if (ec) throw IoError(dir_ + ": cannot create the checkpoint folder: " + ec.message());
    log_ = std::fopen(log.c_str(), "wb");
    if (!log_) throw IoError(log + ": cannot create the checkpoint log: " + errno_message());
    started_ = true;
}

void ScreenCheckpoint::replay(const Replay& to) {
    const std::string where = dir_ + "/" + kLogFile;
    LogReader in(log_, state_bytes_, hash_, where);
    while (!in.done()) {
        char tag = 0;
        in.read(&tag, 1);
        if (tag == kReject) {
            to.reject(in.text());
        } else if (tag == kHit) {
            RankedHit hit;
            hit.record = in.u64();
            in.read(&hit.score, sizeof hit.score);
            hit.csv_row = in.text();
            hit.sdf_block = in.text();
            hit.cut_line = in.text();
            to.hit(hit);
        } else if (tag == kKey) {
            const std::uint64_t record = in.u64();
            std::string id = in.text();
            to.key(in.text(), id, record);
        } else {
            throw InputError(where + ": unknown entry (a damaged checkpoint; delete " + dir_ +
                             " to start over)");
        }
    }
    if (hash_.hex() != state_xxh64_)
        throw InputError(where + ": its XXH64 is " + hash_.hex() + ", state.json says " +
                         state_xxh64_ + " (a damaged checkpoint; delete " + dir_ +
                         " to start over)");
    bytes_ = state_bytes_;
    // What a killed run wrote after its last checkpoint is written again.
    if (std::fflush(log_) != 0 || ::ftruncate(::fileno(log_), static_cast<off_t>(bytes_)) != 0 ||
        std::fseek(log_, static_cast<long>(bytes_), SEEK_SET) != 0)
        throw IoError(where + ": cannot truncate the checkpoint log: " + errno_message());
}

void ScreenCheckpoint::put(const void* data, std::size_t n) {
    if (n && std::fwrite(data, 1, n, log_) != n)
        throw IoError("cannot write the checkpoint log '" + dir_ + "/" + kLogFile +
                      "': " + errno_message());
    hash_.update(data, n);
    bytes_ += n;
}

void ScreenCheckpoint::put_text(const std::string& s) {
    const auto n = static_cast<std::uint32_t>(s.size());
    put(&n, sizeof n);
    put(s.data(), s.size());
}

void ScreenCheckpoint::log_reject(const std::string& line) {
    put(&kReject, 1);
    put_text(line);
}

void ScreenCheckpoint::log_hit(const RankedHit& hit) {
    put(&kHit, 1);
    put(&hit.record, sizeof hit.record);
    put(&hit.score, sizeof hit.score);
    put_text(hit.csv_row);
    put_text(hit.sdf_block);
    put_text(hit.cut_line);
}

void ScreenCheckpoint::log_key(const std::string& key, const std::string& id,
                               std::uint64_t record) {
    put(&kKey, 1);
    put(&record, sizeof record);
    put_text(id);
    put_text(key);
}

void ScreenCheckpoint::write_state() const {
    json steps = json::object();
    for (int i = 0; i < kScreenSteps; ++i)
        steps[step_name(static_cast<ScreenStep>(i))] = saved_.step_seconds[i];
    json j = {{"plmkit_screen_checkpoint", kStateVersion},
              {"output", output_},
              {"fingerprint", fingerprint_},
              {"records_end", saved_.records_end},
              {"counts", counts_json(saved_.counts)},
              {"step_seconds", steps},
              {"wall_seconds", saved_.wall_seconds},
              {"log_bytes", bytes_},
              {"log_xxh64", hash_.hex()}};
    // On disk before commit() returns, as the log: a machine that goes down
    // right after it keeps this state or the one before, never neither.
    write_json_file(dir_ + "/" + kStateFile, j, Durability::fsync);
}

void ScreenCheckpoint::commit(const ScreenSaved& state) {
    // The log's bytes reach the disk before the state that counts them.
    if (std::fflush(log_) != 0 || ::fsync(::fileno(log_)) != 0)
        throw IoError("cannot write the checkpoint log '" + dir_ + "/" + kLogFile +
                      "': " + errno_message());
    saved_ = state;
    write_state();
    has_state_ = true;
    ++commits_here_;
    if (const char* k = std::getenv("PLMKIT_TEST_KILL_AFTER_CHUNKS")) {
        const std::string after = std::to_string(commits_here_);
        if (after == k) std::raise(SIGKILL);
        if (after + ":INT" == k) std::raise(SIGINT);
    }
}

void ScreenCheckpoint::remove() {
    if (log_) std::fclose(log_);
    log_ = nullptr;
    std::error_code ec;
    fs::remove(dir_ + "/" + kStateFile, ec);
    fs::remove(dir_ + "/" + kLogFile, ec);
    has_state_ = false;
    if (exists(dir_) && (!fs::remove(dir_, ec) || ec))
        log_warn(dir_ + ": left in place (not empty?): " + ec.message());
}

void ScreenCheckpoint::keep_after_failure() {
    if (!has_state_ || !started_) return;  // the destructor removes a folder with no state
    log_warn(dir_ + " keeps the checkpoint of this run (" +
             count_noun(saved_.counts.read, "record") +
             " done): run the same command with --resume to continue with input record " +
             std::to_string(saved_.records_end + 1) +
             " (after changing the input or the options, delete " + dir_ +
             " instead: --resume refuses a run that differs)");
}

}  // namespace plmkit::pipelines
