#pragma once
// An exclusive lock that keeps two runs from writing the same output at once
// (a job launched twice, a Slurm array with a duplicated task id). The lock is
// a file created with O_CREAT|O_EXCL (atomic on local disks and on NFS v3+,
// Lustre and GPFS, where flock() may not reach other nodes) holding the
// holder's pid, host, start time, command line and Slurm job. A second run
// finds it and is refused (UsageError, exit code 2) with a message naming the
// file, the holder and what to do. A lock left by a process that no longer
// runs is stale and is taken over with a warning: a dead pid on this host (or
// a live pid that is another process, started at another time), or the same
// Slurm job at an earlier restart (a requeued job, possibly on another node).
// The lock file is removed when the RunLock is destroyed.
#include <string>

namespace plmkit {

/// What a lock file says about its holder.
struct RunLockHolder {
    long pid = 0;
    std::string host;
    std::string started;     ///< UTC, ISO 8601
    std::string proc_start;  ///< the process's start time in clock ticks (/proc), "" unknown
    std::string command;
    std::string slurm_job;   ///< SLURM_JOB_ID, "" outside Slurm
    long slurm_restart = 0;  ///< SLURM_RESTART_COUNT
};

class RunLock {
  public:
    /// Takes the lock at `path`. `job` names the work it guards, for the
    /// messages ("plmkit embed writing 'emb.h5'"). UsageError when another
    /// live run holds it; IoError when the file cannot be created.
    RunLock(std::string path, std::string job);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

    const std::string& path() const { return path_; }
    /// This process as a holder (what the lock file records).
    static RunLockHolder self();
    /// Why `holder` no longer holds a lock ("" when it may still run).
    static std::string stale_reason(const RunLockHolder& holder);

  private:
    bool try_create();
    void refuse(const RunLockHolder& holder) const;

    std::string path_;
    std::string job_;
    bool held_ = false;
};

}  // namespace plmkit
