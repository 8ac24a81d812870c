#pragma once
// Which BLAS library the process uses (LibTorch's CPU matrix products go
// through it on Debian). The reference BLAS is ~16x slower than OpenBLAS.
#include <string>

namespace plmkit {

struct BlasInfo {
    std::string name;     ///< "OpenBLAS", "BLIS", "MKL", "reference BLAS" or "unknown"
    std::string library;  ///< resolved path of the loaded libblas, if any
    std::string detail;   ///< e.g. OpenBLAS's build configuration
    std::string core;     ///< OpenBLAS: the kernels it runs ("SkylakeX", "Haswell", ...)
    /// OpenBLAS: the kernels it had picked itself when plmkit chose others
    /// (see use_fast_blas_kernels); empty otherwise.
    std::string replaced_core;
    bool is_reference = false;
};

BlasInfo detect_blas();

/// OpenBLAS picks its kernels from the CPU model number, and a release older
/// than the CPU falls back to its slowest x86-64 kernels (Debian 12's 0.3.21
/// runs "Prescott" SSE3 code on Emerald Rapids Xeons, family 6 model 207:
/// ESM-2 inference 3-4x slower). It reads OPENBLAS_CORETYPE only while
/// it is loaded, before main(), so when the kernels are weaker than the CPU's
/// instruction set this sets OPENBLAS_CORETYPE from the CPU's features
/// (AVX-512 -> SKYLAKEX, AVX2+FMA -> HASWELL, AVX -> SANDYBRIDGE) and
/// re-executes the program (/proc/self/exe with the same argv), once. It does
/// nothing when OPENBLAS_CORETYPE is already set (the user's choice), when the
/// BLAS is not OpenBLAS, or off x86-64; if the re-exec fails the program goes
/// on as it is. Call first thing in main(), before any thread starts.
void use_fast_blas_kernels(char** argv);

}  // namespace plmkit
