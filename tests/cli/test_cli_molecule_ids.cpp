// train and predict take a CID column (MoleculeNet BACE's) as the id without
// --id-col, in split.csv and in the predictions.
#include <filesystem>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::split_lines;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

TEST_CASE("cli train/predict: a CID column gives the ids", "[cli][train][auto_id]") {
    const char* smiles[] = {"CCO",     "CCC",  "CCCC",  "CCN",      "CCCl", "c1ccccc1",
                            "CC(=O)O", "CCOC", "CCCCO", "c1ccncc1", "CNC",  "CCCN"};
    std::string table = "mol,CID,pIC50\n";
    for (int i = 0; i < 12; ++i)
        table += std::string(smiles[i]) + ",BACE_" + std::to_string(i + 1) + "," +
                 std::to_string(4 + i % 5) + "\n";
    const std::string data = write_temp("cli_cid_train.csv", table);
    const std::string model = temp_path("cli_cid_model");
    std::filesystem::remove_all(model);
    auto t = run_plmkit({"train", "--data", data, "--input-col", "mol", "--target-col", "pIC50",
                         "--featurizer", "basic", "--head", "forest", "--trees", "5", "--threads",
                         "1", "--output", model});
    INFO(t.err);
    REQUIRE(t.exit_code == 0);
    auto split = split_lines(read_file(model + "/split.csv"));
    REQUIRE(split.size() == 13);
    CHECK(split[0] == "row_index,id,smiles,split");
    CHECK_THAT(split[1], Catch::StartsWith("0,BACE_1,CCO,"));
    CHECK_THAT(split[12], Catch::StartsWith("11,BACE_12,CCCN,"));

    const std::string lib = write_temp("cli_cid_lib.csv", "mol,cid\nCCO,BACE_7\nCCCC,x2\n");
    const std::string preds = temp_path("cli_cid_preds.csv");
    auto p = run_plmkit({"predict", "--model", model, "--input", lib, "--output", preds});
    INFO(p.err);
    REQUIRE(p.exit_code == 0);
    auto rows = split_lines(read_file(preds));
    REQUIRE(rows.size() == 3);
    CHECK_THAT(rows[1], Catch::StartsWith("BACE_7,CCO,"));
    CHECK_THAT(rows[2], Catch::StartsWith("x2,CCCC,"));
}
