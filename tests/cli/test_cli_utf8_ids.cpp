// Ids that are not valid UTF-8 (a Latin-1 'é') go to the rejects file with
// the reason; the HDF5 /ids and the JSON lines hold valid UTF-8 only.
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_temp;

namespace {
const std::string kLatin1Fasta = ">caf\xE9 x\nMKT\n>ok\nAAA\n";
const std::string kReason =
    "id is not valid UTF-8: byte 0xE9 at byte 4 of 'caf\\xE9' on line 1 (save the file as "
    "UTF-8, e.g. iconv -f latin1 -t utf-8)";
}  // namespace

TEST_CASE("cli embed: a FASTA id that is not UTF-8 is rejected with the reason",
          "[cli][embed][utf8]") {
    auto fa = write_temp("latin1_embed.fa", kLatin1Fasta);
    auto out = temp_path("latin1_embed.h5");
    auto r = run_plmkit({"embed", "--model", shared_path("fixtures/esm2_tiny/model"), "--input", fa,
                         "--output", out});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("embedded 1 sequence (0 truncated), 1 rejected"));
    CHECK(read_file(out + ".rejects.tsv") == "id\tline\treason\ncaf\\xE9\t1\t" + kReason + "\n");
    plmkit::Hdf5Reader h5(out);
    REQUIRE(h5.info("ids").rows == 1);
    CHECK(h5.read_strings("ids", 0, 1) == std::vector<std::string>{"ok"});
}

TEST_CASE("cli tokenize: ids that are not UTF-8 are rejected, the JSON stays valid",
          "[cli][tokenize][utf8]") {
    SECTION("protein") {
        auto fa = write_temp("latin1_tok.fa", kLatin1Fasta);
        auto out = temp_path("latin1_tok.jsonl");
        auto r = run_plmkit({"tokenize", "--kind", "protein", fa, "-o", out});
        REQUIRE(r.exit_code == 0);
        CHECK(read_file(out) ==
              "{\"id\":\"ok\",\"tokens\":[\"<cls>\",\"A\",\"A\",\"A\",\"<eos>\"],\"ids\":[0,5,5,5,"
              "2]}\n");
        CHECK(read_file(out + ".rejects.tsv") ==
              "id\tline\treason\ncaf\\xE9\t1\t" + kReason + "\n");
    }
    SECTION("smiles") {
        auto csv = write_temp("latin1_tok.csv", "smiles,id\nCCO,caf\xE9\nCCN,ok\n");
        auto out = temp_path("latin1_tok_smi.jsonl");
        auto r = run_plmkit({"tokenize", "--kind", "smiles", csv, "-o", out});
        REQUIRE(r.exit_code == 0);
        CHECK(read_file(out) == "{\"id\":\"ok\",\"tokens\":[\"C\",\"C\",\"N\"]}\n");
        CHECK_THAT(read_file(out + ".rejects.tsv"),
                   Catch::Contains("caf\\xE9\t2\tid is not valid UTF-8: byte 0xE9 at byte 4 of "
                                   "'caf\\xE9' on line 2"));
    }
}

TEST_CASE("cli tokenize, vocab build: a SMILES that is not UTF-8 is rejected, outputs stay UTF-8",
          "[cli][tokenize][vocab][utf8]") {
    // A bracket atom takes any byte: '[\xE9]' of a Latin-1 file was written
    // into the JSON line (and into vocab.txt), which then failed to decode.
    auto csv = write_temp("latin1_smiles.csv", "smiles,id\nC[\xE9]C,bad\nCCN,ok\n");
    const std::string reason =
        "SMILES is not valid UTF-8: byte 0xE9 at byte 3 of 'C[\\xE9]C' on line 2 (save the file "
        "as UTF-8, e.g. iconv -f latin1 -t utf-8)";
    SECTION("tokenize") {
        auto out = temp_path("latin1_smiles.jsonl");
        auto r = run_plmkit({"tokenize", "--kind", "smiles", csv, "-o", out});
        REQUIRE(r.exit_code == 0);
        CHECK(read_file(out) == "{\"id\":\"ok\",\"tokens\":[\"C\",\"C\",\"N\"]}\n");
        CHECK(read_file(out + ".rejects.tsv") == "id\tline\treason\nbad\t2\t" + reason + "\n");
    }
    SECTION("vocab build") {
        auto out = temp_path("latin1_vocab.txt");
        auto r = run_plmkit({"vocab", "build", "--kind", "smiles", csv, "-o", out});
        REQUIRE(r.exit_code == 0);
        CHECK(read_file(out) == "<pad>\n<unk>\n<cls>\n<eos>\n<mask>\nC\nN\n");
        CHECK(read_file(out + ".rejects.tsv") == "id\tline\treason\nbad\t2\t" + reason + "\n");
    }
    SECTION("vocab build: a rejected record's Latin-1 id is shown as \\xHH, as tokenize does") {
        auto bad_id = write_temp("latin1_vocab_id.csv", "smiles,id\nC&,caf\xE9\nCCN,ok\n");
        auto out = temp_path("latin1_vocab_id.txt");
        auto r = run_plmkit({"vocab", "build", "--kind", "smiles", bad_id, "-o", out});
        REQUIRE(r.exit_code == 0);
        CHECK(read_file(out + ".rejects.tsv") ==
              "id\tline\treason\ncaf\\xE9\t2\tinvalid character '&' at position 2\n");
    }
}
