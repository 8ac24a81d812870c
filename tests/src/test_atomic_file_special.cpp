// An output path that exists and is not a regular file (a FIFO here; as
// root, /dev/null) is refused instead of being replaced by the rename.
#include <string>

#include "tests/catch.hpp"

#include "src/atomic_file.hpp"
#include "src/error.hpp"
#include "src/line_reader.hpp"
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

TEST_CASE("atomic file: a name ending in .gz gets gzip-compressed content", "[core][io]") {
    // '-o hits.csv.gz' used to write plain text under a .gz name.
    const std::string path = test::temp_path("atomic_out.csv.gz");
    std::string text = "id,smiles\n";
    for (int i = 0; i < 5000; ++i)
        text += "m" + std::to_string(i) + ",CCO\n";
    {
        plmkit::AtomicFile out(path);
        test::write_file(out.temp_path(), text);
        out.commit();
        CHECK_FALSE(test::file_exists(out.temp_path()));
        CHECK_FALSE(test::file_exists(out.temp_path() + ".gz"));
    }
    const std::string raw = test::read_file(path);
    REQUIRE(raw.size() > 2);
    CHECK(static_cast<unsigned char>(raw[0]) == 0x1f);  // the gzip magic number
    CHECK(static_cast<unsigned char>(raw[1]) == 0x8b);
    CHECK(raw.size() < text.size() / 3);
    plmkit::LineReader reader(path);
    std::string line, back;
    while (reader.next(line))
        back += line + "\n";
    CHECK(back == text);
    // Other names are renamed as written.
    const std::string plain = test::temp_path("atomic_out.csv");
    plmkit::AtomicFile out(plain);
    test::write_file(out.temp_path(), text);
    out.commit();
    CHECK(test::read_file(plain) == text);
}
