#include "tests/catch.hpp"

#include "pipelines/screen_config.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;

TEST_CASE("screen config: defaults are the documented default pipeline", "[screen][config]") {
    ScreenConfig c = parse_screen_config("", "empty.yaml");
    CHECK(c.standardize.enabled);
    CHECK(c.standardize.cleanup);
    CHECK(c.standardize.largest_fragment);
    CHECK(c.standardize.uncharge);
    CHECK_FALSE(c.standardize.tautomer);
    CHECK(c.dedupe.enabled);
    CHECK(c.filters.lipinski);
    CHECK(c.filters.lipinski_max_violations == 1);
    CHECK(c.filters.veber);
    CHECK(c.filters.catalogs == std::vector<std::string>{"PAINS_A", "PAINS_B", "PAINS_C"});
    // The default score: the built-in ESOL solubility model.
    REQUIRE(c.score.models.size() == 1);
    CHECK(c.score.models[0].name == "logs");
    CHECK(c.score.models[0].model == "default");
    REQUIRE(c.score.weights.size() == 1);
    CHECK(c.score.weights[0].first == "pred_logs");
    CHECK(c.score.weights[0].second == 1.0);
    CHECK(c.top == 0);
    CHECK(c.similarity.empty());
}

TEST_CASE("screen config: every step's options", "[screen][config]") {
    ScreenConfig c = parse_screen_config(R"(
standardize: {tautomer: true, uncharge: false}
dedupe: false
filters:
  ranges: {mw: [150, 500], clogp: {max: 5}, formal_charge: [0, 0], tpsa: [null, 120]}
  lipinski: {max_violations: 0}
  veber: false
  catalogs: [PAINS, BRENK]
  flag_catalogs: [NIH]
  include_smarts: [{name: amide, smarts: "C(=O)N"}]
  exclude_smarts: {nitro: "[N+](=O)[O-]"}
  flag_smarts: ["c1ccccc1"]
similarity:
  - {name: egfr, references: refs.smi, radius: 3, nbits: 1024, counts: true, min: 0.3}
score:
  expression: {qed: 1.0, clogp: -0.1}
rank: {top: 25}
)",
                                         "cfg.yaml");
    CHECK(c.standardize.tautomer);
    CHECK_FALSE(c.standardize.uncharge);
    CHECK_FALSE(c.dedupe.enabled);
    REQUIRE(c.filters.ranges.size() == 4);
    CHECK(c.filters.ranges[0].property == "mw");
    CHECK(*c.filters.ranges[0].min == 150);
    CHECK(*c.filters.ranges[0].max == 500);
    CHECK_FALSE(c.filters.ranges[1].min.has_value());
    CHECK(*c.filters.ranges[1].max == 5);
    CHECK_FALSE(c.filters.ranges[3].min.has_value());
    CHECK(c.filters.lipinski_max_violations == 0);
    CHECK_FALSE(c.filters.veber);
    CHECK(c.filters.catalogs == std::vector<std::string>{"PAINS", "BRENK"});
    CHECK(c.filters.flag_catalogs == std::vector<std::string>{"NIH"});
    REQUIRE(c.filters.include_smarts.size() == 1);
    CHECK(c.filters.include_smarts[0].name == "amide");
    REQUIRE(c.filters.exclude_smarts.size() == 1);
    CHECK(c.filters.exclude_smarts[0].smarts == "[N+](=O)[O-]");
    REQUIRE(c.filters.flag_smarts.size() == 1);
    CHECK(c.filters.flag_smarts[0].name == "c1ccccc1");
    REQUIRE(c.similarity.size() == 1);
    CHECK(c.similarity[0].name == "egfr");
    CHECK(c.similarity[0].radius == 3);
    CHECK(c.similarity[0].nbits == 1024);
    CHECK(c.similarity[0].counts);
    CHECK(*c.similarity[0].min == Approx(0.3));
    REQUIRE(c.score.weights.size() == 2);
    CHECK(c.score.weights[1] == std::make_pair(std::string("clogp"), -0.1));
    CHECK(c.top == 25);
    auto j = screen_config_json(c);
    CHECK(j["rank"]["top"] == 25);
    CHECK(j["filters"]["lipinski"] == 0);
    CHECK(j["dedupe"]["enabled"] == false);
}

TEST_CASE("screen config: mistakes are usage errors naming file, line and key",
          "[screen][config]") {
    auto fails_with = [](const std::string& yaml, const std::string& text) {
        try {
            parse_screen_config(yaml, "bad.yaml");
            FAIL("no error for: " << yaml);
        } catch (const UsageError& e) {
            CHECK_THAT(e.what(), Catch::Contains(text));
        }
    };
    fails_with("filter: {}", "'filter': unknown key");
    fails_with("filters:\n  lipinsky: true", "bad.yaml:2: 'filters.lipinsky': unknown key");
    fails_with("filters: {ranges: {mw: [500, 100]}}", "min is greater than max");
    fails_with("filters: {ranges: {mw: 3}}", "expected [min, max]");
    fails_with("filters: {veber: maybe}", "'filters.veber': expected true or false, got 'maybe'");
    fails_with(
        "filters:\n  lipinski: {max_violations: one}",
        "bad.yaml:2: 'filters.lipinski.max_violations': expected an integer 0..4, got 'one'");
    fails_with("filters: {lipinski: [1]}", "expected true or false, got a list");
    fails_with("filters: {catalogs: {PAINS: 1}}",
               "'filters.catalogs': expected a list such as [A, B] or [A], got a mapping");
    fails_with("filters: {catalogs: 'PAINS,,BRENK'}", "'filters.catalogs': empty name");
    fails_with("filters: {catalogs: PAINZ}", "unknown FilterCatalog 'PAINZ'");
    fails_with("filters: {ranges: {mw: {min: low}}}",
               "'filters.ranges.mw.min': expected a number, got 'low'");
    fails_with("filters: {ranges: {mw: heavy}}", "got 'heavy'");
    fails_with("dedupe: {key: [smiles]}", "'dedupe.key': expected a string, got a list");
    fails_with("dedupe: {key: canonical}", "expected 'smiles', got 'canonical'");
    fails_with("similarity: {references: a.smi, radius: 9}", "expected 0..6, got 9");
    fails_with("rank: {top: -3}", "expected a non-negative integer, got -3");
    fails_with("filters: {veber: {}}", "expected true or false, got a mapping");
    fails_with("similarity: 3", "'similarity': expected a mapping, got '3'");
    fails_with("dedupe: {key: inchikey}", "InChI");
    fails_with("similarity: {radius: 2}", "'similarity.references': missing");
    fails_with("score: {expression: {}}", "'score.expression'");
    fails_with("rank: {top: -3}", "'rank.top'");
    fails_with("standardize: [1, 2", "invalid YAML");
    CHECK_THROWS_AS(load_screen_config(test::temp_path("no-such.yaml")), IoError);
}

TEST_CASE("screen config: the documented example parses", "[screen][config]") {
    ScreenConfig c = load_screen_config(test::source_path("examples/screen.yaml"));
    CHECK(c.filters.lipinski);
    CHECK_FALSE(c.score.weights.empty());
}

TEST_CASE("screen config: a score section replaces the default score", "[screen][config]") {
    SECTION("an expression alone: no models") {
        ScreenConfig c = parse_screen_config("score:\n  expression:\n    qed: 1.0\n", "t.yaml");
        CHECK(c.score.models.empty());
        REQUIRE(c.score.weights.size() == 1);
        CHECK(c.score.weights[0].first == "qed");
    }
    SECTION("models without an expression: the first model's column") {
        ScreenConfig c = parse_screen_config(
            "score:\n  models:\n    - {name: sol, model: m1}\n    - {model: m2}\n", "t.yaml");
        REQUIRE(c.score.models.size() == 2);
        CHECK(c.score.models[0].name == "sol");
        CHECK(c.score.models[0].model == "m1");
        CHECK(c.score.models[1].name == "model");
        REQUIRE(c.score.weights.size() == 1);
        CHECK(c.score.weights[0].first == "pred_sol");
        CHECK(c.score.models[0].probabilities == "as-trained");
        CHECK_FALSE(screen_config_json(c)["score"]["models"][0].contains("probabilities"));
    }
    SECTION("a model's probabilities") {
        ScreenConfig c = parse_screen_config(
            "score:\n  models:\n    - {name: tox, model: m1, probabilities: prior}\n", "t.yaml");
        REQUIRE(c.score.models.size() == 1);
        CHECK(c.score.models[0].probabilities == "prior");
        CHECK(screen_config_json(c)["score"]["models"][0]["probabilities"] == "prior");
        CHECK_THROWS_WITH(
            parse_screen_config(
                "score:\n  models:\n    - {name: tox, model: m1, probabilities: balanced}\n",
                "t.yaml"),
            Catch::Contains("score.models.probabilities") &&
                Catch::Contains("expected as-trained or prior, got 'balanced'"));
    }
    SECTION("an empty score: qed") {
        ScreenConfig c = parse_screen_config("score:\n  models: []\n", "t.yaml");
        CHECK(c.score.models.empty());
        CHECK(c.score.weights.at(0).first == "qed");
    }
    SECTION("errors name the key") {
        CHECK_THROWS_WITH(parse_screen_config("score:\n  models:\n    - {name: a}\n", "t.yaml"),
                          Catch::Contains("score.models.model") && Catch::Contains("missing"));
        CHECK_THROWS_WITH(parse_screen_config("score:\n  models:\n    - {name: a, model: x}\n"
                                              "    - {name: a, model: y}\n",
                                              "t.yaml"),
                          Catch::Contains("'a' twice"));
        CHECK_THROWS_WITH(
            parse_screen_config("score:\n  models:\n    - {name: a b, model: x}\n", "t.yaml"),
            Catch::Contains("score.models.name"));
        CHECK_THROWS_WITH(parse_screen_config("score:\n  model: x\n", "t.yaml"),
                          Catch::Contains("unknown key"));
    }
}

TEST_CASE("screen config: one catalog name, or a comma-separated string, reads as a list",
          "[screen][config]") {
    ScreenConfig c =
        parse_screen_config("filters: {catalogs: PAINS, flag_catalogs: 'BRENK, NIH'}", "cfg.yaml");
    CHECK(c.filters.catalogs == std::vector<std::string>{"PAINS"});
    CHECK(c.filters.flag_catalogs == std::vector<std::string>{"BRENK", "NIH"});
}
