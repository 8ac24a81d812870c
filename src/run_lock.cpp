#include "src/run_lock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "src/error.hpp"
#include "src/json_file.hpp"
#include "src/log.hpp"
#include "src/runtime.hpp"
#include "src/utc_time.hpp"

namespace plmkit {
namespace {

/// A lock file that does not parse is taken for one being written by a run
/// that has just created it, until it is this old.
constexpr std::time_t kUnreadableGraceSeconds = 30;

std::string read_text(const std::string& path, bool& ok) {
    std::ifstream in(path, std::ios::binary);
    ok = static_cast<bool>(in);
    std::ostringstream s;
    if (ok) s << in.rdbuf();
    return s.str();
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
    return buf;
}

/// Field 22 of /proc/<pid>/stat (start time in clock ticks after boot), "" unknown.
std::string proc_start_of(long pid) {
    bool ok = false;
    const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat", ok);
    const auto paren = stat.rfind(')');
    if (!ok || paren == std::string::npos) return "";
    std::istringstream rest(stat.substr(paren + 1));
    std::string field;
    // After the command name: state is field 3, starttime field 22.
    for (int i = 3; i <= 22 && rest >> field; ++i)
        if (i == 22) return field;
    return "";
}

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::string own_command() {
    bool ok = false;
    std::string cmd = read_text("/proc/self/cmdline", ok);
    while (!cmd.empty() && cmd.back() == '\0')
        cmd.pop_back();
    for (char& c : cmd)
        if (c == '\0') c = ' ';
    return cmd;
}

nlohmann::json to_json(const RunLockHolder& h) {
    return {{"pid", h.pid},
            {"host", h.host},
            {"started", h.started},
            {"proc_start", h.proc_start},
            {"command", h.command},
            {"slurm_job", h.slurm_job},
            {"slurm_restart", h.slurm_restart}};
}

/// False when `text` is not a lock file's JSON (empty: still being written).
bool parse_holder(const std::string& text, RunLockHolder& h) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("pid") || !j["pid"].is_number_integer()) return false;
    h.pid = j["pid"].get<long>();
    h.host = j.value("host", "");
    h.started = j.value("started", "");
    h.proc_start = j.value("proc_start", "");
    h.command = j.value("command", "");
    h.slurm_job = j.value("slurm_job", "");
    h.slurm_restart = j.value("slurm_restart", 0L);
    return h.pid > 0;
}

std::string describe(const RunLockHolder& h) {
    std::string s = "pid " + std::to_string(h.pid) + " on host '" + h.host + "'";
    if (!h.slurm_job.empty()) s += " (Slurm job " + h.slurm_job + ")";
    if (!h.started.empty()) s += ", started " + h.started;
    return s;
}

std::time_t age_seconds(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return 0;
    return std::time(nullptr) - st.st_mtime;
}

}  // namespace

RunLockHolder RunLock::self() {
    RunLockHolder h;
    h.pid = static_cast<long>(::getpid());
    h.host = host_name();
    h.started = utc_timestamp();
    h.proc_start = proc_start_of(h.pid);
    h.command = own_command();
    h.slurm_job = env_or_empty("SLURM_JOB_ID");
    const std::string restart = env_or_empty("SLURM_RESTART_COUNT");
    h.slurm_restart = restart.empty() ? 0 : std::atol(restart.c_str());
    return h;
}

std::string RunLock::stale_reason(const RunLockHolder& holder) {
    const RunLockHolder me = self();
    if (!me.slurm_job.empty() && holder.slurm_job == me.slurm_job &&
        holder.slurm_restart < me.slurm_restart)
        return "it is this Slurm job " + me.slurm_job + " before its requeue (restart " +
               std::to_string(holder.slurm_restart) + ", now " + std::to_string(me.slurm_restart) +
               ")";
    if (holder.host != me.host) return "";
    if (::kill(static_cast<pid_t>(holder.pid), 0) != 0 && errno == ESRCH)
        return "that process no longer runs (killed?)";
    const std::string now = proc_start_of(holder.pid);
    if (!holder.proc_start.empty() && !now.empty() && now != holder.proc_start)
        return "that pid is now another process";
    return "";
}

RunLock::RunLock(std::string path, std::string job) : path_(std::move(path)), job_(std::move(job)) {
    for (int attempt = 0; attempt < 5; ++attempt) {
        if (try_create()) return;
        bool ok = false;
        const std::string text = read_text(path_, ok);
        if (!ok) continue;  // removed in the meantime: try again
        RunLockHolder holder;
        std::string reason;
        if (parse_holder(text, holder))
            reason = stale_reason(holder);
        else if (age_seconds(path_) > kUnreadableGraceSeconds)
            reason = "it does not say who holds it (a run killed while writing it?)";
        if (reason.empty()) refuse(holder);
        // Take it over only if it is still the file judged stale: another run
        // may have taken it over first and written its own.
        const std::string aside = path_ + ".stale-" + std::to_string(::getpid());
        if (::rename(path_.c_str(), aside.c_str()) != 0) continue;
        const std::string moved = read_text(aside, ok);
        if (moved == text) {
            log_warn(path_ + ": taking over the lock of " +
                     (holder.pid > 0 ? describe(holder) : std::string("an unknown run")) + ": " +
                     reason);
        } else if (::link(aside.c_str(), path_.c_str()) != 0) {
            log_warn(path_ + ": a lock taken over by another run was lost in a race");
        }
        ::unlink(aside.c_str());
    }
    throw UsageError(path_ + ": cannot take the lock of " + job_ +
                     ": other runs keep taking it; make sure only one such run is started");
}

bool RunLock::try_create() {
    // The text first: nothing may throw between creating the file and
    // writing it, or an empty lock would be left behind.
    const std::string text = json_text(to_json(self())) + "\n";
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) return false;
        throw IoError("cannot create the lock file '" + path_ + "' of " + job_ + ": " +
                      errno_message());
    }
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    const bool closed = ::close(fd) == 0;
    if (!ok || !closed) {
        const std::string why = errno_message();
        ::unlink(path_.c_str());
        throw IoError("cannot write the lock file '" + path_ + "': " + why);
    }
    held_ = true;
    // A second Ctrl-C ends the process at once, without destructors: the
    // signal handler removes the file then.
    register_cleanup_path(path_);
    return true;
}

void RunLock::refuse(const RunLockHolder& holder) const {
    if (holder.pid <= 0)
        throw UsageError("another run of " + job_ + " is starting: its lock file '" + path_ +
                         "' is being written; wait for that run to finish (or, if there is "
                         "none, delete '" +
                         path_ + "' and run again)");
    std::string msg = "another run of " + job_ + " is under way: " + describe(holder) +
                      " holds the lock file '" + path_ + "'";
    if (!holder.command.empty()) msg += " (" + holder.command + ")";
    msg +=
        ". Two runs at once would mix their outputs: wait for it to finish, or stop it. If "
        "that run is no longer running (";
    msg += holder.host == self().host ? "check with ps" : "check on host '" + holder.host + "'";
    msg += holder.slurm_job.empty() ? "" : " or with squeue -j " + holder.slurm_job;
    msg += "), delete '" + path_ + "' and run again";
    throw UsageError(msg);
}

RunLock::~RunLock() {
    if (!held_) return;
    unregister_cleanup_path(path_);
    // Remove the file only while it is ours (not one a run took over, were
    // this one judged stale by mistake).
    bool ok = false;
    RunLockHolder holder;
    if (parse_holder(read_text(path_, ok), holder) && holder.pid == ::getpid() &&
        holder.host == host_name())
        ::unlink(path_.c_str());
}

}  // namespace plmkit
