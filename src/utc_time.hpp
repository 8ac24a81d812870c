#pragma once
// Wall-clock time as text for file metadata (HDF5 `created`, lock files).
#include <string>

namespace plmkit {

/// The current UTC time as ISO 8601 with seconds, e.g. "2026-12-07T10:04:59Z".
std::string utc_timestamp();

}  // namespace plmkit
