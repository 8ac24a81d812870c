#include "src/blas_info.hpp"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>

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

}  // namespace plmkit
