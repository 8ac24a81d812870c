// predict writes CSV, which takes any bytes: a FASTA id that is not valid
// UTF-8 (a Latin-1 'é') is kept as it is, not rejected (only embed and
// tokenize, which write HDF5 strings and JSON, require UTF-8 ids).
#include <fstream>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

TEST_CASE("cli predict: a FASTA id that is not UTF-8 is kept in the CSV output",
          "[cli][predict][utf8]") {
    const std::string model = plmkit::test::train_tiny_esm_forest("utf8_pred_esm_model");

    auto fa = write_temp("utf8_pred.fa", ">caf\xE9 x\nMKTAY\n>ok\nMKTAA\n");
    const std::string out = temp_path("utf8_pred.csv");
    auto r = run_plmkit({"predict", "--model", model, "--input", fa, "--output", out});
    REQUIRE(r.exit_code == 0);
    const std::string csv = read_file(out);
    CHECK_THAT(csv, Catch::StartsWith("id,sequence,target,target_std\n"));
    CHECK_THAT(csv, Catch::Contains("\ncaf\xE9,MKTAY,"));
    CHECK_THAT(csv, Catch::Contains("\nok,MKTAA,"));
    CHECK_FALSE(plmkit::test::file_exists(out + ".rejects.csv"));
}
