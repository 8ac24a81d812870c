// read_cpu_quota (src/cpu_quota.hpp) on fake /proc/self and /sys/fs/cgroup
// trees written into a temporary folder, with hand-computed quotas
// (ceil(quota / period)), and the parsers on malformed text.
#include <filesystem>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "src/cpu_quota.hpp"
#include "tests/test_support.hpp"

using plmkit::CpuQuota;
using plmkit::parse_cfs_quota;
using plmkit::parse_cpu_max;
using plmkit::read_cpu_quota;
namespace fs = std::filesystem;
namespace test = plmkit::test;

namespace {

/// A fresh, empty folder standing for "/".
std::string fake_root(const std::string& name) {
    const std::string root = test::temp_path(name);
    fs::remove_all(root);
    fs::create_directories(root);
    return root;
}

/// Writes `text` at `root` + `path`, creating the folders.
void put(const std::string& root, const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(root + path).parent_path());
    test::write_file(root + path, text);
}

// mountinfo lines as a kernel writes them (pure v2; v1 cpu,cpuacct with the
// container's cgroup as the mount's root, as docker without a cgroup
// namespace shows it).
const std::string kV2Mount =
    "24 30 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
const std::string kProcMount =
    "22 30 0:20 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n";

}  // namespace

TEST_CASE("cpu quota: cgroup v2 cpu.max", "[core][runtime][cpu_quota]") {
    const std::string root = fake_root("cpu_quota_v2");
    put(root, "/proc/self/cgroup", "0::/system.slice/job.scope\n");
    put(root, "/proc/self/mountinfo", kProcMount + kV2Mount);
    const std::string dir = "/sys/fs/cgroup/system.slice/job.scope";

    SECTION("200000 100000: 2 cores") {
        put(root, dir + "/cpu.max", "200000 100000\n");
        const CpuQuota q = read_cpu_quota(root);
        CHECK(q.cores == 2);
        CHECK(q.file == dir + "/cpu.max");
        CHECK(q.quota_us == 200000);
        CHECK(q.period_us == 100000);
        CHECK(q.describe() == "cgroup " + dir + "/cpu.max: 200000 100000");
    }
    SECTION("max 100000: no quota") {
        put(root, dir + "/cpu.max", "max 100000\n");
        CHECK(read_cpu_quota(root).cores == 0);
        CHECK(read_cpu_quota(root).describe().empty());
    }
    SECTION("a fraction rounds up: 150000 100000 is 1.5 cores, counted as 2") {
        put(root, dir + "/cpu.max", "150000 100000\n");
        CHECK(read_cpu_quota(root).cores == 2);
    }
    SECTION("a parent's tighter quota applies to its children") {
        put(root, dir + "/cpu.max", "400000 100000\n");
        put(root, "/sys/fs/cgroup/system.slice/cpu.max", "300000 100000\n");
        put(root, "/sys/fs/cgroup/cpu.max", "max 100000\n");
        const CpuQuota q = read_cpu_quota(root);
        CHECK(q.cores == 3);
        CHECK(q.file == "/sys/fs/cgroup/system.slice/cpu.max");
    }
    SECTION("the own cgroup's when it is the tighter one") {
        put(root, dir + "/cpu.max", "50000 100000\n");
        put(root, "/sys/fs/cgroup/system.slice/cpu.max", "300000 100000\n");
        CHECK(read_cpu_quota(root).cores == 1);
        CHECK(read_cpu_quota(root).file == dir + "/cpu.max");
    }
    SECTION("no cpu.max anywhere: no quota") {
        CHECK(read_cpu_quota(root).cores == 0);
    }
}

TEST_CASE("cpu quota: a container's own cgroup at the mount point", "[core][runtime][cpu_quota]") {
    const std::string root = fake_root("cpu_quota_ns");
    SECTION("v2 in a cgroup namespace (docker --cpus 2): 0::/") {
        put(root, "/proc/self/cgroup", "0::/\n");
        put(root, "/proc/self/mountinfo", kV2Mount);
        put(root, "/sys/fs/cgroup/cpu.max", "200000 100000\n");
        CHECK(read_cpu_quota(root).cores == 2);
    }
    SECTION("v2 without mountinfo: /sys/fs/cgroup") {
        put(root, "/proc/self/cgroup", "0::/user.slice\n");
        put(root, "/sys/fs/cgroup/cgroup.procs", "");
        put(root, "/sys/fs/cgroup/user.slice/cpu.max", "300000 100000\n");
        CHECK(read_cpu_quota(root).cores == 3);
    }
    SECTION("v1 without a namespace: the mount's root is the container's cgroup") {
        put(root, "/proc/self/cgroup",
            "12:memory:/docker/abc123\n4:cpu,cpuacct:/docker/abc123\n1:name=systemd:/docker/"
            "abc123\n");
        put(root, "/proc/self/mountinfo",
            kProcMount +
                "35 31 0:30 /docker/abc123 /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup "
                "rw,cpu,cpuacct\n");
        put(root, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "150000\n");
        put(root, "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        const CpuQuota q = read_cpu_quota(root);
        CHECK(q.cores == 2);
        CHECK(q.file == "/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us");
        CHECK(q.describe() ==
              "cgroup /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us: 150000 (cpu.cfs_period_us "
              "100000)");
    }
}

TEST_CASE("cpu quota: cgroup v1 cpu.cfs_quota_us / cpu.cfs_period_us",
          "[core][runtime][cpu_quota]") {
    const std::string root = fake_root("cpu_quota_v1");
    // The hybrid layout of a systemd host: v1 controllers, v2 without cpu.
    put(root, "/proc/self/cgroup", "5:memory:/batch/7\n3:cpu:/batch/7\n0::/batch/7\n");
    put(root, "/proc/self/mountinfo",
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n");
    const std::string dir = "/sys/fs/cgroup/cpu/batch/7";
    put(root, dir + "/cpu.cfs_period_us", "100000\n");

    SECTION("quota 300000, period 100000: 3 cores") {
        put(root, dir + "/cpu.cfs_quota_us", "300000\n");
        const CpuQuota q = read_cpu_quota(root);
        CHECK(q.cores == 3);
        CHECK(q.quota_us == 300000);
        CHECK(q.period_us == 100000);
        CHECK(q.describe() == "cgroup " + dir +
                                  "/cpu.cfs_quota_us: 300000 (cpu.cfs_period_us "
                                  "100000)");
    }
    SECTION("quota -1: no quota") {
        put(root, dir + "/cpu.cfs_quota_us", "-1\n");
        CHECK(read_cpu_quota(root).cores == 0);
    }
    SECTION("a v2 quota on the same process counts too: the tighter wins") {
        put(root, dir + "/cpu.cfs_quota_us", "300000\n");
        put(root, "/sys/fs/cgroup/unified/batch/7/cpu.max", "100000 100000\n");
        CHECK(read_cpu_quota(root).cores == 1);
    }
    SECTION("the memory controller's folder is not read for cpu") {
        put(root, "/sys/fs/cgroup/memory/batch/7/cpu.cfs_quota_us", "100000\n");
        put(root, "/sys/fs/cgroup/memory/batch/7/cpu.cfs_period_us", "100000\n");
        CHECK(read_cpu_quota(root).cores == 0);
    }
    SECTION("without mountinfo: /sys/fs/cgroup/cpu,cpuacct, then /sys/fs/cgroup/cpu") {
        fs::remove(root + "/proc/self/mountinfo");
        put(root, "/sys/fs/cgroup/cpu/cgroup.procs", "");
        put(root, dir + "/cpu.cfs_quota_us", "200000\n");
        CHECK(read_cpu_quota(root).cores == 2);
    }
}

TEST_CASE("cpu quota: a mount point with a space (mountinfo writes \\040)",
          "[core][runtime][cpu_quota]") {
    const std::string root = fake_root("cpu_quota_octal");
    put(root, "/proc/self/cgroup", "0::/a\n");
    put(root, "/proc/self/mountinfo", "24 30 0:22 / /cg\\040v2 rw - cgroup2 cgroup2 rw\n");
    put(root, "/cg v2/a/cpu.max", "400000 100000\n");
    CHECK(read_cpu_quota(root).cores == 4);
    CHECK(read_cpu_quota(root).file == "/cg v2/a/cpu.max");
}

TEST_CASE("cpu quota: missing files are no quota", "[core][runtime][cpu_quota]") {
    const std::string root = fake_root("cpu_quota_missing");
    CHECK(read_cpu_quota(root).cores == 0);  // no /proc/self/cgroup at all
    put(root, "/proc/self/cgroup", "0::/x\n");
    CHECK(read_cpu_quota(root).cores == 0);  // no mountinfo, no /sys/fs/cgroup
    put(root, "/proc/self/mountinfo", kV2Mount);
    CHECK(read_cpu_quota(root).cores == 0);                      // no cpu.max
    put(root, "/sys/fs/cgroup/x/cpu.cfs_quota_us", "100000\n");  // v1 file on a v2 mount
    CHECK(read_cpu_quota(root).cores == 0);
    // v1: a quota without its period.
    put(root, "/proc/self/cgroup", "3:cpu:/y\n");
    put(root, "/proc/self/mountinfo",
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n");
    put(root, "/sys/fs/cgroup/cpu/y/cpu.cfs_quota_us", "100000\n");
    CHECK(read_cpu_quota(root).cores == 0);
}

TEST_CASE("cpu quota: malformed content is ignored, never a crash", "[core][runtime][cpu_quota]") {
    SECTION("cpu.max text") {
        CHECK(parse_cpu_max("200000 100000") == 2);
        CHECK(parse_cpu_max("200000 100000\n") == 2);
        CHECK(parse_cpu_max("100000 100000") == 1);
        CHECK(parse_cpu_max("1 1000000") == 1);
        CHECK(parse_cpu_max("max 100000\n") == 0);
        for (const std::string& bad : std::vector<std::string>{
                 "", "\n", "max", "200000", "200000 0", "0 100000", "-200000 100000",
                 "200000 -100000", "200000 100000 7", "2e5 100000", "200000.5 100000", "abc def",
                 "9999999999999999999999 1", "200000,100000", std::string("2\0 1", 4),
                 "\xff\xfe garbage"}) {
            INFO("'" << bad << "'");
            CHECK(parse_cpu_max(bad) == 0);
        }
        // 18 digits is the most read; the count is capped, not wrapped.
        CHECK(parse_cpu_max("999999999999999999 1") > 0);
    }
    SECTION("cfs quota and period text") {
        CHECK(parse_cfs_quota("200000\n", "100000\n") == 2);
        CHECK(parse_cfs_quota("250000", "100000") == 3);
        CHECK(parse_cfs_quota("-1\n", "100000\n") == 0);
        CHECK(parse_cfs_quota("200000", "0") == 0);
        CHECK(parse_cfs_quota("200000", "") == 0);
        CHECK(parse_cfs_quota("", "100000") == 0);
        CHECK(parse_cfs_quota("200000 1", "100000") == 0);
        CHECK(parse_cfs_quota("lots", "100000") == 0);
    }
    SECTION("whole fake trees with broken files") {
        const std::string root = fake_root("cpu_quota_malformed");
        put(root, "/proc/self/mountinfo",
            "garbage\n\n- - -\n1 2 3\n24 30 0:22 / /sys/fs/cgroup rw - cgroup2\n" + kV2Mount +
                "\\\\\\ 9 \\0 - cgroup cgroup\n");
        put(root, "/sys/fs/cgroup/cpu.max", "lots of cpu\n");
        for (const std::string& cgroup : std::vector<std::string>{
                 "", "\n", "no colons\n", "::\n", "0:/only-one-colon\n", "0::relative/path\n",
                 "0::/../..\n", "x:cpu:\n", std::string(5000, ':')}) {
            INFO("cgroup '" << cgroup.substr(0, 40) << "'");
            put(root, "/proc/self/cgroup", cgroup);
            CHECK(read_cpu_quota(root).cores == 0);
        }
        // cpu.max a folder instead of a file.
        put(root, "/proc/self/cgroup", "0::/d\n");
        fs::create_directories(root + "/sys/fs/cgroup/d/cpu.max");
        CHECK(read_cpu_quota(root).cores == 0);
        // The broken lines do not hide a good one.
        put(root, "/sys/fs/cgroup/cpu.max", "200000 100000\n");
        CHECK(read_cpu_quota(root).cores == 2);
    }
}
