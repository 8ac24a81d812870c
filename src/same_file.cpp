#include "src/same_file.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace plmkit {

bool same_file(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty() || a == "-" || b == "-") return false;
    struct stat sa, sb;
    if (::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    std::error_code ea, eb;
    auto pa = std::filesystem::weakly_canonical(a, ea);
    auto pb = std::filesystem::weakly_canonical(b, eb);
    if (ea || eb) return a == b;
    return pa == pb;
}

}  // namespace plmkit
