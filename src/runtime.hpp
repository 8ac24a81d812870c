#pragma once
// Process-wide set-up for long runs: allocator tuning, signal handling,
// hardware facts.
#include <string>

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

/// Cores this process may run on (sched_getaffinity), at least 1.
int available_cores();

/// Logical cores of the machine (std::thread::hardware_concurrency), at
/// least 1 (and at least available_cores()).
int machine_cores();

/// The warning for `threads` threads asked with `option` when they exceed
/// `cores`, the cores this process may run on (of `machine` in the machine;
/// fewer when a CPU affinity limits the process); "" when they do not (0, the
/// default, means all cores). Not a CFS quota (docker --cpus): plmkit does not
/// read cgroup limits.
std::string threads_over_cores_message(const std::string& option, int threads, int cores,
                                       int machine);

/// log_warn of threads_over_cores_message for this process's cores, once per
/// process (a command may set its threads more than once).
void warn_if_threads_over_cores(const std::string& option, int threads);

/// Peak resident set size of this process in bytes (getrusage).
long long peak_rss_bytes();

}  // namespace plmkit
