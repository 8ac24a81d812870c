#include "src/atomic_file.hpp"

#include <unistd.h>

#include <cstdio>

#include "src/error.hpp"
#include "src/runtime.hpp"

namespace plmkit {

AtomicFile::AtomicFile(std::string final_path) : final_path_(std::move(final_path)) {
    auto slash = final_path_.rfind('/');
    std::string dir = slash == std::string::npos ? "" : final_path_.substr(0, slash + 1);
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
