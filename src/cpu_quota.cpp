#include "src/cpu_quota.hpp"

#include <climits>
#include <fstream>
#include <optional>
#include <vector>

namespace plmkit {
namespace {

/// The first `limit` bytes of `path`, nullopt when it cannot be opened.
std::optional<std::string> read_text(const std::string& path, std::size_t limit = 1 << 16) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string text;
    char buf[4096];
    while (text.size() < limit) {
        in.read(buf, sizeof buf);
        if (in.gcount() <= 0) break;
        text.append(buf, static_cast<std::size_t>(in.gcount()));
    }
    if (text.size() > limit) text.resize(limit);
    return text;
}

std::vector<std::string> split(const std::string& text, const char* separators) {
    std::vector<std::string> words;
    std::size_t at = text.find_first_not_of(separators);
    while (at != std::string::npos) {
        const std::size_t end = text.find_first_of(separators, at);
        words.push_back(text.substr(at, end == std::string::npos ? end : end - at));
        at = text.find_first_not_of(separators, end);
    }
    return words;
}

/// A positive decimal integer of at most 18 digits, else -1.
long long parse_positive(const std::string& word) {
    if (word.empty() || word.size() > 18 ||
        word.find_first_not_of("0123456789") != std::string::npos)
        return -1;
    const long long n = std::stoll(word);
    return n > 0 ? n : -1;
}

int ceil_cores(long long quota, long long period) {
    if (quota <= 0 || period <= 0) return 0;
    const long long cores = quota / period + (quota % period != 0 ? 1 : 0);
    return cores > INT_MAX ? INT_MAX : static_cast<int>(cores);
}

/// mountinfo writes a space in a path as \040 (and \011, \012, \134).
std::string unescape_octal(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool octal = s[i] == '\\' && i + 3 < s.size() &&
                           s.substr(i + 1, 3).find_first_not_of("01234567") == std::string::npos;
        if (octal) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

/// A cgroup file system mounted at `point`, showing the cgroup `root` there.
struct Mount {
    std::string root = "/";
    std::string point;
};

struct Mounts {
    std::optional<Mount> v2;      ///< the first cgroup2 mount
    std::optional<Mount> v1_cpu;  ///< the first cgroup (v1) mount with the cpu controller
};

bool has_item(const std::string& list, const std::string& item) {
    for (const auto& w : split(list, ","))
        if (w == item) return true;
    return false;
}

/// The cgroup mounts in /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT POINT
/// OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS".
Mounts parse_mountinfo(const std::string& text) {
    Mounts m;
    for (const auto& line : split(text, "\n")) {
        const auto f = split(line, " ");
        std::size_t dash = 6;
        while (dash < f.size() && f[dash] != "-")
            ++dash;
        if (dash + 1 >= f.size()) continue;
        const std::string& type = f[dash + 1];
        const Mount mount{unescape_octal(f[3]), unescape_octal(f[4])};
        if (type == "cgroup2" && !m.v2) m.v2 = mount;
        if (type == "cgroup" && !m.v1_cpu && dash + 3 < f.size() && has_item(f[dash + 3], "cpu"))
            m.v1_cpu = mount;
    }
    return m;
}

/// `path` (from /proc/self/cgroup) below the mount's root: "" for the mount
/// point itself, also for a path outside the root (a cgroup namespace) or
/// one with "..".
std::string below_root(std::string path, const std::string& root) {
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    if (path.empty() || path[0] != '/' || path.find("/..") != std::string::npos) return "";
    if (root == "/") return path == "/" ? "" : path;
    if (path == root) return "";
    if (path.compare(0, root.size() + 1, root + "/") == 0) return path.substr(root.size());
    return "";
}

/// Reads the limit in every folder from the process's cgroup up to the
/// mount point and keeps the tightest in `best`.
template <typename ReadOne>
void walk_up(const std::string& fs_root, const Mount& mount, const std::string& cgroup_path,
             CpuQuota& best, ReadOne read_one) {
    std::string rel = below_root(cgroup_path, mount.root);
    for (int depth = 0; depth < 64; ++depth) {
        const CpuQuota q = read_one(fs_root, mount.point + rel);
        if (q.cores > 0 && (best.cores == 0 || q.cores < best.cores)) best = q;
        if (rel.empty()) break;
        rel = rel.substr(0, rel.rfind('/'));
    }
}

/// The numbers of a quota parse_cpu_max or parse_cfs_quota accepted.
CpuQuota quota_of(const std::string& file, int cores, const std::string& quota,
                  const std::string& period) {
    if (cores == 0) return {};
    return {cores, file, parse_positive(split(quota, " \t\n")[0]),
            parse_positive(split(period, " \t\n")[0])};
}

CpuQuota read_v2(const std::string& fs_root, const std::string& dir) {
    const std::string file = dir + "/cpu.max";
    const auto text = read_text(fs_root + file);
    if (!text) return {};
    const int cores = parse_cpu_max(*text);
    if (cores == 0) return {};
    const auto words = split(*text, " \t\n");  // two: parse_cpu_max checked
    return quota_of(file, cores, words[0], words[1]);
}

CpuQuota read_v1(const std::string& fs_root, const std::string& dir) {
    const std::string file = dir + "/cpu.cfs_quota_us";
    const auto quota = read_text(fs_root + file);
    const auto period = read_text(fs_root + dir + "/cpu.cfs_period_us");
    if (!quota || !period) return {};
    return quota_of(file, parse_cfs_quota(*quota, *period), *quota, *period);
}

/// A mount that mountinfo did not give: the first of `points` that exists.
std::optional<Mount> default_mount(const std::string& fs_root,
                                   const std::vector<std::string>& points) {
    for (const auto& p : points)
        if (std::ifstream(fs_root + p + "/cgroup.procs")) return Mount{"/", p};
    return std::nullopt;
}

CpuQuota read_cpu_quota_or_throw(const std::string& root) {
    CpuQuota best;
    const auto cgroups = read_text(root + "/proc/self/cgroup");
    if (!cgroups) return best;
    const auto mountinfo = read_text(root + "/proc/self/mountinfo", 1 << 22);
    Mounts mounts;
    if (mountinfo) {
        mounts = parse_mountinfo(*mountinfo);
    } else {
        mounts.v2 = default_mount(root, {"/sys/fs/cgroup"});
        mounts.v1_cpu = default_mount(root, {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpu"});
    }
    // "HIERARCHY-ID:CONTROLLERS:PATH": v2 is "0::PATH"; a v1 line lists its
    // controllers ("4:cpu,cpuacct:/docker/abc").
    for (const auto& line : split(*cgroups, "\n")) {
        const auto c1 = line.find(':');
        const auto c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
        if (c2 == std::string::npos) continue;
        const std::string controllers = line.substr(c1 + 1, c2 - c1 - 1);
        const std::string path = line.substr(c2 + 1);
        if (line.compare(0, c1, "0") == 0 && controllers.empty() && mounts.v2)
            walk_up(root, *mounts.v2, path, best, read_v2);
        else if (has_item(controllers, "cpu") && mounts.v1_cpu)
            walk_up(root, *mounts.v1_cpu, path, best, read_v1);
    }
    return best;
}

}  // namespace

std::string CpuQuota::describe() const {
    if (cores == 0) return "";
    const std::string q = std::to_string(quota_us), p = std::to_string(period_us);
    const bool v2 = file.size() >= 8 && file.compare(file.size() - 8, 8, "/cpu.max") == 0;
    return "cgroup " + file + ": " + q + (v2 ? " " + p : " (cpu.cfs_period_us " + p + ")");
}

int parse_cpu_max(const std::string& text) {
    const auto w = split(text, " \t\n");
    if (w.size() != 2 || w[0] == "max") return 0;
    return ceil_cores(parse_positive(w[0]), parse_positive(w[1]));
}

int parse_cfs_quota(const std::string& quota, const std::string& period) {
    const auto q = split(quota, " \t\n");
    const auto p = split(period, " \t\n");
    if (q.size() != 1 || p.size() != 1) return 0;
    return ceil_cores(parse_positive(q[0]), parse_positive(p[0]));
}

CpuQuota read_cpu_quota(const std::string& root) {
    try {
        return read_cpu_quota_or_throw(root);
    } catch (...) {
        return {};  // out of memory reading a file: no quota rather than no run
    }
}

}  // namespace plmkit
