// `plmkit tokenize` and `plmkit vocab build` as a user runs them. ESM ids are
// hand-derived from the alphabet <cls> <pad> <eos> <unk> L A G V S E R T I D
// P K Q N F Y M H W C X B U Z O . - <null_1> <mask> (ids 0..32); the SMILES
// vocabulary reference comes from Python's `re`
// (tests/tokenizers/data/make_golden.py).
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using nlohmann::json;
using plmkit::test::run_plmkit;
namespace test = plmkit::test;

namespace {

std::vector<json> json_lines(const std::string& text) {
    std::vector<json> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        out.push_back(json::parse(line));
    return out;
}

const json* find_id(const std::vector<json>& lines, const std::string& id) {
    for (const auto& j : lines)
        if (j.at("id") == id) return &j;
    return nullptr;
}

}  // namespace

TEST_CASE("cli tokenize: ESM ids of the esm2_tiny fixture sequences", "[cli][tokenize]") {
    auto fasta = test::shared_path("fixtures/esm2_tiny/sequences.fasta");
    auto r = run_plmkit({"tokenize", "--kind", "protein", fasta});
    REQUIRE(r.exit_code == 0);
    auto lines = json_lines(r.out);
    REQUIRE(lines.size() == 7);
    CHECK(lines[0].at("id") == "P00293");
    CHECK(lines[6].at("id") == "UniRef50_A0A090SUK6");

    SECTION("5li1-B: LAFQREGFGRQSMSEKRTKQ") {
        auto line_start = r.out.find("{\"id\":\"5li1-B\"");
        REQUIRE(line_start != std::string::npos);
        CHECK(r.out.substr(line_start, r.out.find('\n', line_start) - line_start) ==
              R"({"id":"5li1-B","tokens":["<cls>","L","A","F","Q","R","E","G","F","G","R","Q",)"
              R"("S","M","S","E","K","R","T","K","Q","<eos>"],)"
              R"("ids":[0,4,5,18,16,10,9,6,18,6,10,16,8,20,8,9,15,10,11,15,16,2]})");
    }
    SECTION("P00293 (contains B and Z): first residues IEILLGGDDG, B at residue 64") {
        const json* j = find_id(lines, "P00293");
        REQUIRE(j);
        auto ids = j->at("ids").get<std::vector<int>>();
        REQUIRE(ids.size() == 99 + 2);
        CHECK(std::vector<int>(ids.begin(), ids.begin() + 11) ==
              std::vector<int>{0, 12, 9, 12, 4, 4, 6, 6, 13, 13, 6});
        CHECK(ids[64] == 25);  // ...EEDLLB: the 64th residue is B
        CHECK(ids.back() == 2);
    }
    SECTION("1nth-A contains pyrrolysine O (id 28)") {
        const json* j = find_id(lines, "1nth-A");
        REQUIRE(j);
        auto ids = j->at("ids").get<std::vector<int>>();
        CHECK(ids.size() == 458 + 2);
        CHECK(std::count(ids.begin(), ids.end(), 28) >= 1);
    }
    SECTION("Q12176 has 1025 residues; --truncate 1022 keeps 1024 ids") {
        CHECK(find_id(lines, "Q12176")->at("ids").size() == 1027);
        auto t = run_plmkit({"tokenize", "--kind", "protein", "--truncate", "1022", fasta});
        REQUIRE(t.exit_code == 0);
        auto tl = json_lines(t.out);
        CHECK(find_id(tl, "Q12176")->at("ids").size() == 1024);
        CHECK(find_id(tl, "5li1-B")->at("ids").size() == 22);
        CHECK_THAT(t.err, Catch::Contains("7 records") && Catch::Contains("1 truncated"));
    }
}

TEST_CASE("cli tokenize: --vocab verifies a protein checkpoint vocabulary", "[cli][tokenize]") {
    auto fasta = test::shared_path("fixtures/esm2_tiny/sequences.fasta");
    auto good = run_plmkit({"tokenize", "--kind", "protein", "--vocab",
                            test::shared_path("fixtures/esm2_tiny/model/vocab.txt"), fasta});
    CHECK(good.exit_code == 0);
    auto bad_vocab = test::temp_path("cli_bad_vocab.txt");
    test::write_file(bad_vocab, "<cls>\n<pad>\n<eos>\n<unk>\nA\nL\n");
    auto bad = run_plmkit({"tokenize", "--kind", "protein", "--vocab", bad_vocab, fasta});
    CHECK(bad.exit_code == 5);
    CHECK_THAT(bad.err, Catch::StartsWith("plmkit: error: " + bad_vocab + ":5:") &&
                            Catch::Contains("expected 'L'"));
    CHECK(bad.out.empty());
}

TEST_CASE("cli tokenize: bad characters are rejected with a reason, the run goes on",
          "[cli][tokenize]") {
    auto fasta = test::temp_path("cli_bad.fasta");
    test::write_file(fasta, ">ok1 first\nMKTAYIAK\n>bad1\nMKTA\nYI#AK\n>empty\n\n>ok2\nmkt*\n");
    auto out = test::temp_path("cli_bad.jsonl");
    auto r = run_plmkit({"tokenize", "--kind", "protein", "--output", out, fasta});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.empty());
    auto lines = json_lines(test::read_file(out));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].at("ids") == json::array({0, 20, 15, 11, 5, 19, 12, 5, 15, 2}));
    CHECK(lines[1].at("id") == "ok2");
    CHECK(lines[1].at("ids") == json::array({0, 20, 15, 11, 2}));
    // '#' is the 7th residue of the joined sequence MKTAYI#AK
    CHECK_THAT(r.err, Catch::Contains(fasta + ":3: record 'bad1' rejected: invalid character '#' "
                                              "at position 7"));
    auto rejects = test::read_file(out + ".rejects.tsv");
    CHECK_THAT(rejects, Catch::StartsWith("id\tline\treason\n"));
    CHECK_THAT(rejects, Catch::Contains("bad1\t3\tinvalid character '#' at position 7\n"));
    CHECK_THAT(rejects, Catch::Contains("empty\t6\t"));
    CHECK_THAT(r.err, Catch::Contains("4 records, 2 written, 2 rejected"));
}

// Ids of fair-esm 2.0.1's Alphabet.from_architecture("ESM-1b").encode, with <cls> and <eos>.
TEST_CASE("cli tokenize: <mask> and <unk> in a FASTA sequence are one token each",
          "[cli][tokenize]") {
    auto fasta = test::temp_path("cli_mask.fasta");
    test::write_file(fasta, ">m1\nMKT<mask>AY\n>m2\nM<unk>K\n<mask>\n>m3\nMK<cls>T\n");
    auto out = test::temp_path("cli_mask.jsonl");
    auto r = run_plmkit({"tokenize", "--kind", "protein", "--truncate", "4", "-o", out, fasta});
    REQUIRE(r.exit_code == 0);
    auto lines = json_lines(test::read_file(out));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].at("tokens") == json::array({"<cls>", "M", "K", "T", "<mask>", "<eos>"}));
    CHECK(lines[0].at("ids") == json::array({0, 20, 15, 11, 32, 2}));
    CHECK(lines[1].at("ids") == json::array({0, 20, 3, 15, 32, 2}));  // lines joined
    CHECK(test::read_file(out + ".rejects.tsv") ==
          "id\tline\treason\nm3\t6\tspecial token '<cls>' at position 3 cannot be inside a "
          "sequence (only <mask> and <unk> can)\n");
    CHECK_THAT(r.err, Catch::Contains("3 records, 2 written, 1 rejected, 1 truncated"));
}

TEST_CASE("cli tokenize: exit codes for usage, input and I/O errors", "[cli][tokenize]") {
    auto fasta = test::shared_path("fixtures/esm2_tiny/sequences.fasta");
    SECTION("an unknown --kind is a usage error") {
        auto r = run_plmkit({"tokenize", "--kind", "dna", fasta});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: "));
    }
    SECTION("--kind is required") {
        CHECK(run_plmkit({"tokenize", fasta}).exit_code == 2);
    }
    SECTION("a missing input is an I/O error naming the file") {
        auto r = run_plmkit({"tokenize", "--kind", "protein", "/nonexistent/in.fasta"});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("/nonexistent/in.fasta"));
    }
    SECTION("text before the first '>' is an input error") {
        auto p = test::temp_path("cli_notfasta.fasta");
        test::write_file(p, "MKT\n>a\nMKT\n");
        auto r = run_plmkit({"tokenize", "--kind", "protein", p});
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains(p + ":1"));
    }
    SECTION("SD files have no SMILES text: a usage error") {
        auto r = run_plmkit(
            {"tokenize", "--kind", "smiles", test::shared_path("data/sdf/rdkit_cdk2.sdf")});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("is an SD file"));
    }
    SECTION("--help shows examples") {
        auto r = run_plmkit({"tokenize", "--help"});
        CHECK(r.exit_code == 0);
        CHECK_THAT(r.out, Catch::Contains("Examples:") && Catch::Contains("--kind"));
    }
}

TEST_CASE("cli tokenize: SMILES tokens, and ids from a vocabulary", "[cli][tokenize][smiles]") {
    auto smi = test::temp_path("cli_mols.csv");
    test::write_file(smi, "name,smiles\nm1,C[C@@H](Cl)c1ccccc1Br\nm2,CCx\nm3,C1CC%10CC1%10\n");
    SECTION("without --vocab: tokens only") {
        auto r = run_plmkit({"tokenize", "--kind", "smiles", "--id-col", "name", smi});
        REQUIRE(r.exit_code == 0);
        auto lines = json_lines(r.out);
        REQUIRE(lines.size() == 2);
        CHECK(lines[0].at("id") == "m1");
        CHECK(lines[0].at("tokens") == json::array({"C", "[C@@H]", "(", "Cl", ")", "c", "1", "c",
                                                    "c", "c", "c", "c", "1", "Br"}));
        CHECK_FALSE(lines[0].contains("ids"));
        CHECK(lines[1].at("tokens") ==
              json::array({"C", "1", "C", "C", "%10", "C", "C", "1", "%10"}));
        CHECK_THAT(r.err, Catch::Contains("'m2' rejected: invalid character 'x' at position 3"));
    }
    SECTION("with --vocab: unknown tokens -> <unk> (id 1), counted") {
        auto vocab = test::temp_path("cli_small_vocab.txt");
        test::write_file(vocab, "<pad>\n<unk>\n<cls>\n<eos>\n<mask>\nC\nc\n1\n(\n)\n");
        auto out = test::temp_path("cli_mols.jsonl");
        auto r =
            run_plmkit({"tokenize", "--kind", "smiles", "--vocab", vocab, "--output", out, smi});
        REQUIRE(r.exit_code == 0);
        auto lines = json_lines(test::read_file(out));
        REQUIRE(lines.size() == 2);
        CHECK(lines[0].at("ids") == json::array({5, 1, 8, 1, 9, 6, 7, 6, 6, 6, 6, 6, 7, 1}));
        CHECK(lines[1].at("ids") == json::array({5, 7, 5, 5, 1, 5, 5, 7, 1}));
        CHECK_THAT(r.err, Catch::Contains("5 unknown tokens"));
        CHECK_THAT(test::read_file(out + ".rejects.tsv"), Catch::Contains("m2\t3\t"));
    }
}

TEST_CASE("cli vocab build: the ChEMBL vocabulary equals Python's count", "[cli][vocab][smiles]") {
    auto out = test::temp_path("cli_chembl_vocab.txt");
    auto r = run_plmkit({"vocab", "build", "--kind", "smiles",
                         test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"),
                         "--output", out, "--min-freq", "100"});
    REQUIRE(r.exit_code == 0);
    CHECK(test::read_file(out) ==
          test::read_file(test::source_path("tests/tokenizers/data/chembl30_vocab_min100.txt")));
    CHECK_THAT(r.err, Catch::Contains("90599 records"));
    SECTION("--kind protein is refused") {
        auto p =
            run_plmkit({"vocab", "build", "--kind", "protein",
                        test::shared_path("fixtures/esm2_tiny/sequences.fasta"), "--output", out});
        CHECK(p.exit_code == 2);
        CHECK_THAT(p.err, Catch::Contains("ESM-2 alphabet"));
    }
}

TEST_CASE("cli vocab build: every unusable record is in the rejects file", "[cli][vocab][smiles]") {
    // 25 records the tokenizer rejects ('&' is outside the SMILES pattern),
    // between good ones, plus an empty SMILES: more than the 20 warnings.
    std::string csv = "smiles,id\n";
    std::string expected = "id\tline\treason\n";
    int line = 1;
    for (int i = 0; i < 25; ++i) {
        csv += "CCO,good" + std::to_string(i) + "\n";
        ++line;
        csv += "CC&N,bad" + std::to_string(i) + "\n";
        ++line;
        expected += "bad" + std::to_string(i) + "\t" + std::to_string(line) +
                    "\tinvalid character '&' at position 3\n";
    }
    csv += ",empty\n";
    expected += "empty\t" + std::to_string(++line) + "\tempty SMILES\n";
    auto in = test::temp_path("cli_vocab_bad.csv");
    test::write_file(in, csv);
    auto out = test::temp_path("cli_vocab_bad.txt");
    auto r = run_plmkit({"vocab", "build", "--kind", "smiles", in, "--output", out});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(test::read_file(out + ".rejects.tsv") == expected);
    CHECK_THAT(r.err, Catch::Contains(in + ":3: record 'bad0' skipped: invalid character '&'"));
    CHECK_THAT(r.err, Catch::Contains("record 'bad19' skipped"));
    CHECK_THAT(r.err, !Catch::Contains("record 'bad20' skipped"));
    CHECK_THAT(r.err, Catch::Contains("more skipped records not shown: all are in " + out +
                                      ".rejects.tsv"));
    CHECK_THAT(r.err, Catch::Contains("51 records (26 skipped)"));
    // The good records alone make the vocabulary: specials, then C (50), O (25).
    CHECK(test::read_file(out) == "<pad>\n<unk>\n<cls>\n<eos>\n<mask>\nC\nO\n");

    SECTION("--rejects chooses the file") {
        auto rej = test::temp_path("cli_vocab_rejects.tsv");
        REQUIRE(run_plmkit({"-q", "vocab", "build", in, "-o", out, "--rejects", rej}).exit_code ==
                0);
        CHECK(test::read_file(rej) == expected);
    }
}

TEST_CASE("cli tokenize and embed: an input without FASTA records gets a warning",
          "[cli][tokenize][embed]") {
    // Both exited 0 in silence (with -q) on an empty or blank file.
    auto fasta = test::temp_path("cli_no_records.fasta");
    test::write_file(fasta, "\n\n");
    const std::string warning =
        "plmkit: warning: " + fasta + ": no FASTA records (no line starts with '>')";
    auto r = run_plmkit({"tokenize", "-q", "--kind", "protein", fasta});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains(warning));
    auto out = test::temp_path("cli_no_records.h5");
    r = run_plmkit({"embed", "-q", "--model", test::shared_path("fixtures/esm2_tiny/model"),
                    "--input", fasta, "--output", out});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains(warning));
}
