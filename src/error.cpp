#include "src/error.hpp"

#include <cerrno>
#include <cstring>

namespace plmkit {

std::string errno_message() {
    return std::strerror(errno);
}

}  // namespace plmkit
