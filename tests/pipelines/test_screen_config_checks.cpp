// Config mistakes found while reading the YAML name the file, the line of
// the offending key and the key itself.
#include <filesystem>

#include "tests/catch.hpp"

#include "pipelines/screen_config.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

namespace {
std::string error_of(const std::string& yaml) {
    try {
        parse_screen_config(yaml, "bad.yaml");
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST_CASE("screen config: values checked at their own line", "[screen][config]") {
    CHECK_THAT(error_of("filters:\n  ranges:\n    weight: [100, 500]\n"),
               Catch::StartsWith("bad.yaml:3: 'filters.ranges.weight': unknown property 'weight' "
                                 "(expected one of: mw, clogp,") &&
                   Catch::EndsWith("qed, formal_charge)"));
    CHECK_THAT(
        error_of("filters:\n  catalogs: [PAINS_A, PAINS_D]\n"),
        Catch::StartsWith("bad.yaml:2: 'filters.catalogs': unknown FilterCatalog 'PAINS_D'"));
    CHECK(error_of("filters:\n  flag_catalogs: [brenk]\n") == "(no error)");
    CHECK_THAT(error_of("filters:\n  exclude_smarts:\n    - {name: bad, smarts: \"C(=O\"}\n"),
               Catch::StartsWith("bad.yaml:3: 'filters.exclude_smarts.smarts': invalid SMARTS "
                                 "'C(=O' for 'bad'"));
    CHECK_THAT(error_of("filters:\n  flag_smarts: {x: \"[N+\"}\n"),
               Catch::StartsWith("bad.yaml:2: 'filters.flag_smarts': invalid SMARTS"));
    CHECK_THAT(error_of("score:\n  expression: {foo: 1.0}\n"),
               Catch::StartsWith("bad.yaml:2: 'score.expression.foo': unknown column 'foo'"));
    CHECK(error_of("similarity: {name: egfr, references: r.smi}\n"
                   "score:\n  models: [{name: sol, model: m}]\n"
                   "  expression: {sim_egfr: 1.0, pred_sol: 1.0, pred_sol_std: -1, qed: 1}\n") ==
          "(no error)");
    CHECK_THAT(error_of("similarity:\n  name: x\n  references: t.smi\n  radius: -1\n  nbits: 0\n"),
               Catch::StartsWith("bad.yaml:4: 'similarity.radius': expected 0..6"));
    CHECK_THAT(error_of("similarity:\n  name: x\n  references: t.smi\n  nbits: 0\n"),
               Catch::StartsWith("bad.yaml:4: 'similarity.nbits'"));
    CHECK_THAT(error_of("similarity:\n  - name: x\n    references: t.smi\n    min: 2\n"),
               Catch::StartsWith("bad.yaml:4: 'similarity.min': expected a Tanimoto similarity "
                                 "0..1, got 2"));
}

TEST_CASE("screen config: a key given twice is refused", "[screen][config]") {
    CHECK(error_of("filters:\n  veber: true\n  veber: false\n") ==
          "bad.yaml:3: 'filters.veber': duplicate key (first on line 2); give each key once");
    CHECK_THAT(error_of("filters:\n  ranges: {mw: [1, 2], mw: [3, 4]}\n"),
               Catch::Contains("'filters.ranges.mw': duplicate key"));
    CHECK_THAT(error_of("rank: {top: 1}\nrank: {top: 2}\n"),
               Catch::StartsWith("bad.yaml:2: 'rank': duplicate key"));
}

TEST_CASE("screen config: references are found from the config file's folder", "[screen][config]") {
    namespace fs = std::filesystem;
    const fs::path dir = test::temp_path("cfgdir");
    fs::create_directories(dir / "conf");
    test::write_file((dir / "conf" / "refs.smi").string(), "CCO eth\n");
    const std::string cfg = (dir / "conf" / "sim.yaml").string();
    test::write_file(cfg, "similarity:\n  name: r\n  references: refs.smi\n");
    auto c = load_screen_config(cfg);
    REQUIRE(c.similarity.size() == 1);
    CHECK(c.similarity[0].references == (dir / "conf" / "refs.smi").string());

    test::write_file(cfg, "similarity:\n  name: r\n  references: missing.smi\n");
    try {
        load_screen_config(cfg);
        FAIL("a missing references file was accepted");
    } catch (const IoError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith(cfg + ":3: 'similarity.references': cannot open '" +
                                               (dir / "conf" / "missing.smi").string() + "'"));
    }
}

TEST_CASE("screen config: model directories are found from the config file's folder",
          "[screen][config]") {
    namespace fs = std::filesystem;
    const fs::path dir = test::temp_path("cfgdir_models");
    fs::create_directories(dir / "conf");
    fs::create_directories(dir / "conf" / "models" / "herg");
    fs::create_directories(dir / "abs_m");
    const std::string abs_m = (dir / "abs_m").string();
    const std::string cfg = (dir / "conf" / "score.yaml").string();
    test::write_file(cfg,
                     "score:\n  models:\n    - {name: a, model: models/herg}\n"
                     "    - {name: b, model: default}\n    - {name: c, model: " +
                         abs_m + "}\n");
    auto c = load_screen_config(cfg);
    REQUIRE(c.score.models.size() == 3);
    CHECK(c.score.models[0].model == (dir / "conf" / "models" / "herg").string());
    CHECK(c.score.models[1].model == "default");
    CHECK(c.score.models[2].model == abs_m);

    // A directory that is not there is named with the config line and key
    // (the model loader's own error named neither, nor where relative paths start).
    test::write_file(cfg, "score:\n  models:\n    - {name: a, model: models/hreg}\n");
    try {
        load_screen_config(cfg);
        FAIL("a missing model directory was accepted");
    } catch (const IoError& e) {
        CHECK_THAT(e.what(), Catch::StartsWith(cfg + ":3: 'score.models.model': cannot open '" +
                                               (dir / "conf" / "models" / "hreg").string() +
                                               "' (relative paths start at the config file's "
                                               "folder)"));
    }
}

TEST_CASE("screen config: filters.elements", "[screen][config][elements]") {
    auto cfg = [](const std::string& yaml) { return parse_screen_config(yaml, "e.yaml").filters; };
    // On by default, with GuacaMol's list.
    CHECK(cfg("").elements_on);
    CHECK(cfg("").elements.size() == 13);
    CHECK(screen_config_json(parse_screen_config("", "e.yaml"))["filters"]["elements"] ==
          nlohmann::json({"H", "B", "C", "N", "O", "F", "Si", "P", "S", "Cl", "Se", "Br", "I"}));
    CHECK(cfg("filters:\n  elements: true\n").elements.size() == 13);
    CHECK_FALSE(cfg("filters:\n  elements: false\n").elements_on);
    CHECK_FALSE(cfg("filters: false\n").elements_on);
    auto any = cfg("filters:\n  elements: any\n");
    CHECK(any.elements_on);
    CHECK(any.elements.empty());
    CHECK(screen_config_json(parse_screen_config("filters: {elements: any}\n",
                                                 "e.yaml"))["filters"]["elements"] == "any");
    CHECK(screen_config_json(parse_screen_config("filters: {elements: off}\n",
                                                 "e.yaml"))["filters"]["elements"] == false);
    auto own = cfg("filters:\n  elements: [C, H, N, O, Pt, C]\n");
    CHECK(own.elements == std::vector<std::string>{"C", "H", "N", "O", "Pt"});
    // Mistakes name the line and key.
    CHECK(error_of("filters:\n  elements:\n    - C\n    - Xx\n") ==
          "bad.yaml:4: 'filters.elements': unknown element symbol 'Xx' (expected symbols as in "
          "SMILES: C, Cl, Br, Se, ...)");
    CHECK(error_of("filters:\n  lipinski: true\n  elements: [C, CL]\n") ==
          "bad.yaml:3: 'filters.elements': unknown element symbol 'CL' (did you mean 'Cl'?)");
    CHECK_THAT(error_of("filters:\n  elements: [C, \"*\"]\n"),
               Catch::StartsWith("bad.yaml:2: 'filters.elements': unknown element symbol '*'"));
    CHECK_THAT(error_of("filters:\n  elements: []\n"),
               Catch::StartsWith("bad.yaml:2: 'filters.elements': expected a list of element "
                                 "symbols"));
    CHECK_THAT(error_of("filters:\n  elements: organic\n"),
               Catch::StartsWith("bad.yaml:2: 'filters.elements': expected a list"));
}
