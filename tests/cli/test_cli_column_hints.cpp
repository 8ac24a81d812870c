// A column option naming a column that is not in the table: the error lists
// the table's columns (the first 20 and a count of the rest) and suggests
// the closest name.
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
using plmkit::test::source_path;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

namespace {

const std::string kData = source_path("tests/cli/data/esol_slice.csv");

std::vector<std::string> train(const std::string& data, std::vector<std::string> extra) {
    std::vector<std::string> args = {"train",
                                     "--data",
                                     data,
                                     "--featurizer",
                                     "basic",
                                     "--head",
                                     "forest",
                                     "--trees",
                                     "5",
                                     "--output",
                                     temp_path("cli_column_hints_model")};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

}  // namespace

TEST_CASE("cli train: a missing column lists the columns and the closest name",
          "[cli][train][columns]") {
    SECTION("--target-col with a typo") {
        auto r = run_plmkit(train(kData, {"--target-col", "lgS"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("no target column 'lgS' (columns: 'id', 'smiles', "
                                          "'logS'); did you mean 'logS'?"));
    }
    SECTION("--target-col far from every column: no suggestion") {
        auto r = run_plmkit(train(kData, {"--target-col", "solubility"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("no target column 'solubility' (columns: 'id', "
                                          "'smiles', 'logS')"));
        CHECK_THAT(r.err, !Catch::Contains("did you mean"));
    }
    SECTION("--input-col and --id-col") {
        auto r = run_plmkit(train(kData, {"--target-col", "logS", "--input-col", "smils"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("no SMILES column 'smils'"));
        CHECK_THAT(r.err, Catch::Contains("did you mean 'smiles'?"));
        r = run_plmkit(train(kData, {"--target-col", "logS", "--id-col", "ids"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("no id column 'ids'"));
        CHECK_THAT(r.err, Catch::Contains("did you mean 'id'?"));
    }
    SECTION("a wide table: the first 20 columns and a count of the rest") {
        std::string header = "smiles", row = "CCO";
        for (int i = 1; i <= 29; ++i) {
            header += ",c" + std::to_string(i);
            row += "," + std::to_string(i);
        }
        const std::string wide =
            write_temp("cli_column_hints_wide.csv", header + "\n" + row + "\n");
        auto r = run_plmkit(train(wide, {"--target-col", "c29x"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("'c18', 'c19' ... and 10 more)"));
        CHECK_THAT(r.err, !Catch::Contains("'c20'"));
        CHECK_THAT(r.err, Catch::Contains("did you mean 'c29'?"));
    }
    SECTION("--split column:NAME and --valid-col match exactly: another case is a hint") {
        const std::string data =
            write_temp("cli_column_hints_set.csv",
                       "smiles,y,Set,validation\nCCO,1,train,\nCCN,2,train,\nCCC,3,test,\n");
        auto r = run_plmkit(train(data, {"--target-col", "y", "--split", "column:set"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("no column 'set' for --split column:set (columns: "
                                          "'smiles', 'y', 'Set', 'validation'); did you mean "
                                          "'Set'?"));
        r = run_plmkit(train(
            data, {"--target-col", "y", "--split", "column:Set", "--valid-col", "validaton"}));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("no column 'validaton' for --valid-col validaton"));
        CHECK_THAT(r.err, Catch::Contains("did you mean 'validation'?"));
    }
}

TEST_CASE("cli evaluate: a missing --target-col lists the columns and the closest name",
          "[cli][evaluate][columns]") {
    const std::string model = temp_path("cli_column_hints_eval_model");
    auto t = run_plmkit({"train", "--data", kData, "--target-col", "logS", "--featurizer", "basic",
                         "--head", "forest", "--trees", "5", "--threads", "1", "--output", model});
    REQUIRE(t.exit_code == 0);
    auto r = run_plmkit({"evaluate", "--model", model, "--data", kData, "--target-col", "LogS_"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("no target column 'LogS_' (columns: 'id', 'smiles', "
                                      "'logS'); did you mean 'logS'?"));
    CHECK_THAT(r.err, !Catch::Contains("the model's target"));

    // Without --target-col evaluate looks for the model's target name; a
    // table that calls it something else is told how to map it.
    const std::string renamed = write_temp("cli_column_hints_renamed.csv",
                                           "id,smiles,measured\nm1,CCO,-0.5\nm2,CCCCO,-1.2\n");
    r = run_plmkit({"evaluate", "--model", model, "--data", renamed});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("no target column 'logS' (columns: 'id', 'smiles', "
                                      "'measured'); it is the model's target: name the column "
                                      "that holds it with --target-col"));
    r = run_plmkit({"evaluate", "--model", model, "--data", renamed, "--target-col", "measured",
                    "--output", temp_path("cli_column_hints_renamed_metrics.json")});
    CHECK(r.exit_code == 0);
}
