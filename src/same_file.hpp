#pragma once
// Whether two paths name the same file, so a command can refuse to write its
// output over its own input ("lib.csv", "./lib.csv", a hard or symbolic link).
#include <string>

namespace plmkit {

/// True when `a` and `b` are the same existing file (same device and inode),
/// or, when one does not exist yet, the same normalized absolute path. "-"
/// (stdin/stdout) and empty paths are never the same file.
bool same_file(const std::string& a, const std::string& b);

}  // namespace plmkit
