// plmkit train warns when rows repeat a molecule: the first ESOL rows plus
// three copies written another way (the canonical SMILES of RDKit's Python),
// one in test with the same value, one in valid with another value, one in
// train. Counts by hand: 3 repeats, 2 held-out rows whose molecule is a
// training row's, 1 with another value.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace {

/// id,smiles,y,set: ESOL rows 0..39 (row i test when i % 5 == 0, valid
/// when i % 5 == 1, else train), then the copies.
std::string data_with_copies(bool copies) {
    std::ifstream in(shared_path("data/esol/delaney-processed.csv"));
    std::string line;
    std::getline(in, line);  // smiles last, the measured value before it
    std::string text = "id,smiles,y,set\n";
    for (int i = 0; i < 40 && std::getline(in, line); ++i) {
        const auto last = line.rfind(',');
        const auto before = line.rfind(',', last - 1);
        const char* set = i % 5 == 0 ? "test" : (i % 5 == 1 ? "valid" : "train");
        text += "e" + std::to_string(i) + "," + line.substr(last + 1) + "," +
                line.substr(before + 1, last - before - 1) + "," + set + "\n";
    }
    if (copies) {
        // Fenfuram (row 1, valid), citral (row 2, train), Amigdalin (row 0, test)
        text += "fenfuram-2,Cc1occc1C(=O)Nc1ccccc1,-3.3,test\n";  // same value, held out
        text += "citral-2,CC(C)=CCCC(C)=CC=O,-2.5,valid\n";       // other value, held out
        text += "amigdalin-2,N#CC(OC1OC(COC2OC(CO)C(O)C(O)C2O)C(O)C(O)C1O)c1ccccc1,-0.77,train\n";
    }
    const std::string path = temp_path(copies ? "cli_dups.csv" : "cli_dups_none.csv");
    write_file(path, text);
    return path;
}

plmkit::test::RunResult train(const std::string& data, const std::string& out) {
    return run_plmkit({"train", "--data", data, "--target-col", "y", "--featurizer", "basic",
                       "--head", "forest", "--trees", "5", "--split", "column:set", "--threads",
                       "1", "--output", out});
}

}  // namespace

TEST_CASE("cli train: rows that repeat a molecule are counted and warned about",
          "[cli][train_duplicates]") {
    const std::string out = temp_path("cli_dups_model");
    std::filesystem::remove_all(out);
    const auto r = train(data_with_copies(true), out);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Held out with a training copy: row 0 (test; amigdalin-2 trains) and
    // row 41 (citral-2, valid; row 2 trains). Fenfuram's copies (valid, test)
    // have none in train.
    CHECK_THAT(r.err, Catch::Contains("plmkit: warning: train: 3 rows repeat the molecule (the "
                                      "same canonical SMILES) of an earlier row: row 40 "
                                      "('fenfuram-2') of row 1 ('e1'), row 41 ('citral-2') of "
                                      "row 2 ('e2'), row 42 ('amigdalin-2') of row 0 ('e0'); 2 "
                                      "valid or test rows hold an input that is also a training "
                                      "row's") &&
                          Catch::Contains("or use --split scaffold") &&
                          Catch::Contains("1 of the repeats have another value than the first "
                                          "copy"));
    const auto metrics = nlohmann::json::parse(read_file(out + "/metrics.json"));
    CHECK(metrics.at("duplicates") ==
          nlohmann::json{{"rows", 3}, {"held_out_in_train", 2}, {"conflicting", 1}});

    SECTION("without copies: no warning, zero counts") {
        const std::string clean = temp_path("cli_dups_none_model");
        std::filesystem::remove_all(clean);
        const auto c = train(data_with_copies(false), clean);
        INFO(c.err);
        REQUIRE(c.exit_code == 0);
        CHECK_THAT(c.err, !Catch::Contains("repeat the molecule"));
        CHECK(nlohmann::json::parse(read_file(clean + "/metrics.json")).at("duplicates") ==
              nlohmann::json{{"rows", 0}, {"held_out_in_train", 0}, {"conflicting", 0}});
    }
}
