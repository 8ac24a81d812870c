// A gzip stream cut short or corrupted is an input error, never a clean end
// of file; concatenated gzip members are one stream.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <vector>

#include "tests/catch.hpp"

#include "src/error.hpp"
#include "src/line_reader.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;
using plmkit::LineReader;

namespace {

std::string numbered_lines(int n) {
    std::string text;
    for (int i = 1; i <= n; ++i)
        text += "line " + std::to_string(i) + " of some text to compress\n";
    return text;
}

void write_gzip(const std::string& path, const std::string& text, const char* mode = "wb") {
    gzFile gz = gzopen(path.c_str(), mode);
    REQUIRE(gz);
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
}

std::uint64_t count_lines(const std::string& path) {
    LineReader reader(path);
    std::string line;
    std::uint64_t n = 0;
    while (reader.next(line))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("line reader: truncated gzip is an InputError naming the file", "[core][io][gzip]") {
    auto full = test::temp_path("trunc_full.txt.gz");
    write_gzip(full, numbered_lines(5000));
    std::string bytes = test::read_file(full);
    REQUIRE(bytes.size() > 1000);
    auto cut = test::temp_path("trunc_cut.txt.gz");
    test::write_file(cut, bytes.substr(0, bytes.size() / 2));

    CHECK(count_lines(full) == 5000);
    try {
        count_lines(cut);
        FAIL("a truncated gzip file was read as complete");
    } catch (const plmkit::InputError& e) {
        std::string what = e.what();
        CHECK(what.find(cut + ": corrupt or truncated gzip data (after ") == 0);
        CHECK(what.find("unexpected end of file") != std::string::npos);
    }

    SECTION("corrupt data in the middle of the stream") {
        std::string bad = bytes;
        for (std::size_t i = 100; i < 200; ++i)
            bad[i] = static_cast<char>(bad[i] ^ 0x5a);
        auto corrupt = test::temp_path("trunc_corrupt.txt.gz");
        test::write_file(corrupt, bad);
        CHECK_THROWS_AS(count_lines(corrupt), plmkit::InputError);
    }
}

TEST_CASE("line reader: multi-member gzip is read to the end", "[core][io][gzip]") {
    auto p = test::temp_path("multi_member.txt.gz");
    write_gzip(p, numbered_lines(300));
    write_gzip(p, numbered_lines(200), "ab");  // a second member appended
    CHECK(count_lines(p) == 500);
}

// GNU gzip 1.12 on the same files: zero padding decompresses with exit 0 and
// no message; other trailing bytes "decompression OK, trailing garbage
// ignored" (exit 2); "\x1f\x8b" followed by junk, an error (exit 1). The
// warning itself is checked in tests/cli/test_cli_input_errors.cpp.
TEST_CASE("line reader: bytes after the last gzip member", "[core][io][gzip]") {
    auto p = test::temp_path("trailing.txt.gz");
    write_gzip(p, numbered_lines(300));
    const std::string gz = test::read_file(p);
    SECTION("tar-style zero padding is read as the end") {
        test::write_file(p, gz + std::string(10240, '\0'));
        CHECK(count_lines(p) == 300);
    }
    SECTION("text after the gzip data is not read, the data before it is") {
        test::write_file(p, gz + ">appended\nMKT\n");
        CHECK(count_lines(p) == 300);
    }
    SECTION("zero padding between two members") {
        write_gzip(p, "last line\n");
        const std::string second = test::read_file(p);
        test::write_file(p, gz + std::string(512, '\0') + second);
        CHECK(count_lines(p) == 300);  // GNU gzip stops at the padding too, with its warning
    }
    SECTION("a second member that is not valid gzip is an error") {
        test::write_file(p, gz + "\x1f\x8bjunk");
        CHECK_THROWS_AS(count_lines(p), plmkit::InputError);
    }
    SECTION("plain text that is not gzip is read as it is") {
        test::write_file(p, "a\nb\n\x1f");
        CHECK(count_lines(p) == 3);
    }
}

namespace {

/// What `f` writes to stderr (fd 2), through a temporary file.
template <typename F>
std::string stderr_of(const std::string& name, F f) {
    const std::string path = test::temp_path(name);
    std::fflush(stderr);
    const int saved = ::dup(2);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    ::dup2(fd, 2);
    ::close(fd);
    f();
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    return test::read_file(path);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
        ++n;
    return n;
}

}  // namespace

// GNU gzip 1.12, `gzip -t` with bytes appended after the last member: a lone
// "\x1f" says "unexpected end of file" (exit 1), as for "\x1f\x8b" or
// "\x1f\x8b\x08"; "\x1f\x00", "\x00\x1f" and "ab" say "decompression OK,
// trailing garbage ignored" (exit 2).
TEST_CASE("line reader: a lone 0x1f after the last gzip member is a cut-off member",
          "[core][io][gzip]") {
    auto p = test::temp_path("trailing_1f.txt.gz");
    write_gzip(p, numbered_lines(300));
    const std::string gz = test::read_file(p);
    SECTION("0x1f alone: an InputError, as GNU gzip's unexpected end of file") {
        test::write_file(p, gz + "\x1f");
        CHECK_THROWS_WITH(count_lines(p),
                          Catch::StartsWith(p + ": corrupt or truncated gzip data (after ") &&
                              Catch::Contains("unexpected end of file (a gzip member cut off "
                                              "after its first byte, at byte offset " +
                                              std::to_string(gz.size()) + ")"));
    }
    const std::vector<std::string> tails = {std::string("\x1f\0", 2), std::string("\0\x1f", 2),
                                            "ab"};
    for (std::size_t i = 0; i < tails.size(); ++i) {
        const std::string& tail = tails[i];
        DYNAMIC_SECTION("two bytes that are no gzip header: trailing garbage, case " << i) {
            test::write_file(p, gz + tail);
            std::uint64_t n = 0;
            const std::string err = stderr_of("trailing_1f.err", [&] { n = count_lines(p); });
            CHECK(n == 300);
            CHECK_THAT(err, Catch::Contains("decompression OK, trailing garbage ignored: 2 bytes"));
        }
    }
}

TEST_CASE("line reader: the trailing-bytes warning is said once per file however often it is read",
          "[core][io][gzip]") {
    // screen on a terminal counts the records first, then reads them.
    auto p = test::temp_path("trailing_once.txt.gz");
    write_gzip(p, numbered_lines(30));
    test::write_file(p, test::read_file(p) + "junk\n");
    auto other = test::temp_path("trailing_once_other.txt.gz");
    test::write_file(other, test::read_file(p));
    const std::string err = stderr_of("trailing_once.err", [&] {
        CHECK(count_lines(p) == 30);
        CHECK(count_lines(p) == 30);
        CHECK(count_lines(other) == 30);  // another file: its own warning
    });
    CHECK(occurrences(err, p + ": decompression OK, trailing garbage ignored") == 1);
    CHECK(occurrences(err, other + ": decompression OK, trailing garbage ignored") == 1);
}
