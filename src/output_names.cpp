#include "src/output_names.hpp"

namespace plmkit {

namespace {

/// Position of the last '.' of name[start, end) that is not its first
/// character, or npos.
std::size_t extension_dot(const std::string& path, std::size_t start, std::size_t end) {
    if (end <= start + 1) return std::string::npos;
    const std::size_t dot = path.find_last_of('.', end - 1);
    return dot == std::string::npos || dot <= start ? std::string::npos : dot;
}

}  // namespace

NameParts split_extension(const std::string& path) {
    const std::size_t slash = path.find_last_of('/');
    const std::size_t start = slash == std::string::npos ? 0 : slash + 1;
    std::size_t dot = extension_dot(path, start, path.size());
    if (dot != std::string::npos && path.compare(dot, std::string::npos, ".gz") == 0) {
        const std::size_t inner = extension_dot(path, start, dot);
        if (inner != std::string::npos) dot = inner;
    }
    if (dot == std::string::npos) return {path, ""};
    return {path.substr(0, dot), path.substr(dot)};
}

std::string companion_path(const std::string& output, const std::string& suffix) {
    return split_extension(output).stem + suffix;
}

}  // namespace plmkit
