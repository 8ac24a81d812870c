#pragma once
// Process-wide set-up for long runs: allocator tuning, signal handling,
// hardware facts.
#include <string>

#include "src/cpu_quota.hpp"

namespace plmkit {

/// Keeps large freed blocks in the process instead of returning them to the
/// OS after every batch (glibc's defaults cost 30-45% of CPU time in
/// mmap/munmap and page faults for LibTorch inference). Respects
/// MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ when the user set them.
/// With tcmalloc linked in (CMake PLMKIT_TCMALLOC) glibc's settings do not
/// apply and this does nothing.
void tune_allocator();

/// "tcmalloc" when tcmalloc replaced malloc in this process, else "glibc".
std::string allocator_name();

/// SIGINT/SIGTERM set a flag (checked by long loops through
/// throw_if_interrupted()) and remove registered temporary files.
void install_signal_handlers();
bool interrupted();
/// Throws plmkit::Interrupted when a signal arrived.
void throw_if_interrupted();

/// Temporary files removed if the process is killed by SIGINT/SIGTERM.
void register_cleanup_path(const std::string& path);
void unregister_cleanup_path(const std::string& path);

/// What limits the cores this process may use.
struct CoreLimits {
    int machine = 1;     ///< logical cores of the machine (hardware_concurrency)
    int affinity = 1;    ///< cores the CPU affinity allows (sched_getaffinity)
    CpuQuota quota;      ///< the cgroup CPU quota (cores 0: none)
    int slurm_cpus = 0;  ///< SLURM_CPUS_PER_TASK (0: not set or not a positive count)
    /// The fewest of affinity, quota and Slurm CPUs: what "all available
    /// cores" means. At least 1.
    int cores() const;
};

/// The limits of this process: the affinity as it is now, the cgroup quota
/// and SLURM_CPUS_PER_TASK as they were at the first call.
CoreLimits core_limits();

/// SLURM_CPUS_PER_TASK's value as a count; 0 for null, "" or anything but a
/// positive decimal integer.
int parse_slurm_cpus(const char* value);

/// Cores this process may use, at least 1: the CPU affinity
/// (sched_getaffinity: taskset, numactl, Slurm's task/affinity), a cgroup CPU
/// quota (docker --cpus, Kubernetes CPU limits) and, inside a Slurm job,
/// SLURM_CPUS_PER_TASK, whichever is fewest. Every default thread count
/// (--threads 0) uses it.
int available_cores();

/// Logical cores of the machine (std::thread::hardware_concurrency), at
/// least 1 (and at least the affinity's cores).
int machine_cores();

/// The warning for `threads` threads asked with `option` when they exceed
/// limits.cores(); "" when they do not (0, the default, means all available
/// cores). It names what sets the limit: the machine, the CPU affinity, the
/// cgroup quota (with its file and value) or SLURM_CPUS_PER_TASK.
std::string threads_over_cores_message(const std::string& option, int threads,
                                       const CoreLimits& limits);

/// log_warn of threads_over_cores_message for this process's limits, once
/// per process (a command may set its threads more than once).
void warn_if_threads_over_cores(const std::string& option, int threads);

/// Peak resident set size of this process in bytes (getrusage).
long long peak_rss_bytes();

}  // namespace plmkit
