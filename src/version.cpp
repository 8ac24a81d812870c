#include "src/version.hpp"

namespace plmkit {
const char* version() {
    return PLMKIT_VERSION_STRING;
}
}  // namespace plmkit
