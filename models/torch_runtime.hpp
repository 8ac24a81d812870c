#pragma once
// LibTorch facts and settings for the CLI (no LibTorch types in this header).
#include <string>
#include <vector>

#include "src/device.hpp"

namespace plmkit::models {

/// "1.13.1"
std::string torch_version();
bool cuda_available();
/// One line per visible GPU ("cuda:0"), or empty.
std::vector<std::string> cuda_devices();
/// Intra-op threads for LibTorch; n <= 0 means all available cores.
void set_threads(int n);
int threads();
/// While alive, a multi-threaded OpenBLAS (found at run time; nothing happens
/// with another BLAS) runs each call on the calling thread, so that GEMMs
/// issued from LibTorch's OpenMP threads neither oversubscribe the cores nor
/// fight OpenMP's spinning workers.
class SerialBlasScope {
  public:
    SerialBlasScope();
    ~SerialBlasScope();
    SerialBlasScope(const SerialBlasScope&) = delete;
    SerialBlasScope& operator=(const SerialBlasScope&) = delete;

  private:
    int saved_ = 0;
};

/// `automatic` becomes cuda:0 when a GPU is visible, cpu otherwise; a CUDA
/// request without a GPU is a UsageError.
Device resolve_device(const Device& requested);

}  // namespace plmkit::models
