#include "pipelines/embed_checkpoint.hpp"

#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "pipelines/embed_job.hpp"
#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/log.hpp"
#include "src/run_lock.hpp"
#include "src/strings.hpp"
#include "src/utf8.hpp"
#include "src/xxh64.hpp"

namespace plmkit::pipelines {
namespace {

constexpr int kStateVersion = 1;
const char* const kStateFile = "state.json";
const char* const kLockFile = "lock";

bool exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

std::uint64_t get_u64(const nlohmann::json& j, const char* key, const std::string& path) {
    if (!j.contains(key) || !j[key].is_number_unsigned())
        throw InputError(path + ": a part has no count '" + key +
                         "' (not a state written by plmkit embed; delete its folder)");
    return j[key].get<std::uint64_t>();
}

std::string part_name(std::size_t k) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "part-%06zu.h5", k);
    return buf;
}

}  // namespace

EmbedCheckpoint::EmbedCheckpoint(std::string output)
    : output_(std::move(output)), dir_(dir_for(output_)) {}

EmbedCheckpoint::~EmbedCheckpoint() {
    if (!lock_) return;
    lock_.reset();
    std::error_code ec;
    if (std::filesystem::is_empty(dir_, ec) && !ec) std::filesystem::remove(dir_, ec);
}

std::string EmbedCheckpoint::lock_path() const {
    return dir_ + "/" + kLockFile;
}

std::string EmbedCheckpoint::dir_for(const std::string& output) {
    return output + ".partial";
}

void EmbedCheckpoint::open(bool resume) {
    std::error_code ec;
    std::filesystem::create_directory(dir_, ec);
    if (ec) throw IoError(dir_ + ": cannot create the checkpoint folder: " + ec.message());
    // Two runs writing the same output (a job started twice, a doubled Slurm
    // array task) would mix their parts: the second is refused here.
    lock_ = std::make_unique<RunLock>(lock_path(), "plmkit embed writing '" + output_ + "'");
    const std::string path = dir_ + "/" + kStateFile;
    // A folder without state.json holds no finished part (at most the
    // temporary files of one being written): nothing to keep.
    if (!exists(path)) {
        if (resume)
            log_info("--resume: no checkpoints in " + dir_ + ": starting at the first record");
        return;
    }
    nlohmann::json j = read_json_file(path);
    if (!j.is_object() || j.value("plmkit_embed_checkpoint", 0) != kStateVersion ||
        !j.contains("fingerprint") || !j["fingerprint"].is_object() || !j.contains("parts") ||
        !j["parts"].is_array())
        throw InputError(path +
                         ": not a checkpoint state of this plmkit embed (expected "
                         "plmkit_embed_checkpoint " +
                         std::to_string(kStateVersion) + "); delete " + dir_ + " to start over");
    for (const auto& [k, v] : j["fingerprint"].items())
        loaded_fingerprint_[k] = v.is_string() ? v.get<std::string>() : v.dump();
    for (const auto& p : j["parts"]) {
        EmbedPartCounts c;
        c.records_end = get_u64(p, "records_end", path);
        c.read = get_u64(p, "read", path);
        c.accepted = get_u64(p, "accepted", path);
        c.truncated = get_u64(p, "truncated", path);
        c.rejected = get_u64(p, "rejected", path);
        c.residues = get_u64(p, "residues", path);
        parts_.push_back(c);
    }
    if (parts_.empty()) return;
    if (!resume)
        throw UsageError(dir_ + " holds " + count_noun(parts_.size(), "finished part") +
                         " of an interrupted run writing " + output_ + " (" +
                         count_noun(done().read, "record") +
                         " done): run the same command with --resume to continue it, "
                         "or delete " +
                         dir_ + " to start over");
    loaded_ = true;
    for (std::size_t k = 0; k < parts_.size(); ++k)
        if (!exists(part_path(k)) || !exists(rejects_path_for(part_path(k))))
            throw InputError(dir_ + ": " + part_name(k) + " (or its rejects file) listed in " +
                             kStateFile + " is missing; delete " + dir_ + " to start over");
}

namespace {

/// " (--seq-col)" for a fingerprint entry an option sets, so that the refusal
/// names the option to change back; "" for the others.
std::string option_of(const std::string& name) {
    static const std::map<std::string, std::string> kOptions = {
        {"seq_col", "--seq-col"},
        {"id_col", "--id-col"},
        {"input_format", "--format"},
        {"truncate", "--truncate"},
        {"long_policy", "--long"},
        {"include", "--include"},
        {"layers", "--layers"},
        {"max_tokens", "--max-tokens"},
        {"dtype", "--dtype"},
        {"model_dir", "--model"},
        {"input", "--input"},
        {"shard", "--shard"},
        {"checkpoint_every", "--checkpoint-every"}};
    const auto it = kOptions.find(name);
    return it == kOptions.end() ? "" : " (" + it->second + ")";
}

}  // namespace

void EmbedCheckpoint::start(const EmbedFingerprint& fingerprint) {
    fingerprint_ = fingerprint;
    if (loaded_) {
        for (const auto& [name, value] : fingerprint_) {
            auto it = loaded_fingerprint_.find(name);
            const std::string was = it == loaded_fingerprint_.end() ? "(absent)" : it->second;
            if (was != value && was != escape_invalid_utf8(value))  // as written: \xHH
                throw UsageError(
                    "--resume: this run differs from the interrupted one in " + dir_ + ": '" +
                    name + "'" + option_of(name) + " is '" + value + "', it was '" + was +
                    "'; run the interrupted command again (same options and input), or delete " +
                    dir_ + " to start over");
        }
        log_info("--resume: " + count_noun(parts_.size(), "part") + " in " + dir_ +
                 (parts_.size() == 1 ? " holds " : " hold ") + count_noun(done().read, "record") +
                 "; continuing with input record " + std::to_string(done().records_end + 1));
        return;
    }
    parts_.clear();
    std::error_code ec;
    std::filesystem::create_directory(dir_, ec);
    if (ec) throw IoError(dir_ + ": cannot create the checkpoint folder: " + ec.message());
}

EmbedPartCounts EmbedCheckpoint::done() const {
    EmbedPartCounts sum;
    for (const auto& p : parts_) {
        sum.records_end = p.records_end;
        sum.read += p.read;
        sum.accepted += p.accepted;
        sum.truncated += p.truncated;
        sum.rejected += p.rejected;
        sum.residues += p.residues;
    }
    return sum;
}

std::string EmbedCheckpoint::part_path(std::size_t k) const {
    return dir_ + "/" + part_name(k);
}

std::vector<std::string> EmbedCheckpoint::part_paths() const {
    std::vector<std::string> out;
    for (std::size_t k = 0; k < parts_.size(); ++k)
        out.push_back(part_path(k));
    return out;
}

void EmbedCheckpoint::write_state() const {
    nlohmann::json j;
    j["plmkit_embed_checkpoint"] = kStateVersion;
    j["output"] = output_;
    j["fingerprint"] = fingerprint_;
    j["parts"] = nlohmann::json::array();
    for (std::size_t k = 0; k < parts_.size(); ++k) {
        const auto& p = parts_[k];
        j["parts"].push_back({{"file", part_name(k)},
                              {"records_end", p.records_end},
                              {"read", p.read},
                              {"accepted", p.accepted},
                              {"truncated", p.truncated},
                              {"rejected", p.rejected},
                              {"residues", p.residues}});
    }
    write_json_file(dir_ + "/" + kStateFile, j);
}

void EmbedCheckpoint::commit_part(const EmbedPartCounts& counts) {
    parts_.push_back(counts);
    write_state();
    ++committed_here_;
    if (const char* k = std::getenv("PLMKIT_TEST_KILL_AFTER_PARTS")) {
        const std::string after = std::to_string(committed_here_);
        if (after == k) std::raise(SIGKILL);
        if (after + ":INT" == k) std::raise(SIGINT);
    }
}

void EmbedCheckpoint::remove() {
    std::error_code ec;
    for (std::size_t k = 0; k < parts_.size(); ++k) {
        std::filesystem::remove(part_path(k), ec);
        std::filesystem::remove(rejects_path_for(part_path(k)), ec);
    }
    std::filesystem::remove(dir_ + "/" + kStateFile, ec);
    lock_.reset();
    // Parts written after the last state update (a kill in between) are ours too.
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("part-", 0) == 0 || name.rfind(".part-", 0) == 0)
            std::filesystem::remove(e.path(), ec);
    }
    if (!std::filesystem::remove(dir_, ec) || ec)
        log_warn(dir_ + ": left in place (not empty?): " + ec.message());
}

namespace {
/// A part is read once, by the join, which compresses what it writes.
EmbeddingFileLayout uncompressed(EmbeddingFileLayout layout) {
    layout.gzip_level = 0;
    return layout;
}
}  // namespace

EmbedPart::EmbedPart(const std::string& path, const EmbeddingFileLayout& layout,
                     const std::vector<Hdf5Attribute>& attributes)
    : h5_(std::make_unique<AtomicFile>(path)),
      file_(std::make_unique<EmbeddingFile>(h5_->temp_path(), uncompressed(layout))),
      rejects_(std::make_unique<CsvWriter>(rejects_path_for(path), '\t')) {
    rejects_->header({"id", "line", "reason"});
    for (const auto& a : attributes) {
        if (a.is_string)
            file_->set_attribute(a.name, a.text);
        else
            file_->set_attribute(a.name, a.number);
    }
}

EmbedPart::~EmbedPart() = default;

void EmbedPart::commit(const EmbedPartCounts& counts) {
    file_->set_attribute("num_sequences", static_cast<std::int64_t>(counts.accepted));
    file_->set_attribute("num_truncated", static_cast<std::int64_t>(counts.truncated));
    file_->set_attribute("num_rejected", static_cast<std::int64_t>(counts.rejected));
    file_->close();
    rejects_->close();
    h5_->commit();
}

void add_input_fingerprint(EmbedFingerprint& fp, const std::string& input) {
    std::ifstream in(input, std::ios::binary);
    if (!in) throw IoError(input + ": cannot read the input to fingerprint it: " + errno_message());
    Xxh64 h;
    std::vector<char> buf(std::size_t{1} << 20);
    std::uint64_t size = 0;
    while (in) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        h.update(buf.data(), n);
        size += n;
    }
    if (in.bad()) throw IoError(input + ": read error: " + errno_message());
    fp["input_bytes"] = std::to_string(size);
    fp["input_xxh64"] = h.hex();
}

}  // namespace plmkit::pipelines
