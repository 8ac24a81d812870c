#pragma once
#include <string>

namespace plmkit {
/// "1.10.8": the HDF5 library version linked at run time.
std::string hdf5_version();
}  // namespace plmkit
