#pragma once
#include <string>

namespace plmkit {
/// "0.1.0"
const char* version();
}  // namespace plmkit
