// An output path that exists and is not a regular file (a FIFO here; as
// root, /dev/null) is refused instead of being replaced by the rename.
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/catch.hpp"

#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;

namespace {
std::string make_fifo(const std::string& name) {
    auto path = test::temp_path(name);
    ::unlink(path.c_str());
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    return path;
}

bool is_fifo(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}
}  // namespace

TEST_CASE("atomic file: a FIFO or device as the final path is refused, not replaced",
          "[core][io][special]") {
    auto fifo = make_fifo("atomic_fifo");
    CHECK_THROWS_AS(plmkit::AtomicFile(fifo), plmkit::UsageError);
    CHECK_THROWS_WITH(plmkit::AtomicFile(fifo), Catch::Contains("is not a regular file"));
    CHECK(is_fifo(fifo));
}
