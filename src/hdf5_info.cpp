#include "src/hdf5_info.hpp"

#include <hdf5.h>

namespace plmkit {
std::string hdf5_version() {
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    return std::to_string(maj) + "." + std::to_string(min) + "." + std::to_string(rel);
}
}  // namespace plmkit
