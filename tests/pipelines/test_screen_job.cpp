#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include "tests/catch.hpp"

#include "pipelines/screen_job.hpp"
#include "pipelines/screen_merge.hpp"
#include "src/csv.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::pipelines;
using nlohmann::json;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
    std::istringstream in(test::read_file(path));
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line))
        out.push_back(line);
    return out;
}

/// The first `n` ChEMBL records, then every 7th of them again (duplicates),
/// then the edge cases (salts, charges, metals, broken SMILES) as CSV rows.
std::string make_library(int n) {
    static std::map<int, std::string> made;
    if (made.count(n)) return made[n];
    auto chembl = lines_of(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"));
    std::string text = "smiles,chembl_id\n";
    auto row = [](const std::string& l) { return l.substr(0, l.rfind(',')) + "\n"; };
    for (int i = 1; i <= n; ++i)
        text += row(chembl[i]);
    for (int i = 1; i <= n; i += 7)
        text += row(chembl[i]);
    auto edge = lines_of(test::source_path("tests/pipelines/data/screen_edge.smi"));
    for (std::size_t i = 1; i < edge.size(); ++i) {
        auto sp = edge[i].find(' ');
        text += edge[i].substr(0, sp) + "," + edge[i].substr(sp + 1) + "\n";
    }
    text += "  ,blank_smiles\n";
    auto path = test::temp_path("screen_lib_" + std::to_string(n) + ".csv");
    test::write_file(path, text);
    return made[n] = path;
}

ScreenOptions options(const std::string& input, const std::string& name) {
    ScreenOptions o;
    o.input = input;
    o.output = test::temp_path(name + ".csv");
    o.progress = false;
    return o;
}

json summary_of(const ScreenResult& r) {
    return json::parse(test::read_file(r.summary));
}

/// Summary without its "run" object (timing, paths): what must match.
json stable(const ScreenResult& r) {
    auto j = summary_of(r);
    j.erase("run");
    return j;
}

void require_same_files(const ScreenResult& a, const ScreenResult& b) {
    CHECK(test::read_file(a.output) == test::read_file(b.output));
    CHECK(test::read_file(a.rejects) == test::read_file(b.rejects));
    if (!a.sdf.empty()) CHECK(test::read_file(a.sdf) == test::read_file(b.sdf));
    CHECK(stable(a) == stable(b));
}

ScreenResult run_sharded(const ScreenOptions& base, const std::string& name, int n) {
    ScreenMergeOptions m;
    for (int i = 0; i < n; ++i) {
        auto o = base;
        o.shard = Shard{i, n};
        o.output = shard_path(test::temp_path(name + ".csv"), o.shard);
        if (!base.sdf.empty()) o.sdf = shard_path(test::temp_path(name + ".sdf"), o.shard);
        o.threads = 1;
        run_screen(o);
        m.inputs.push_back(o.output);
    }
    m.output = test::temp_path(name + ".merged.csv");
    if (!base.sdf.empty()) m.sdf = test::temp_path(name + ".merged.sdf");
    return merge_screen(m);
}

}  // namespace

TEST_CASE("screen: every record is a hit or a reject, with the step and reason", "[screen][job]") {
    auto lib = make_library(300);
    auto o = options(lib, "acct");
    o.chunk = 64;
    auto r = run_screen(o);
    auto hits = lines_of(r.output);
    auto rejects = lines_of(r.rejects);
    auto cols = split_csv_line(hits.at(0), ',');
    std::vector<std::string> expected_cols = {
        "id",    "input_smiles", "smiles",        "mw",          "clogp",         "tpsa",
        "hbd",   "hba",          "rotb",          "heavy_atoms", "rings",         "aromatic_rings",
        "fsp3",  "qed",          "formal_charge", "pred_logs",   "pred_logs_std", "score",
        "flags", "record"};
    CHECK(cols == expected_cols);
    CHECK(rejects.at(0) == "id\tinput_smiles\tstep\treason\trecord\tsmiles");
    // 300 + 43 duplicates + 20 edge cases + 1 blank.
    const std::size_t total = 300 + 43 + 20 + 1;
    CHECK(hits.size() - 1 + rejects.size() - 1 == total);
    std::set<std::uint64_t> records;
    std::map<std::string, std::string> reason_of;  // id -> step: reason
    for (std::size_t i = 1; i < hits.size(); ++i)
        records.insert(std::stoull(split_csv_line(hits[i], ',').back()));
    for (std::size_t i = 1; i < rejects.size(); ++i) {
        auto f = split_csv_line(rejects[i], '\t');
        REQUIRE(f.size() == 6);
        records.insert(std::stoull(f[4]));
        reason_of[f[0]] = f[2] + ": " + f[3];
    }
    CHECK(records.size() == total);
    CHECK(*records.rbegin() == total - 1);
    // Each reject reason (see tests/pipelines/data/screen_edge.smi).
    CHECK_THAT(reason_of["unclosed_ring"],
               Catch::StartsWith("parse: SMILES Parse Error: unclosed ring"));
    CHECK_THAT(reason_of["syntax_error"], Catch::Contains("extra open parentheses"));
    CHECK_THAT(reason_of["pentavalent_nitrogen"], Catch::StartsWith("parse: valence error"));
    CHECK_THAT(reason_of["bad_aromatic"], Catch::StartsWith("parse: kekulization failed"));
    CHECK_THAT(reason_of["unknown_element"], Catch::StartsWith("parse: SMILES Parse Error"));
    CHECK(reason_of["blank_smiles"] == "read: empty SMILES");
    CHECK(reason_of["acetic_acid"] == "dedupe: duplicate of sodium_acetate (record 343)");
    CHECK(reason_of["potassium_benzoate"].rfind("dedupe: duplicate of ", 0) != 0);
    CHECK(reason_of["sodium_benzoate_covalent"] ==
          "dedupe: duplicate of potassium_benzoate (record 346)");
    CHECK_THAT(reason_of["CHEMBL3604662"], Catch::StartsWith("filter: lipinski: 2 violations"));
    // Metals: rejected by the elements rule before dedupe (copper acetate's
    // parent is acetic acid, but it is no duplicate of sodium acetate).
    CHECK_THAT(reason_of["copper_acetate"],
               Catch::StartsWith("filter: elements: metal in the input record: Cu ("));
    CHECK_THAT(reason_of["cisplatin_covalent"],
               Catch::StartsWith("filter: elements: metal in the input record: Pt ("));
    CHECK_THAT(reason_of["butyllithium"],
               Catch::StartsWith("filter: elements: element not allowed: Li (allowed: H, B,"));
    // Records 300.. repeat records 0, 7, 14, ...: duplicates of the first id.
    auto first = split_csv_line(lines_of(lib)[1], ',');
    auto dup = reason_of.find(first[1]);
    REQUIRE(dup != reason_of.end());
    CHECK(dup->second == "dedupe: duplicate of " + first[1] + " (record 0)");
    auto s = summary_of(r);
    CHECK(s["accounting"]["holds"] == true);
    CHECK(s["counts"]["records_read"] == total);
    CHECK(s["counts"]["hits"] == hits.size() - 1);
    std::uint64_t sum = 0;
    for (const char* k : {"hits", "rejected", "filtered", "duplicates", "cut_by_top"})
        sum += s["counts"][k].get<std::uint64_t>();
    CHECK(sum == total);
    CHECK(s["counts"]["duplicates"].get<int>() >= 43 + 2);
    CHECK(s["filtered_by_rule"]["elements"].get<int>() >= 3);
    CHECK(s["filtered_by_rule"]["lipinski"].get<int>() > 0);
    CHECK(s["filtered_by_rule"]["pains_a"].get<int>() > 0);
    // Hits are ranked by the default score, the built-in model's predicted
    // solubility, descending.
    double prev = 1e9;
    for (std::size_t i = 1; i < hits.size(); ++i) {
        auto f = split_csv_line(hits[i], ',');
        double score = std::stod(f[17]);
        CHECK(score <= prev);
        CHECK(score == Approx(std::stod(f[15])).margin(5.1e-5));  // pred_logs has 4 decimals
        CHECK(std::stod(f[16]) >= 0);                             // the ensemble's spread
        prev = score;
    }
}

TEST_CASE("screen: outputs are byte-identical for 1 and 2 threads and any chunk size",
          "[screen][job][threads]") {
    auto lib = make_library(600);
    auto a = options(lib, "t1");
    a.threads = 1;
    a.chunk = 1000;
    a.top = 100;
    a.sdf = test::temp_path("t1.sdf");
    auto b = a;
    b.output = test::temp_path("t2.csv");
    b.sdf = test::temp_path("t2.sdf");
    b.threads = 2;
    b.chunk = 37;
    auto ra = run_screen(a);
    auto rb = run_screen(b);
    require_same_files(ra, rb);
    CHECK(summary_of(rb)["run"]["threads"] == 2);
    CHECK(lines_of(ra.output).size() == 101);
    CHECK(summary_of(ra)["counts"]["cut_by_top"].get<int>() > 0);

    SECTION("shards merged with --top give the single run's files") {
        auto rm = run_sharded(a, "shtop", 3);
        require_same_files(ra, rm);
    }
}

TEST_CASE("screen: shards merged without --top give the single run's files",
          "[screen][job][merge]") {
    // Duplicates fall into different shards (every 7th record repeats with an
    // offset of 300 - i + i/7 records), so the merge must find them again.
    auto lib = make_library(300);
    auto o = options(lib, "notop");
    ScreenConfig cfg;
    cfg.filters.catalogs = {"PAINS_A"};
    cfg.score.weights = {{"qed", 1.0}, {"clogp", -0.1}};
    o.config = cfg;
    auto single = run_screen(o);
    auto merged = run_sharded(o, "notop_sh", 2);
    require_same_files(single, merged);
    // 43 repeats, acetic acid and the covalent sodium benzoate; copper
    // acetate's parent is acetic acid too, but the elements rule rejected it
    // before dedupe, in its shard as in the single run.
    CHECK(summary_of(merged)["counts"]["duplicates"].get<int>() >= 45);
    CHECK_THAT(test::read_file(merged.rejects),
               Catch::Contains("copper_acetate\tCC(=O)[O-].CC(=O)[O-].[Cu+2]\tfilter\telements: "));
}

TEST_CASE("screen: SDF input keeps SD titles as ids; hits SDF carries the values as tags",
          "[screen][job][sdf]") {
    auto o = options(test::shared_path("data/sdf/rdkit_cdk2.sdf"), "cdk2");
    o.sdf = test::temp_path("cdk2_hits.sdf");
    auto r = run_screen(o);
    auto s = summary_of(r);
    CHECK(s["counts"]["records_read"] == 47);
    CHECK(s["accounting"]["holds"] == true);
    auto hits = lines_of(r.output);
    REQUIRE(hits.size() > 1);
    CHECK_THAT(hits[1], Catch::StartsWith("ZINC"));
    auto sdf = test::read_file(r.sdf);
    std::size_t records = 0;
    for (std::size_t p = sdf.find("$$$$"); p != std::string::npos; p = sdf.find("$$$$", p + 1))
        ++records;
    CHECK(records == hits.size() - 1);
    CHECK_THAT(sdf, Catch::Contains("> <qed>\n") && Catch::Contains("> <score>\n") &&
                        Catch::Contains("M  END"));
}

TEST_CASE("screen: similarity to reference actives, threshold and weighted score",
          "[screen][job][similarity]") {
    auto refs = test::temp_path("refs.smi");
    test::write_file(refs, "smiles id\nCOc1cccc(NC(=O)N2CCN(c3ccccc3)CC2)c1 REF1\n");
    auto lib = make_library(300);
    auto o = options(lib, "sim");
    ScreenConfig cfg;
    SimilarityOptions so;
    so.name = "act";
    so.references = refs;
    so.min = 0.3;
    cfg.similarity = {so};
    cfg.score.weights = {{"sim_act", 1.0}};
    o.config = cfg;
    auto r = run_screen(o);
    auto hits = lines_of(r.output);
    auto cols = split_csv_line(hits.at(0), ',');
    CHECK(cols.at(15) == "sim_act");
    CHECK(cols.at(16) == "nearest_act");
    for (std::size_t i = 1; i < hits.size(); ++i) {
        auto f = split_csv_line(hits[i], ',');
        CHECK(std::stod(f[15]) >= 0.3);
        CHECK(f[16] == "REF1");
    }
    auto s = summary_of(r);
    CHECK(s["steps"][6]["step"] == "similarity");
    CHECK(s["steps"][6]["removed"].get<int>() > 0);
    CHECK(s["accounting"]["holds"] == true);

    ScreenConfig bad;
    bad.score.weights = {{"potency", 1.0}};
    o.config = bad;
    CHECK_THROWS_WITH(run_screen(o), Catch::Contains("unknown column 'potency'"));
}

TEST_CASE("screen merge: refuses incomplete or mixed shard sets", "[screen][merge]") {
    auto lib = make_library(300);
    auto o = options(lib, "inc");
    o.shard = Shard{0, 2};
    o.output = test::temp_path("inc.shard-0-of-2.csv");
    run_screen(o);
    ScreenMergeOptions m;
    m.inputs = {o.output};
    m.output = test::temp_path("inc.merged.csv");
    CHECK_THROWS_WITH(merge_screen(m), Catch::Contains("got 1 shard outputs of 2"));
    m.inputs = {o.output, o.output};
    CHECK_THROWS_WITH(merge_screen(m), Catch::Contains("given twice"));
}
