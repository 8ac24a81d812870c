#pragma once
// Which BLAS library the process uses (LibTorch's CPU matrix products go
// through it on Debian). The reference BLAS is ~16x slower than OpenBLAS.
#include <string>

namespace plmkit {

struct BlasInfo {
    std::string name;     ///< "OpenBLAS", "BLIS", "MKL", "reference BLAS" or "unknown"
    std::string library;  ///< resolved path of the loaded libblas, if any
    std::string detail;   ///< e.g. OpenBLAS's build configuration
    bool is_reference = false;
};

BlasInfo detect_blas();

}  // namespace plmkit
