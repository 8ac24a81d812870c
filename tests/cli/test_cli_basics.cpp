#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;

TEST_CASE("cli: --help lists the commands, --version prints the version", "[cli]") {
    auto help = run_plmkit({"--help"});
    CHECK(help.exit_code == 0);
    CHECK_THAT(help.out, Catch::Contains("doctor"));
    CHECK_THAT(help.out, Catch::Contains("Examples:"));
    auto ver = run_plmkit({"--version"});
    CHECK(ver.exit_code == 0);
    CHECK_THAT(ver.out, Catch::StartsWith("plmkit 0."));
}

TEST_CASE("cli: usage errors exit 2 with one 'plmkit: error:' line", "[cli]") {
    auto r = run_plmkit({"no-such-command"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: "));
    auto none = run_plmkit({});
    CHECK(none.exit_code == 2);
    CHECK_THAT(none.err, Catch::Contains("subcommand"));
}

TEST_CASE("cli: doctor reports libtorch, BLAS, threads, RDKit and HDF5", "[cli][doctor]") {
    auto r = run_plmkit({"doctor", "--json", "--threads", "2"});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out,
               Catch::Contains("\"libtorch\": \"1.") || Catch::Contains("\"libtorch\": \"2."));
    CHECK_THAT(r.out, Catch::Contains("\"threads\": 2"));
    CHECK_THAT(r.out, Catch::Contains("\"rdkit\": \"20"));
    CHECK_THAT(r.out, Catch::Contains("\"hdf5\": \"1."));
    // scripts/setup.sh installs OpenBLAS; the reference BLAS would be a warning.
    CHECK_THAT(r.out, Catch::Contains("\"blas\": \"OpenBLAS\""));
    CHECK(r.err.find("reference BLAS") == std::string::npos);
}
