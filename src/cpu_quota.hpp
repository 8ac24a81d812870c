#pragma once
// The CPU quota of this process's cgroup (docker --cpus, a Kubernetes CPU
// limit, systemd CPUQuota=): a limit on CPU time, not on which cores, so the
// CPU affinity does not show it.
#include <string>

namespace plmkit {

/// A CFS bandwidth limit: `quota` microseconds of CPU time every `period`.
struct CpuQuota {
    int cores = 0;           ///< ceil(quota / period); 0: no quota found
    std::string file;        ///< where the quota was read, e.g. /sys/fs/cgroup/cpu.max
    long long quota_us = 0;  ///< CPU time per period, microseconds
    long long period_us = 0;
    /// "cgroup /sys/fs/cgroup/cpu.max: 200000 100000" or "cgroup
    /// <folder>/cpu.cfs_quota_us: 200000 (cpu.cfs_period_us 100000)"; ""
    /// without a quota.
    std::string describe() const;
};

/// The tightest quota on this process's cgroup and on its ancestors up to
/// the cgroup mount: cgroup v2 `cpu.max` ("200000 100000": 2 cores; "max
/// 100000": none) and cgroup v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`
/// (-1: none). The cgroup comes from /proc/self/cgroup, the mount points from
/// /proc/self/mountinfo (without it: /sys/fs/cgroup for v2,
/// /sys/fs/cgroup/cpu,cpuacct or /sys/fs/cgroup/cpu for v1). `root` goes in
/// front of every path read ("" for this system; tests pass a folder of fake
/// files); CpuQuota::file is the path without it. A missing, unreadable or
/// malformed file counts as no quota: this never throws.
CpuQuota read_cpu_quota(const std::string& root = "");

/// ceil(quota / period) of cgroup v2 `cpu.max` text; 0 for "max PERIOD" (no
/// limit) and for anything malformed (not "QUOTA PERIOD" with positive
/// integers, trailing whitespace allowed).
int parse_cpu_max(const std::string& text);

/// ceil(quota / period) of cgroup v1 `cpu.cfs_quota_us` and
/// `cpu.cfs_period_us` texts; 0 for a quota of -1 (no limit) and for
/// anything malformed.
int parse_cfs_quota(const std::string& quota, const std::string& period);

}  // namespace plmkit
