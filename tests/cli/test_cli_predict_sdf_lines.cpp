// An SD record RDKit cannot read: predict's and evaluate's rejects give
// RDKit's "on line K" (counted in the record) as the file line too, as the
// screen's do, so the record can be found in the file.
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using Catch::Contains;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace {

/// Ethanol as a V2000 record of 14 lines (title to $$$$) with target tag y,
/// `bonds` in the counts line (2 is right; 3 makes RDKit read "M  END",
/// line 10 of the record, as a bond line).
std::string ethanol(const std::string& title, int bonds) {
    return title + "\n     RDKit          2D\n\n  3  " + std::to_string(bonds) +
           "  0  0  0  0  0  0  0  0999 V2000\n"
           "    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
           "    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\n"
           "    2.5981    0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n"
           "  1  2  1  0\n  2  3  1  0\nM  END\n>  <y>\n1.5\n\n$$$$\n";
}

}  // namespace

TEST_CASE("cli predict, evaluate: an unreadable SD record's reason names its file line",
          "[cli][predict][sdf]") {
    // A tiny knn model on SMILES; its featurizer parses the SD blocks.
    const std::string csv = temp_path("sdf_lines.csv");
    write_file(csv,
               "smiles,y\nCCO,1\nCCN,2\nCCC,3\nCCCO,4\nCCCN,5\nc1ccccc1,6\nCCOC,7\n"
               "CCCl,8\nCC(=O)O,9\nCCCC,10\n");
    const std::string model = temp_path("sdf_lines_model");
    REQUIRE(run_plmkit({"-q", "train", "--data", csv, "--target-col", "y", "--featurizer", "morgan",
                        "--head", "knn", "--output", model})
                .exit_code == 0);
    // Record 1 is file lines 1-14, record 2 lines 15-28: its "M  END" (line
    // 10 of the block) is file line 24.
    const std::string sdf = temp_path("sdf_lines.sdf");
    write_file(sdf, ethanol("good", 2) + ethanol("bad", 3) + ethanol("good2", 2));
    const std::string want = "on line 10 of the mol block (file line 24)";
    SECTION("predict") {
        const std::string out = temp_path("sdf_lines_preds.csv");
        const std::string rej = temp_path("sdf_lines_preds.rejects.tsv");
        auto r = run_plmkit(
            {"predict", "--model", model, "--input", sdf, "--output", out, "--rejects", rej});
        REQUIRE(r.exit_code == 0);
        const std::string rejects = read_file(rej);
        CHECK_THAT(rejects, Contains("1\tbad\t(mol block at line 15)\t"));
        CHECK_THAT(rejects, Contains(want));
    }
    SECTION("evaluate") {
        const std::string rej = temp_path("sdf_lines_eval.rejects.tsv");
        auto r = run_plmkit({"evaluate", "--model", model, "--data", sdf, "--output",
                             temp_path("sdf_lines_eval.json"), "--rejects", rej});
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(read_file(rej), Contains(want));
    }
}
