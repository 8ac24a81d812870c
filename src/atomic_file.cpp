#include "src/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "src/error.hpp"
#include "src/runtime.hpp"

namespace plmkit {

AtomicFile::AtomicFile(std::string final_path, Durability durability)
    : final_path_(std::move(final_path)), durability_(durability) {
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
    folder_ = dir.empty() ? "." : dir;
    const std::string& folder = folder_;
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

namespace {

bool ends_with_gz(const std::string& path) {
    return path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

/// Writes `from` gzip-compressed to `to`.
void gzip_file(const std::string& from, const std::string& to, const std::string& final_path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(from.c_str(), "rb"), std::fclose);
    if (!in) throw IoError("cannot read '" + from + "': " + errno_message());
    gzFile gz = gzopen(to.c_str(), "wb6");
    if (!gz) throw IoError("cannot write '" + final_path + "': " + errno_message());
    std::vector<char> buf(1 << 18);
    bool ok = true;
    for (;;) {
        const std::size_t n = std::fread(buf.data(), 1, buf.size(), in.get());
        if (n > 0 && gzwrite(gz, buf.data(), static_cast<unsigned>(n)) != static_cast<int>(n))
            ok = false;
        if (n < buf.size() || !ok) break;
    }
    const bool read_error = std::ferror(in.get()) != 0;
    if (gzclose(gz) != Z_OK) ok = false;
    if (!ok || read_error)
        throw IoError("cannot write '" + final_path +
                      "' (gzip compression failed): " + errno_message());
}

/// fsync(2) of a file or folder; a folder's fsync that the file system
/// does not support (EINVAL) is skipped: the rename is all it can give.
void sync_to_disk(const std::string& path, bool folder) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (folder ? O_DIRECTORY : 0));
    if (fd < 0) throw IoError("cannot open '" + path + "' to sync it to disk: " + errno_message());
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc == 0 || (folder && err == EINVAL)) return;
    errno = err;
    throw IoError("cannot sync '" + path + "' to disk: " + errno_message());
}

}  // namespace

void AtomicFile::commit() {
    const bool sync = durability_ == Durability::fsync;
    // A name ending in ".gz" gets what it says: the output gzip-compressed
    // (readers of plmkit, pandas and zcat open it as such).
    if (ends_with_gz(final_path_)) {
        const std::string packed = temp_path_ + ".gz";
        register_cleanup_path(packed);
        try {
            gzip_file(temp_path_, packed, final_path_);
            if (sync) sync_to_disk(packed, false);
        } catch (...) {
            std::remove(packed.c_str());
            unregister_cleanup_path(packed);
            throw;
        }
        if (std::rename(packed.c_str(), final_path_.c_str()) != 0) {
            const std::string why = errno_message();
            std::remove(packed.c_str());
            unregister_cleanup_path(packed);
            throw IoError("cannot rename '" + packed + "' to '" + final_path_ + "': " + why);
        }
        unregister_cleanup_path(packed);
        std::remove(temp_path_.c_str());
        committed_ = true;
        if (sync) sync_to_disk(folder_, true);
        return;
    }
    if (sync) sync_to_disk(temp_path_, false);
    if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
        throw IoError("cannot rename '" + temp_path_ + "' to '" + final_path_ +
                      "': " + errno_message());
    }
    committed_ = true;
    if (sync) sync_to_disk(folder_, true);
}

namespace {
namespace fs = std::filesystem;

/// "<parent>/.<name><tag>-<pid>" beside `dir`.
std::string beside(const fs::path& dir, const char* tag) {
    return (dir.parent_path() / ("." + dir.filename().string() + tag + std::to_string(::getpid())))
        .string();
}
}  // namespace

AtomicDir::AtomicDir(const std::string& final_dir) {
    fs::path dir = fs::path(final_dir).lexically_normal();
    if (dir.filename().empty()) dir = dir.parent_path();  // "out/" names "out"
    final_dir_ = dir.string();
    temp_path_ = beside(dir, ".tmp-");
    std::error_code ec;
    fs::remove_all(temp_path_, ec);
    fs::create_directories(temp_path_, ec);
    if (ec) throw IoError("cannot create '" + temp_path_ + "': " + ec.message());
}

AtomicDir::~AtomicDir() {
    if (committed_) return;
    std::error_code ec;
    fs::remove_all(temp_path_, ec);
}

void AtomicDir::commit() {
    const std::string old = beside(fs::path(final_dir_), ".old-");
    std::error_code ec;
    fs::remove_all(old, ec);
    if (fs::exists(final_dir_, ec)) {
        fs::rename(final_dir_, old, ec);
        if (ec) throw IoError("cannot replace '" + final_dir_ + "': " + ec.message());
    }
    fs::rename(temp_path_, final_dir_, ec);
    if (ec)
        throw IoError("cannot rename '" + temp_path_ + "' to '" + final_dir_ +
                      "': " + ec.message());
    committed_ = true;
    fs::remove_all(old, ec);
}

}  // namespace plmkit
