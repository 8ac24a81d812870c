// An output that exists and is not a regular file (a FIFO here; as root,
// /dev/null) is refused with exit 2 before any work, and stays what it was.
#include <string>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

namespace test = plmkit::test;

using plmkit::test::is_fifo;
using plmkit::test::make_fifo;

TEST_CASE("cli tokenize: -o a FIFO is a usage error and the FIFO stays",
          "[cli][tokenize][special]") {
    auto fifo = make_fifo("cli_fifo");
    auto fa = test::write_temp("fifo_in.fa", ">a\nMKT\n");
    auto r = test::run_plmkit({"tokenize", "--kind", "protein", fa, "-o", fifo});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("'" + fifo + "': it exists and is not a regular file"));
    CHECK(is_fifo(fifo));
}

TEST_CASE("cli screen and embed: an output that is a FIFO is refused", "[cli][screen][special]") {
    auto fifo = make_fifo("cli_fifo2");
    auto lib = test::write_temp("fifo_lib.smi", "CCO ethanol\n");
    auto s = test::run_plmkit({"screen", "-i", lib, "-o", fifo});
    CHECK(s.exit_code == 2);
    CHECK_THAT(s.err, Catch::Contains("is not a regular file"));
    auto fa = test::write_temp("fifo_in2.fa", ">a\nMKT\n");
    auto e = test::run_plmkit({"embed", "--model", test::shared_path("fixtures/esm2_tiny/model"),
                               "--input", fa, "--output", fifo});
    CHECK(e.exit_code == 2);
    CHECK_THAT(e.err, Catch::Contains("is not a regular file"));
    CHECK(is_fifo(fifo));
}
