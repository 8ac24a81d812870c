// predict on a protein table without --id-col takes the id from a protein
// id column (DeepLoc's protein_id); it gave "<file-stem>:<n>".
#include <fstream>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

TEST_CASE("cli predict: a DeepLoc table's protein_id is the id", "[cli][predict][auto_id]") {
    // The header and 4 rows of DeepLoc below 120 residues (fast).
    std::ifstream in(shared_path("data/deeploc/deeploc_localization.csv"));
    std::string header, line, text;
    std::getline(in, header);
    std::vector<std::string> ids;
    while (ids.size() < 4 && std::getline(in, line)) {
        const std::string seq = line.substr(line.rfind(',') + 1);
        if (seq.size() >= 120) continue;
        ids.push_back(line.substr(0, line.find(',')));
        text += line + "\n";
    }
    REQUIRE(ids.size() == 4);
    const std::string data = write_temp("dl_test.csv", header + "\n" + text);
    const std::string model = plmkit::test::train_tiny_esm_forest("dl_ids_esm_model");
    const std::string out = temp_path("dl_ids_preds.csv");
    auto r = run_plmkit({"predict", "--model", model, "--input", data, "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string csv = read_file(out);
    CHECK_THAT(csv, !Catch::Contains("dl_test:"));
    for (const auto& id : ids)
        CHECK_THAT(csv, Catch::Contains("\n" + id + ","));
}
