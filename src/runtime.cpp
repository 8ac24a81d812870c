#include "src/runtime.hpp"

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit {
namespace {

std::atomic<bool> g_interrupted{false};

// Fixed-size table so the signal handler only reads plain char arrays.
constexpr int kMaxCleanup = 64;
constexpr int kMaxPath = 4096;
char g_cleanup[kMaxCleanup][kMaxPath];
std::atomic<bool> g_used[kMaxCleanup];
std::mutex g_cleanup_mutex;

extern "C" void on_signal(int sig) {
    if (g_interrupted.exchange(true)) {
        // Second signal: clean up and die now.
        for (int i = 0; i < kMaxCleanup; ++i) {
            if (g_used[i].load()) ::unlink(g_cleanup[i]);
        }
        std::signal(sig, SIG_DFL);
        std::raise(sig);
    }
}

}  // namespace

void tune_allocator() {
    // 256 MiB: batches of activations are reused instead of mmap'ed afresh.
    if (!std::getenv("MALLOC_MMAP_THRESHOLD_")) mallopt(M_MMAP_THRESHOLD, 256 << 20);
    if (!std::getenv("MALLOC_TRIM_THRESHOLD_")) mallopt(M_TRIM_THRESHOLD, 1 << 30);
    if (!std::getenv("MALLOC_TOP_PAD_")) mallopt(M_TOP_PAD, 64 << 20);
}

std::string allocator_name() {
    return dlsym(RTLD_DEFAULT, "tc_malloc") ? "tcmalloc" : "glibc";
}

void install_signal_handlers() {
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() {
    return g_interrupted.load();
}

void throw_if_interrupted() {
    if (g_interrupted.load()) throw Interrupted();
}

void register_cleanup_path(const std::string& path) {
    if (path.size() >= kMaxPath) return;
    std::lock_guard<std::mutex> lock(g_cleanup_mutex);
    for (int i = 0; i < kMaxCleanup; ++i) {
        if (!g_used[i].load()) {
            std::memcpy(g_cleanup[i], path.c_str(), path.size() + 1);
            g_used[i].store(true);
            return;
        }
    }
}

void unregister_cleanup_path(const std::string& path) {
    std::lock_guard<std::mutex> lock(g_cleanup_mutex);
    for (int i = 0; i < kMaxCleanup; ++i) {
        if (g_used[i].load() && path == g_cleanup[i]) {
            g_used[i].store(false);
            return;
        }
    }
}

namespace {

int affinity_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<int>(n) : 1;
}

std::string count(int n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// What stops more cores from being used, after "is more than the ".
std::string limit_clause(const CoreLimits& l, int cores) {
    if (l.affinity == cores) {
        if (l.machine <= cores) return count(cores, "core", "cores") + " of this machine";
        return count(cores, "core", "cores") + " this process may run on (of " +
               std::to_string(l.machine) +
               " in the machine; its CPU affinity, set by taskset, numactl or a Slurm "
               "allocation, allows no more)";
    }
    if (l.quota.cores == cores)
        return count(cores, "core", "cores") + " this process may use: a CPU quota of " +
               std::to_string(cores) + " (" + l.quota.describe() +
               "; set by docker --cpus, a Kubernetes CPU limit or systemd CPUQuota) allows no "
               "more, of the " +
               std::to_string(l.affinity) + " its CPU affinity allows";
    return count(cores, "CPU", "CPUs") +
           " Slurm allocated to this task (SLURM_CPUS_PER_TASK=" + std::to_string(cores) +
           "; its CPU affinity allows " + std::to_string(l.affinity) +
           ", as Slurm sets none without its task/affinity or task/cgroup plugin)";
}

/// Why more threads than that is slow, after the limit.
std::string consequence(const CoreLimits& l, int cores) {
    if (l.affinity == cores)
        return "the threads take turns on the cores, which usually makes the run slower, not "
               "faster";
    if (l.quota.cores == cores)
        return "the threads share that CPU time, which usually makes the run slower, not "
               "faster";
    return "the extra threads compete for CPUs with the node's other jobs, which slows them and "
           "usually this run too";
}

}  // namespace

int CoreLimits::cores() const {
    int n = std::max(1, affinity);
    if (quota.cores > 0) n = std::min(n, quota.cores);
    if (slurm_cpus > 0) n = std::min(n, slurm_cpus);
    return n;
}

int parse_slurm_cpus(const char* value) {
    if (!value || !*value || std::strlen(value) > 9) return 0;
    for (const char* p = value; *p; ++p)
        if (*p < '0' || *p > '9') return 0;
    return std::atoi(value);
}

namespace {

/// The limits but the machine's cores (hardware_concurrency reads a /sys
/// file each time; available_cores runs for every parallel_for).
CoreLimits limits_but_machine() {
    // Read once: a run does not change its cgroup or environment under itself.
    static const CpuQuota quota = read_cpu_quota();
    static const int slurm_cpus = parse_slurm_cpus(std::getenv("SLURM_CPUS_PER_TASK"));
    CoreLimits l;
    l.affinity = affinity_cores();
    l.machine = l.affinity;
    l.quota = quota;
    l.slurm_cpus = slurm_cpus;
    return l;
}

}  // namespace

CoreLimits core_limits() {
    CoreLimits l = limits_but_machine();
    l.machine = std::max(static_cast<int>(std::thread::hardware_concurrency()), l.affinity);
    return l;
}

int available_cores() {
    return limits_but_machine().cores();
}

int machine_cores() {
    return core_limits().machine;
}

std::string threads_over_cores_message(const std::string& option, int threads,
                                       const CoreLimits& limits) {
    const int cores = limits.cores();
    if (threads <= cores) return "";
    return option + " " + std::to_string(threads) + " is more than the " +
           limit_clause(limits, cores) + ": " + consequence(limits, cores) + "; use " + option +
           " " + std::to_string(cores) + " or 0 (all available cores)";
}

void warn_if_threads_over_cores(const std::string& option, int threads) {
    static std::atomic<bool> said{false};
    const std::string message = threads_over_cores_message(option, threads, core_limits());
    if (!message.empty() && !said.exchange(true)) log_warn(message);
}

long long peak_rss_bytes() {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
    return static_cast<long long>(usage.ru_maxrss) * 1024;
}

}  // namespace plmkit
