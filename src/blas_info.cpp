#include "src/blas_info.hpp"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <vector>

namespace plmkit {
namespace {

int collect(struct dl_phdr_info* info, size_t, void* data) {
    auto* out = static_cast<std::vector<std::string>*>(data);
    if (info->dlpi_name && *info->dlpi_name) out->emplace_back(info->dlpi_name);
    return 0;
}

std::string resolve(const std::string& path) {
    char buf[PATH_MAX];
    if (realpath(path.c_str(), buf)) return buf;
    return path;
}

bool contains(const std::string& s, const char* what) {
    return s.find(what) != std::string::npos;
}

// Set by use_fast_blas_kernels() for the re-executed process: the kernels
// OpenBLAS had picked itself.
constexpr const char* kReplacedCoreEnv = "PLMKIT_OPENBLAS_REPLACED_CORE";

std::string openblas_core() {
    using name_fn = char* (*)();
    auto fn = reinterpret_cast<name_fn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
    return fn ? std::string(fn()) : std::string();
}

#if defined(__x86_64__)
std::string lower(std::string s) {
    for (char& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// 3: AVX-512 kernels, 2: AVX2+FMA, 1: AVX, 0: SSE only (OpenBLAS core names).
int core_level(const std::string& core) {
    const std::string c = lower(core);
    for (const char* k : {"skylakex", "cooperlake", "sapphirerapids"})
        if (c == k) return 3;
    for (const char* k : {"haswell", "zen", "zen4", "zen5"})
        if (c == k) return 2;
    if (c == "sandybridge") return 1;
    return 0;
}

int cpu_level() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512cd"))
        return 3;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 2;
    if (__builtin_cpu_supports("avx")) return 1;
    return 0;
}
#endif

}  // namespace

BlasInfo detect_blas() {
    BlasInfo info;
    info.name = "unknown";
    std::vector<std::string> libs;
    dl_iterate_phdr(collect, &libs);
    for (const auto& lib : libs) {
        std::string real = resolve(lib);
        if (contains(lib, "libblas") || contains(real, "blas") || contains(real, "mkl")) {
            if (info.library.empty() || contains(lib, "libblas.so")) info.library = real;
        }
    }
    using config_fn = char* (*)();
    if (auto fn = reinterpret_cast<config_fn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        info.name = "OpenBLAS";
        info.detail = fn();
        info.core = openblas_core();
        if (const char* was = getenv(kReplacedCoreEnv)) info.replaced_core = was;
    } else if (dlsym(RTLD_DEFAULT, "bli_info_get_version_str")) {
        info.name = "BLIS";
    } else if (dlsym(RTLD_DEFAULT, "mkl_get_max_threads")) {
        info.name = "MKL";
    } else if (dlsym(RTLD_DEFAULT, "sgemm_")) {
        // Debian's generic libblas.so.3 alternative: the Netlib reference code.
        bool ref = contains(info.library, "/blas/libblas") || contains(info.library, "libblas.so");
        info.name = ref ? "reference BLAS" : "unknown";
        info.is_reference = ref && !contains(info.library, "atlas");
        if (contains(info.library, "atlas")) info.name = "ATLAS";
    }
    return info;
}

void use_fast_blas_kernels(char** argv) {
#if defined(__x86_64__)
    if (getenv("OPENBLAS_CORETYPE") || getenv(kReplacedCoreEnv)) return;
    const std::string core = openblas_core();
    if (core.empty()) return;  // not OpenBLAS
    const int have = core_level(core), can = cpu_level();
    if (have >= can) return;
    static const char* const kCore[] = {"", "SANDYBRIDGE", "HASWELL", "SKYLAKEX"};
    setenv("OPENBLAS_CORETYPE", kCore[can], 1);
    setenv(kReplacedCoreEnv, core.c_str(), 1);
    execv("/proc/self/exe", argv);
    // Could not re-execute (no /proc?): go on with OpenBLAS's own choice.
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv(kReplacedCoreEnv);
#else
    (void)argv;
#endif
}

}  // namespace plmkit
