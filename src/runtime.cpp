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

int available_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<int>(n) : 1;
}

int machine_cores() {
    const int n = static_cast<int>(std::thread::hardware_concurrency());
    return std::max(n, available_cores());
}

std::string threads_over_cores_message(const std::string& option, int threads, int cores,
                                       int machine) {
    if (threads <= cores) return "";
    const std::string limit =
        machine > cores ? " this process may run on (of " + std::to_string(machine) +
                              " in the machine; its CPU affinity, set by taskset, numactl or a "
                              "Slurm allocation, allows no more)"
                        : " of this machine";
    return option + " " + std::to_string(threads) + " is more than the " + std::to_string(cores) +
           (cores == 1 ? " core" : " cores") + limit +
           ": the threads take turns on the cores, which usually makes the run slower, not "
           "faster; use " +
           option + " " + std::to_string(cores) + " or 0 (all available cores)";
}

void warn_if_threads_over_cores(const std::string& option, int threads) {
    static std::atomic<bool> said{false};
    const std::string message =
        threads_over_cores_message(option, threads, available_cores(), machine_cores());
    if (!message.empty() && !said.exchange(true)) log_warn(message);
}

long long peak_rss_bytes() {
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
    return static_cast<long long>(usage.ru_maxrss) * 1024;
}

}  // namespace plmkit
