#include "src/line_reader.hpp"

#include <unistd.h>
#include <zlib.h>

#include <cstring>

#include "src/error.hpp"

namespace plmkit {

namespace {
constexpr std::size_t kChunk = 1 << 18;
}

LineReader::LineReader(const std::string& path) : path_(path), buffer_(kChunk) {
    gzFile gz = path == "-" ? gzdopen(dup(STDIN_FILENO), "rb") : gzopen(path.c_str(), "rb");
    if (!gz) throw IoError("cannot open '" + path + "': " + errno_message());
    gzbuffer(gz, 1 << 17);
    gz_ = gz;
}

LineReader::~LineReader() {
    if (gz_) gzclose(static_cast<gzFile>(gz_));
}

std::string LineReader::where() const {
    return path_ + ":" + std::to_string(line_number_);
}

bool LineReader::fill() {
    if (eof_) return false;
    // Move the unread tail to the front, grow when a single line fills it.
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    auto gz = static_cast<gzFile>(gz_);
    int n = gzread(gz, buffer_.data() + end_, static_cast<unsigned>(buffer_.size() - end_));
    int code = Z_OK;
    const char* msg = gzerror(gz, &code);
    if (n < 0 || (n == 0 && code != Z_OK)) {
        // gzread reports a stream cut short (Z_BUF_ERROR, "unexpected end of
        // file") only through gzerror, after returning what it could inflate.
        if (code == Z_ERRNO) throw IoError("cannot read '" + path_ + "': " + errno_message());
        std::string why = msg && *msg ? msg : "read error";
        const std::string prefix = path_ + ": ";  // zlib names the file itself
        if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
        throw InputError(path_ + ": corrupt or truncated gzip data (after " +
                         std::to_string(bytes_read_) + " bytes, line " +
                         std::to_string(line_number_ + 1) + "): " + why);
    }
    if (n == 0) {
        eof_ = true;
        return false;
    }
    end_ += static_cast<std::size_t>(n);
    bytes_read_ += static_cast<std::uint64_t>(n);
    return true;
}

bool LineReader::next(std::string& line) {
    std::size_t scan = begin_;
    for (;;) {
        const char* start = buffer_.data() + scan;
        const void* nl = std::memchr(start, '\n', end_ - scan);
        if (nl) {
            std::size_t pos = static_cast<const char*>(nl) - buffer_.data();
            std::size_t stop = pos;
            if (stop > begin_ && buffer_[stop - 1] == '\r') --stop;
            line.assign(buffer_.data() + begin_, stop - begin_);
            begin_ = pos + 1;
            count_line(line);
            return true;
        }
        std::size_t scanned = end_ - begin_;
        if (!fill()) break;
        scan = begin_ + scanned;
    }
    if (begin_ == end_) return false;
    // Last line without a trailing newline.
    std::size_t stop = end_;
    if (stop > begin_ && buffer_[stop - 1] == '\r') --stop;
    line.assign(buffer_.data() + begin_, stop - begin_);
    begin_ = end_;
    count_line(line);
    return true;
}

void LineReader::count_line(std::string& line) {
    ++line_number_;
    if (std::memchr(line.data(), '\0', line.size()))
        throw InputError(where() +
                         ": binary data (a NUL byte), not a text file; expected plain or "
                         "gzip-compressed text");
    // A UTF-8 byte-order mark (Windows editors) is not part of the text.
    if (line_number_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
}

}  // namespace plmkit
