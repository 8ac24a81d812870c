#include "src/atomic_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "src/error.hpp"
#include "src/runtime.hpp"

namespace plmkit {

AtomicFile::AtomicFile(std::string final_path) : final_path_(std::move(final_path)) {
    // The rename in commit() would replace a device or FIFO (as root,
    // /dev/null itself) with a regular file.
    struct stat st;
    if (::stat(final_path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        throw UsageError("cannot write '" + final_path_ +
                         "': it exists and is not a regular file (a device, FIFO or socket); "
                         "plmkit writes each output under a temporary name and renames it into "
                         "place, which would replace it: give a file path ('-' for standard "
                         "output where the command has it)");
    auto slash = final_path_.rfind('/');
    std::string dir = slash == std::string::npos ? "" : final_path_.substr(0, slash + 1);
    // A missing folder is said with the output's name: the error opening the
    // temporary file would name only ".<name>.tmp-<pid>".
    const std::string folder = dir.empty() ? "." : dir;
    if (::stat(folder.c_str(), &st) != 0) {
        if (errno == ENOENT)
            throw IoError("cannot write '" + final_path_ + "': its folder '" + folder +
                          "' does not exist");
        if (errno == ENOTDIR)
            throw IoError("cannot write '" + final_path_ + "': '" + folder + "' is not a folder");
    } else if (!S_ISDIR(st.st_mode)) {
        throw IoError("cannot write '" + final_path_ + "': '" + folder + "' is not a folder");
    }
    std::string name = slash == std::string::npos ? final_path_ : final_path_.substr(slash + 1);
    temp_path_ = dir + "." + name + ".tmp-" + std::to_string(::getpid());
    register_cleanup_path(temp_path_);
}

AtomicFile::~AtomicFile() {
    if (!committed_) std::remove(temp_path_.c_str());
    unregister_cleanup_path(temp_path_);
}

void AtomicFile::commit() {
    if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
        throw IoError("cannot rename '" + temp_path_ + "' to '" + final_path_ +
                      "': " + errno_message());
    }
    committed_ = true;
}

}  // namespace plmkit
