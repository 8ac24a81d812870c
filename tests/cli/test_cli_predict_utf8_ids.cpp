// Text that is not valid UTF-8 (a Latin-1 'é' in an id) in train, predict
// and evaluate: the record is used, and every file written shows each bad
// byte as \xHH (as screen's hits and embed's rejects do), so that Python's
// csv module and pandas open them; a valid UTF-8 'é' is kept as it is. Only
// embed and tokenize, which write HDF5 strings and JSON per record, reject
// such ids.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::source_path;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

namespace {

/// How many bytes of `text` are not ASCII.
std::size_t non_ascii(const std::string& text) {
    std::size_t n = 0;
    for (unsigned char c : text)
        n += c >= 0x80 ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("cli predict: a FASTA id that is not UTF-8 is written with \\xHH",
          "[cli][predict][utf8]") {
    const std::string model = plmkit::test::train_tiny_esm_forest("utf8_pred_esm_model");

    auto fa = write_temp("utf8_pred.fa", ">caf\xE9 x\nMKTAY\n>ok\nMKTAA\n>caf\xC3\xA9\nMKTAC\n");
    const std::string out = temp_path("utf8_pred.csv");
    auto r = run_plmkit({"predict", "--model", model, "--input", fa, "--output", out});
    REQUIRE(r.exit_code == 0);
    const std::string csv = read_file(out);
    CHECK_THAT(csv, Catch::StartsWith("id,sequence,target,target_std\n"));
    CHECK_THAT(csv, Catch::Contains("\ncaf\\xE9,MKTAY,"));
    CHECK_THAT(csv, Catch::Contains("\nok,MKTAA,"));
    CHECK_THAT(csv, Catch::Contains("\ncaf\xC3\xA9,MKTAC,"));  // valid UTF-8: as it is
    CHECK(non_ascii(csv) == 2);
}

TEST_CASE("cli train/evaluate: ids that are not UTF-8 are written with \\xHH",
          "[cli][train][utf8]") {
    // ESOL rows, two with Latin-1 ids, and a SMILES that does not parse.
    std::ifstream in(source_path("tests/cli/data/esol_slice.csv"));
    std::string text, line;
    for (int i = 0; std::getline(in, line); ++i) {
        if (i == 3) line = "caf\xE9" + line.substr(line.find(','));
        if (i == 7) line = "Soci\xE9t\xE9" + line.substr(line.find(','));
        text += line + "\n";
    }
    text += "bad\xE9,C1CC,-1.0\n";
    const std::string data = write_temp("utf8_train.csv", text);
    const std::string model = temp_path("utf8_train_model");
    auto r = run_plmkit({"train", "--data", data, "--target-col", "logS", "--featurizer", "basic",
                         "--head", "forest", "--trees", "5", "--threads", "1", "--output", model});
    REQUIRE(r.exit_code == 0);
    const std::string split = read_file(model + "/split.csv");
    CHECK_THAT(split, Catch::Contains("\n2,caf\\xE9,"));
    CHECK_THAT(split, Catch::Contains("\n6,Soci\\xE9t\\xE9,"));
    CHECK(non_ascii(split) == 0);
    const std::string rejects = read_file(model + "/rejects.tsv");
    CHECK_THAT(rejects, Catch::Contains("\n81\tbad\\xE9\tC1CC\t"));
    CHECK(non_ascii(rejects) == 0);

    // Without the hash of its data (a model from before plmkit recorded it),
    // evaluate --split-set compares the rows' ids with split.csv's: escaped
    // alike, or (split.csv from before the escaping) as they are.
    auto cfg = nlohmann::json::parse(read_file(model + "/config.json"));
    cfg["training"].erase("data_file");
    plmkit::test::write_file(model + "/config.json", cfg.dump(2));
    const std::string eval_rejects = temp_path("utf8_eval.rejects.tsv");
    for (const bool raw : {false, true}) {
        if (raw) {
            std::string old = split;
            for (const std::string id : {"caf", "Soci", "t"}) {
                const std::string escaped = id + "\\xE9", latin1 = id + "\xE9";
                for (auto at = old.find(escaped); at != std::string::npos; at = old.find(escaped))
                    old.replace(at, escaped.size(), latin1);
            }
            REQUIRE(non_ascii(old) == 3);
            plmkit::test::write_file(model + "/split.csv", old);
        }
        r = run_plmkit({"evaluate", "--model", model, "--data", data, "--split-set",
                        "train,valid,test", "--rejects", eval_rejects});
        INFO("split.csv with the bytes as they are: " << raw);
        REQUIRE(r.exit_code == 0);
        CHECK_THAT(r.err, Catch::Contains("have split.csv's ids and inputs"));
    }
    r = run_plmkit({"evaluate", "--model", model, "--data", data, "--rejects", eval_rejects});
    REQUIRE(r.exit_code == 0);
    const std::string eval = read_file(eval_rejects);
    CHECK_THAT(eval, Catch::Contains("\n81\tbad\\xE9\tC1CC\t"));
    CHECK(non_ascii(eval) == 0);
}
