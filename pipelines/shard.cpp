#include "pipelines/shard.hpp"

#include <cstdlib>
#include <optional>

#include "src/error.hpp"

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
    if (id < min || (id - min) % step != 0)
        throw UsageError("--shard auto: SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
                         " is not in the array " + std::to_string(min) +
                         "-...:" + std::to_string(step) + "; pass --shard I/N");
    return checked("--shard auto (SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
                       ", SLURM_ARRAY_TASK_COUNT=" + std::to_string(count) + ")",
                   (id - min) / step, count);
}

}  // namespace

std::string Shard::to_string() const {
    return std::to_string(index) + "/" + std::to_string(count);
}

Shard parse_shard(const std::string& text, const EnvLookup& env) {
    if (text.empty()) return Shard{};
    if (text == "auto") {
        if (env) return parse_auto(env);
        return parse_auto([](const char* name) -> const char* { return std::getenv(name); });
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
    std::string suffix = ".shard-" + index_text + "-of-" + std::to_string(count);
    auto slash = path.find_last_of('/');
    std::size_t name_start = slash == std::string::npos ? 0 : slash + 1;
    std::string name = path.substr(name_start);
    // The extension is the last dot-suffix (not a leading dot), but ".gz"
    // keeps the one before it (hits.csv.gz -> hits.shard-0-of-4.csv.gz).
    std::size_t dot = name.find_last_of('.');
    if (dot != std::string::npos && dot > 0 && name.substr(dot) == ".gz") {
        std::size_t inner = name.find_last_of('.', dot - 1);
        if (inner != std::string::npos && inner > 0) dot = inner;
    }
    if (dot == std::string::npos || dot == 0) return path + suffix;
    return path.substr(0, name_start + dot) + suffix + name.substr(dot);
}

std::string shard_path(const std::string& path, const Shard& shard) {
    return shard_path(path, std::to_string(shard.index), shard.count);
}

}  // namespace plmkit::pipelines
