// The one Catch2 main, compiled once and shared by every test binary.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "src/blas_info.hpp"

int main(int argc, char** argv) {
    // The tests run the same BLAS kernels as the plmkit binary.
    plmkit::use_fast_blas_kernels(argv);
    return Catch::Session().run(argc, argv);
}
