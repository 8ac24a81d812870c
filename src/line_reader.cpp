#include "src/line_reader.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include "src/decompressing_input.hpp"
#include "src/error.hpp"
#include "src/log.hpp"

namespace plmkit {

namespace {
constexpr std::size_t kChunk = 1 << 18;
}

LineReader::LineReader(const std::string& path)
    : path_(path), input_(std::make_unique<DecompressingInput>(path)), buffer_(kChunk) {}

LineReader::~LineReader() = default;

std::string LineReader::where() const {
    return path_ + ":" + std::to_string(line_number_);
}

bool LineReader::fill() {
    if (eof_) return false;
    lf_known_ = false;  // positions move
    // Move the unread tail to the front, grow when a single line fills it.
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);
    const std::size_t n = input_->read(buffer_.data() + end_, buffer_.size() - end_);
    if (n == 0 && !input_->data_error().empty()) {
        throw InputError(path_ + ": corrupt or truncated gzip data (after " +
                         std::to_string(bytes_read_) + " bytes, line " +
                         std::to_string(line_number_ + 1) + "): " + input_->data_error());
    }
    if (n == 0) {
        eof_ = true;
        return false;
    }
    end_ += n;
    bytes_read_ += n;
    return true;
}

std::size_t LineReader::find_line_end(std::size_t from) {
    // The next '\n' is remembered, so a file whose lines end in lone CRs is
    // not searched to the end of the buffer once per line.
    if (!lf_known_ || lf_at_ < from) {
        const void* nl = std::memchr(buffer_.data() + from, '\n', end_ - from);
        lf_at_ =
            nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - buffer_.data()) : end_;
        lf_known_ = true;
    }
    const void* cr = std::memchr(buffer_.data() + from, '\r', lf_at_ - from);
    return cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - buffer_.data()) : lf_at_;
}

bool LineReader::take(std::string& line, std::size_t stop, std::size_t after, bool lone_cr) {
    line.assign(buffer_.data() + begin_, stop - begin_);
    line_end_.assign(buffer_.data() + stop, after - stop);
    begin_ = after;
    count_line(line);
    // Noted when the next line is asked for: the caller may say first that
    // this line end is text (line_end_is_text).
    end_pending_ = true;
    pending_lone_cr_ = lone_cr;
    return true;
}

void LineReader::note_pending_line_end() {
    if (!end_pending_) return;
    end_pending_ = false;
    note_line_end(pending_lone_cr_);
}

bool LineReader::next(std::string& line) {
    note_pending_line_end();
    std::size_t scan = begin_;
    for (;;) {
        std::size_t pos = find_line_end(scan);
        if (pos < end_) {
            if (buffer_[pos] == '\n') return take(line, pos, pos + 1, false);
            // CRs then LF ("\r\n", or "\r\r\n" from a CRLF file converted
            // twice) end one line; otherwise a lone CR ends it. CRs up to the
            // end of the buffer may continue after a refill: read on first.
            std::size_t j = pos;
            while (j < end_ && buffer_[j] == '\r')
                ++j;
            if (j < end_ && buffer_[j] == '\n') return take(line, pos, j + 1, false);
            if (j < end_ || eof_) return take(line, pos, pos + 1, true);
        } else if (eof_) {
            break;
        }
        std::size_t scanned = pos - begin_;
        fill();  // moves the unread bytes to the front; at the end sets eof_
        scan = begin_ + scanned;
    }
    if (begin_ == end_) return false;
    // The last line, without a line end.
    line.assign(buffer_.data() + begin_, end_ - begin_);
    line_end_.clear();
    begin_ = end_;
    count_line(line);
    return true;
}

namespace {

/// Throws when the first line is UTF-16 text: a byte-order mark (FF FE,
/// FE FF), or NUL bytes at every other position of an ASCII start.
void refuse_utf16(const std::string& where, const std::string& line) {
    const auto at = [&](std::size_t i) { return i < line.size() ? line[i] : 'x'; };
    const auto nul_every_other = [&](std::size_t from) {
        for (std::size_t i = from; i < std::min<std::size_t>(line.size(), 16); i += 2)
            if (line[i] != '\0') return false;
        return line.size() >= 4;
    };
    std::string name;
    if (line.compare(0, 2, "\xFF\xFE") == 0 || (at(0) != '\0' && nul_every_other(1)))
        name = "UTF-16LE";
    else if (line.compare(0, 2, "\xFE\xFF") == 0 || (at(1) != '\0' && nul_every_other(0)))
        name = "UTF-16BE";
    if (name.empty()) return;
    throw InputError(where + ": text in " + name +
                     " (NUL bytes between the letters), not UTF-8; save it as UTF-8 (Excel: "
                     "'CSV UTF-8'; or iconv -f UTF-16 -t UTF-8 in > out)");
}

}  // namespace

void LineReader::count_line(std::string& line) {
    ++line_number_;
    if (std::memchr(line.data(), '\0', line.size())) {
        if (line_number_ == 1) refuse_utf16(where(), line);
        throw InputError(where() +
                         ": binary data (a NUL byte), not a text file; expected plain or "
                         "gzip-compressed text");
    }
    // A UTF-8 byte-order mark (Windows editors) is not part of the text.
    if (line_number_ == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);
}

void LineReader::note_line_end(bool lone_cr) {
    if (lone_cr && first_lone_cr_line_ == 0) first_lone_cr_line_ = line_number_;
    if (!lone_cr) saw_lf_ = true;
    if (first_lone_cr_line_ == 0 || !saw_lf_ || warned_mixed_) return;
    // A stray CR inside a line of an LF file splits that line: say so once,
    // so that it is never silent.
    warned_mixed_ = true;
    log_warn(path_ + ":" + std::to_string(first_lone_cr_line_) +
             ": this line ends in a lone CR (an old Mac line end) but other lines end in LF; "
             "every lone CR is read as a line end: if one inside a line was not meant as a "
             "line break, fix the file");
}

bool is_rereadable_file(const std::string& path) {
    struct stat st;
    return path != "-" && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace plmkit
