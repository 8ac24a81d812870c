#include "pipelines/shard.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "src/error.hpp"
#include "src/output_names.hpp"

namespace plmkit::pipelines {
namespace {

/// A non-negative decimal integer, or nothing (no sign, no spaces, no overflow).
std::optional<std::int64_t> parse_count(const std::string& s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::int64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

Shard checked(const std::string& what, std::int64_t index, std::int64_t count) {
    if (count < 1)
        throw UsageError(what + ": count must be at least 1, got " + std::to_string(count));
    if (index >= count)
        throw UsageError(what + ": index must be < count (" + std::to_string(index) +
                         " >= " + std::to_string(count) + "; shards are numbered 0.." +
                         std::to_string(count - 1) + ")");
    return Shard{index, count};
}

std::int64_t env_number(const EnvLookup& env, const char* name,
                        std::optional<std::int64_t> fallback) {
    const char* v = env(name);
    if (!v || !*v) {
        if (fallback) return *fallback;
        throw UsageError(std::string("--shard auto: ") + name +
                         " is not set (auto works inside a Slurm job array, sbatch --array=...; "
                         "elsewhere pass --shard I/N)");
    }
    auto n = parse_count(v);
    if (!n) throw UsageError(std::string("--shard auto: ") + name + "='" + v + "' is not a number");
    return *n;
}

Shard parse_auto(const EnvLookup& env) {
    std::int64_t id = env_number(env, "SLURM_ARRAY_TASK_ID", std::nullopt);
    std::int64_t count = env_number(env, "SLURM_ARRAY_TASK_COUNT", std::nullopt);
    std::int64_t min = env_number(env, "SLURM_ARRAY_TASK_MIN", 0);
    std::int64_t step = env_number(env, "SLURM_ARRAY_TASK_STEP", 1);
    if (step < 1) step = 1;
    const std::string ids = "SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
                            ", SLURM_ARRAY_TASK_COUNT=" + std::to_string(count);
    // sbatch --array=2 (re-running shard 2 of a larger array) makes an array
    // of one task: COUNT=1, MIN=MAX=ID=2. The shard count is then unknowable,
    // and taking it as 0/1 would process the whole input under a shard's name.
    if (count == 1)
        throw UsageError("--shard auto (" + ids +
                         "): a job array of one task, e.g. one shard re-run with sbatch --array=" +
                         std::to_string(id) +
                         ", does not tell the number of shards; pass --shard auto/N (the task id "
                         "is the shard index) or --shard " +
                         std::to_string(id) + "/N");
    if (id < min || (id - min) % step != 0)
        throw UsageError("--shard auto: SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
                         " is not in the array " + std::to_string(min) +
                         "-...:" + std::to_string(step) + "; pass --shard I/N");
    // A list such as --array=1,3 (a re-run of some shards) is not the range
    // MIN-MAX:STEP, so COUNT is not the number of shards either.
    const char* max_text = env("SLURM_ARRAY_TASK_MAX");
    if (max_text && *max_text) {
        std::int64_t max = env_number(env, "SLURM_ARRAY_TASK_MAX", std::nullopt);
        if (max < min || (max - min) / step + 1 != count)
            throw UsageError("--shard auto (" + ids + ", SLURM_ARRAY_TASK_MIN=" +
                             std::to_string(min) + ", SLURM_ARRAY_TASK_MAX=" + std::to_string(max) +
                             "): the array is not the full range " + std::to_string(min) + "-" +
                             std::to_string(max) +
                             " (a re-run of some shards?), so its task count is not the number "
                             "of shards; pass --shard auto/N");
    }
    return checked("--shard auto (" + ids + ")", (id - min) / step, count);
}

/// "auto/N": shard SLURM_ARRAY_TASK_ID of N, whatever else the array holds.
Shard parse_auto_of(const std::string& text, const EnvLookup& env) {
    auto count = parse_count(text.substr(5));
    if (!count)
        throw UsageError("--shard " + text +
                         ": expected auto/N with a whole number N (e.g. auto/4)");
    std::int64_t id = env_number(env, "SLURM_ARRAY_TASK_ID", std::nullopt);
    return checked("--shard " + text + " (SLURM_ARRAY_TASK_ID=" + std::to_string(id) + ")", id,
                   *count);
}

}  // namespace

std::string Shard::to_string() const {
    return std::to_string(index) + "/" + std::to_string(count);
}

Shard parse_shard(const std::string& text, const EnvLookup& env) {
    if (text.empty()) return Shard{};
    if (text == "auto" || text.rfind("auto/", 0) == 0) {
        EnvLookup lookup =
            env ? env : [](const char* name) -> const char* { return std::getenv(name); };
        return text == "auto" ? parse_auto(lookup) : parse_auto_of(text, lookup);
    }
    std::string what = "--shard " + text;
    auto slash = text.find('/');
    if (slash == std::string::npos)
        throw UsageError(what + ": expected I/N (shard I of N, e.g. 0/4) or auto");
    auto index = parse_count(text.substr(0, slash));
    auto count = parse_count(text.substr(slash + 1));
    if (!index || !count)
        throw UsageError(what + ": expected I/N with whole numbers 0 <= I < N (e.g. 0/4) or auto");
    return checked(what, *index, *count);
}

std::string shard_path(const std::string& path, const std::string& index_text, std::int64_t count) {
    // Before the extension as output_names.hpp defines it (hits.csv.gz ->
    // hits.shard-0-of-4.csv.gz; no extension: appended).
    const NameParts parts = split_extension(path);
    return parts.stem + ".shard-" + index_text + "-of-" + std::to_string(count) + parts.extension;
}

std::string shard_path(const std::string& path, const Shard& shard) {
    return shard_path(path, std::to_string(shard.index), shard.count);
}

std::optional<Shard> shard_in_name(const std::string& path) {
    const std::string name = std::filesystem::path(path).filename().string();
    const std::size_t at = name.rfind(".shard-");
    if (at == std::string::npos) return std::nullopt;
    long long i = -1, n = -1;
    if (std::sscanf(name.c_str() + at, ".shard-%lld-of-%lld", &i, &n) != 2 || i < 0 || n < 1 ||
        i >= n)
        return std::nullopt;
    return Shard{static_cast<std::int64_t>(i), static_cast<std::int64_t>(n)};
}

std::string shard_glob(const std::string& path) {
    const auto shard = shard_in_name(path);
    if (!shard) return "";
    // shard_in_name read the last ".shard-" of the file name.
    const std::size_t at = path.rfind(".shard-") + std::string(".shard-").size();
    const std::size_t of = path.find("-of-", at);
    return path.substr(0, at) + "*" + path.substr(of);
}

std::string shard_output_path(const std::string& path, const Shard& shard,
                              const std::string& option) {
    if (shard.whole() || path.empty() || path == "-") return path;
    if (auto named = shard_in_name(path)) {
        if (*named == shard) return path;
        throw UsageError(option + " " + path + ": the name says shard " + named->to_string() +
                         " but this is --shard " + shard.to_string());
    }
    return shard_path(path, shard);
}

}  // namespace plmkit::pipelines
