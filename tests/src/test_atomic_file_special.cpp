// An output path that exists and is not a regular file (a FIFO here; as
// root, /dev/null) is refused instead of being replaced by the rename.
#include <string>

#include "tests/catch.hpp"

#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

namespace test = plmkit::test;

using plmkit::test::is_fifo;
using plmkit::test::make_fifo;

TEST_CASE("atomic file: a FIFO or device as the final path is refused, not replaced",
          "[core][io][special]") {
    auto fifo = make_fifo("atomic_fifo");
    CHECK_THROWS_AS(plmkit::AtomicFile(fifo), plmkit::UsageError);
    CHECK_THROWS_WITH(plmkit::AtomicFile(fifo), Catch::Contains("is not a regular file"));
    CHECK(is_fifo(fifo));
}

TEST_CASE("atomic file: a missing folder is named with the output's path, not the temporary one",
          "[core][io]") {
    const std::string missing = test::temp_path("no_such_folder") + "/x.csv";
    CHECK_THROWS_AS(plmkit::AtomicFile(missing), plmkit::IoError);
    CHECK_THROWS_WITH(plmkit::AtomicFile(missing),
                      Catch::Contains("cannot write '" + missing + "': its folder '") &&
                          Catch::Contains("' does not exist") && !Catch::Contains(".tmp-"));
    const std::string file = test::write_temp("atomic_plain_file", "x");
    CHECK_THROWS_WITH(plmkit::AtomicFile(file + "/x.csv"),
                      Catch::Contains("'" + file + "/' is not a folder"));
    CHECK_NOTHROW(plmkit::AtomicFile(test::temp_path("atomic_ok.csv")));
}
