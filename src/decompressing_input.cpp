#include "src/decompressing_input.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <tuple>

#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit {

namespace {
constexpr std::size_t kRawChunk = 1 << 17;
constexpr unsigned char kMagic0 = 0x1f, kMagic1 = 0x8b;

/// True the first time it is asked about the open file `fd` in this
/// process: a file read twice (a counting pass for the progress line, then
/// the run; a check before a Slurm job, then the job's reader) gets its
/// trailing-bytes warning once. Files are told apart by device and inode, so
/// two spellings of one path count as one file, and by size and modification
/// time, so a file rewritten in place (or a new one on a reused inode) is not.
bool first_warning_for(int fd) {
    struct stat st;
    if (::fstat(fd, &st) != 0) return true;
    using Key = std::tuple<dev_t, ino_t, off_t, time_t, long>;
    static std::mutex mutex;
    static std::set<Key> warned;
    std::lock_guard<std::mutex> lock(mutex);
    return warned
        .insert(Key{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec})
        .second;
}
}  // namespace

struct DecompressingInput::Stream {
    z_stream z{};
    bool initialized = false;
};

DecompressingInput::DecompressingInput(const std::string& path)
    : path_(path), in_(kRawChunk), stream_(std::make_unique<Stream>()) {
    if (path == "-") {
        fd_ = STDIN_FILENO;
        return;
    }
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw IoError("cannot open '" + path + "': " + errno_message());
    own_fd_ = true;
}

DecompressingInput::~DecompressingInput() {
    if (stream_->initialized) inflateEnd(&stream_->z);
    if (own_fd_) ::close(fd_);
}

bool DecompressingInput::read_raw() {
    if (raw_eof_) return false;
    if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
    }
    for (;;) {
        const ssize_t n = ::read(fd_, in_.data() + in_end_, in_.size() - in_end_);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw IoError("cannot read '" + path_ + "': " + errno_message());
        if (n == 0) {
            raw_eof_ = true;
            return false;
        }
        in_end_ += static_cast<std::size_t>(n);
        raw_read_ += static_cast<std::uint64_t>(n);
        return true;
    }
}

void DecompressingInput::start() {
    started_ = true;
    // Two bytes decide; a pipe may deliver them one at a time.
    while (in_end_ < 2 && read_raw()) {
    }
    gzip_ = in_end_ >= 2 && in_[0] == kMagic0 && in_[1] == kMagic1;
    if (!gzip_) return;
    if (inflateInit2(&stream_->z, 15 + 16) != Z_OK)  // 16: gzip wrapper only
        throw Error(path_ + ": cannot start zlib (out of memory?)");
    stream_->initialized = true;
    member_open_ = true;
}

std::size_t DecompressingInput::read(char* out, std::size_t size) {
    if (!started_) start();
    if (done_ || size == 0) return 0;
    if (gzip_) return inflate_into(out, size);
    if (in_begin_ == in_end_ && !read_raw()) {
        done_ = true;
        return 0;
    }
    const std::size_t n = std::min(size, in_end_ - in_begin_);
    std::memcpy(out, in_.data() + in_begin_, n);
    in_begin_ += n;
    return n;
}

std::size_t DecompressingInput::inflate_into(char* out, std::size_t size) {
    z_stream& z = stream_->z;
    std::size_t produced = 0;
    while (produced < size && !done_) {
        if (!member_open_ && !start_next_member()) {
            done_ = true;
            break;
        }
        if (in_begin_ == in_end_ && !read_raw()) {
            data_error_ = "unexpected end of file";  // zlib's gzread says the same
            done_ = true;
            break;
        }
        z.next_in = in_.data() + in_begin_;
        z.avail_in = static_cast<uInt>(in_end_ - in_begin_);
        z.next_out = reinterpret_cast<Bytef*>(out + produced);
        z.avail_out = static_cast<uInt>(std::min<std::size_t>(size - produced, 1u << 30));
        const uInt out_before = z.avail_out;
        const int rc = inflate(&z, Z_NO_FLUSH);
        produced += out_before - z.avail_out;
        in_begin_ = in_end_ - z.avail_in;
        if (rc == Z_STREAM_END) {
            member_open_ = false;
        } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
            data_error_ = z.msg ? z.msg : "zlib error " + std::to_string(rc);
            done_ = true;
        }
    }
    return produced;
}

bool DecompressingInput::start_next_member() {
    while (in_end_ - in_begin_ < 2 && read_raw()) {
    }
    const std::size_t left = in_end_ - in_begin_;
    if (left == 0) return false;
    if (left == 1 && in_[in_begin_] == kMagic0) {
        // As GNU gzip: a lone first magic byte is the start of a member cut
        // off, not garbage to ignore ("unexpected end of file", exit 1).
        data_error_ =
            "unexpected end of file (a gzip member cut off after its first byte, at "
            "byte offset " +
            std::to_string(raw_read_ - 1) + ")";
        return false;
    }
    if (left >= 2 && in_[in_begin_] == kMagic0 && in_[in_begin_ + 1] == kMagic1) {
        inflateReset(&stream_->z);
        member_open_ = true;
        return true;
    }
    check_trailing_bytes();
    return false;
}

void DecompressingInput::check_trailing_bytes() {
    const std::uint64_t offset = raw_read_ - (in_end_ - in_begin_);
    bool garbage = false;
    do {
        garbage = garbage || std::any_of(in_.begin() + static_cast<std::ptrdiff_t>(in_begin_),
                                         in_.begin() + static_cast<std::ptrdiff_t>(in_end_),
                                         [](unsigned char c) { return c != 0; });
        in_begin_ = in_end_;
    } while (read_raw());
    if (!garbage) return;  // zero padding (tar blocks): as GNU gzip, quietly
    if (!first_warning_for(fd_)) return;
    log_warn(path_ +
             ": decompression OK, trailing garbage ignored: " + std::to_string(raw_read_ - offset) +
             " bytes from byte offset " + std::to_string(offset) +
             " on follow the last gzip member and are not gzip data; they were not read "
             "(text appended to a .gz file? compress it and append that instead)");
}

}  // namespace plmkit
