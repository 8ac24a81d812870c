#pragma once
// `plmkit slurm screen|embed ...`: turns one plmkit command into a Slurm job
// array of N shards (each runs the command with --shard I/N and writes
// <output>.shard-I-of-N.<ext>) plus a merge job that depends on the array
// (--dependency=afterok) and runs `plmkit merge`. Writes both scripts and,
// when asked, submits them through `sbatch --parsable`.
#include <cstdint>
#include <string>
#include <vector>

namespace plmkit::pipelines {

struct SlurmJobOptions {
    std::string kind;               ///< "screen" or "embed"
    std::vector<std::string> args;  ///< arguments of `plmkit <kind>` (must include --output)
    std::int64_t array = 0;         ///< N shards (array tasks 0..N-1)
    std::string partition;          ///< #SBATCH --partition (empty: cluster default)
    std::string time;               ///< #SBATCH --time, e.g. 02:00:00
    std::string mem;                ///< #SBATCH --mem, e.g. 8G
    int cpus_per_task = 0;          ///< #SBATCH --cpus-per-task (0: cluster default)
    /// The --threads in `args` as the command's parser read it (-1: none;
    /// the CLI sets it). More than cpus_per_task is a UsageError; none with
    /// cpus_per_task set makes the tasks run with --threads 0, all the CPUs
    /// Slurm gives each (screen's own default is 1 thread).
    int threads = -1;
    std::string gpus;               ///< #SBATCH --gpus, e.g. 1 or a100:1 (array tasks only)
    std::string workdir;            ///< scripts and logs; default "<output>.slurm"
    std::string plmkit_binary;      ///< absolute path written into the scripts
    std::string cwd;                ///< where the jobs run (relative paths); default: current
    std::string sbatch = "sbatch";  ///< the sbatch program
    bool submit = false;
};

struct SlurmJobPlan {
    std::string array_script;                ///< <workdir>/<kind>-array.sh
    std::string merge_script;                ///< <workdir>/<kind>-merge.sh
    std::string output;                      ///< the merged output
    std::vector<std::string> shard_outputs;  ///< output of each shard, in order
    std::vector<std::string> merge_command;  ///< argv of the merge job's plmkit call
    std::string array_job_id;                ///< set when submitted
    std::string merge_job_id;                ///< set when submitted
};

/// Checks the options, writes both scripts (atomically, mode 755) and, with
/// options.submit, submits them. UsageError for a bad kind/array/arguments
/// (missing --output, a --shard of its own, --threads over --cpus-per-task), IoError when a script
/// cannot be written or sbatch fails (its stderr in the message).
SlurmJobPlan run_slurm_job(const SlurmJobOptions& options);

/// The array job's and merge job's scripts, as text (no files touched).
std::string slurm_array_script(const SlurmJobOptions& options, const SlurmJobPlan& plan);
std::string slurm_merge_script(const SlurmJobOptions& options, const SlurmJobPlan& plan);
/// Works out outputs and the merge command; throws UsageError like run_slurm_job.
SlurmJobPlan plan_slurm_job(const SlurmJobOptions& options);

/// `s` quoted for a POSIX shell ('...' with embedded quotes escaped), bare
/// when it is made only of safe characters.
std::string shell_quote(const std::string& s);

}  // namespace plmkit::pipelines
