#pragma once
// The bytes of a file or of standard input ("-"), gunzipped when they start
// with the gzip magic bytes (1f 8b), passed through as they are otherwise.
// Concatenated gzip members are one stream. After the last member, bytes
// that are all zero (tar-style padding) end the input quietly, as GNU gzip
// does; other bytes are not read and get one warning naming the file, their
// count and the byte offset where they start (GNU gzip: "decompression OK,
// trailing garbage ignored", exit status 2), once per file in a process
// however often it is read. A lone 0x1f byte there is, as for GNU gzip, a
// gzip member cut off: data_error() "unexpected end of file (...)".
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace plmkit {

class DecompressingInput {
  public:
    /// Opens `path` ("-" = standard input); IoError when it cannot be opened.
    explicit DecompressingInput(const std::string& path);
    ~DecompressingInput();
    DecompressingInput(const DecompressingInput&) = delete;
    DecompressingInput& operator=(const DecompressingInput&) = delete;

    /// Up to `size` bytes of text into `out`; 0 at the end of the input.
    /// Throws IoError on a read error. Corrupt or truncated gzip data returns
    /// what could be decompressed before it, then sets data_error() and
    /// returns 0.
    std::size_t read(char* out, std::size_t size);
    /// Why the gzip data could not be decompressed ("" while it could), in
    /// zlib's words ("unexpected end of file", "invalid block type", ...).
    const std::string& data_error() const { return data_error_; }
    const std::string& path() const { return path_; }

  private:
    void start();     ///< reads the first bytes: gzip or plain
    bool read_raw();  ///< appends file bytes after the unread input; false at end of file
    std::size_t inflate_into(char* out, std::size_t size);
    bool start_next_member();
    void check_trailing_bytes();

    struct Stream;
    std::string path_;
    int fd_ = -1;
    bool own_fd_ = false;
    std::vector<unsigned char> in_;
    std::size_t in_begin_ = 0, in_end_ = 0;  ///< unread raw bytes in in_
    std::uint64_t raw_read_ = 0;             ///< raw bytes read from the file so far
    bool raw_eof_ = false;
    bool started_ = false;
    bool gzip_ = false;
    bool member_open_ = false;  ///< inside a gzip member (its end not reached)
    bool done_ = false;
    std::string data_error_;
    std::unique_ptr<Stream> stream_;
};

}  // namespace plmkit
