#include "tests/catch.hpp"

#include "src/error.hpp"
#include "tests/test_support.hpp"
#include "tokenizers/esm_tokenizer.hpp"

using namespace plmkit;
using tokenizers::EsmEncodeOptions;
using tokenizers::EsmTokenizer;
using Ids = std::vector<std::int32_t>;

TEST_CASE("esm tokenizer: the alphabet in ESM-2 id order", "[tokenizers][esm]") {
    EsmTokenizer tok;
    const std::vector<std::string> expected = {
        "<cls>", "<pad>", "<eos>", "<unk>", "L", "A", "G", "V", "S", "E",        "R",
        "T",     "I",     "D",     "P",     "K", "Q", "N", "F", "Y", "M",        "H",
        "W",     "C",     "X",     "B",     "U", "Z", "O", ".", "-", "<null_1>", "<mask>"};
    CHECK(tok.tokens() == expected);
    CHECK(tok.token(EsmTokenizer::kMask) == "<mask>");
    CHECK(tok.token(EsmTokenizer::kPad) == "<pad>");
    CHECK_THROWS(tok.token(33));
    CHECK_THROWS(tok.token(-1));
}

TEST_CASE("esm tokenizer: hand-checked encodings", "[tokenizers][esm]") {
    EsmTokenizer tok;
    SECTION("a short protein: <cls> residues <eos>") {
        auto e = tok.encode("MKTAYIAK");
        REQUIRE(e.ok);
        CHECK(e.ids == Ids{0, 20, 15, 11, 5, 19, 12, 5, 15, 2});
        CHECK(e.residues == 8);
        CHECK(e.original_residues == 8);
        CHECK_FALSE(e.truncated);
    }
    SECTION("5li1-B of the esm2_tiny fixture") {
        auto e = tok.encode("LAFQREGFGRQSMSEKRTKQ");
        REQUIRE(e.ok);
        CHECK(e.ids ==
              Ids{0, 4, 5, 18, 16, 10, 9, 6, 18, 6, 10, 16, 8, 20, 8, 9, 15, 10, 11, 15, 16, 2});
    }
    SECTION("rare letters, gaps and lower case") {
        auto e = tok.encode("xbuzo.-lagv");
        REQUIRE(e.ok);
        CHECK(e.ids == Ids{0, 24, 25, 26, 27, 28, 29, 30, 4, 5, 6, 7, 2});
    }
    SECTION("whitespace is dropped, one trailing '*' is dropped") {
        auto e = tok.encode(" MK\tT\r\nA *\n");
        REQUIRE(e.ok);
        CHECK(e.ids == Ids{0, 20, 15, 11, 5, 2});
        CHECK(e.residues == 4);
    }
    SECTION("without special tokens") {
        EsmEncodeOptions o;
        o.add_special_tokens = false;
        auto e = tok.encode("LAG", o);
        REQUIRE(e.ok);
        CHECK(e.ids == Ids{4, 5, 6});
    }
}

TEST_CASE("esm tokenizer: rejects name the character and position", "[tokenizers][esm]") {
    EsmTokenizer tok;
    SECTION("a character outside the alphabet") {
        auto e = tok.encode("MKTAYIAKQRQ#SK");
        CHECK_FALSE(e.ok);
        CHECK(e.reason == "invalid character '#' at position 12");
        CHECK(e.ids.empty());
    }
    SECTION("positions count whitespace as in the input") {
        auto e = tok.encode("MK TA1");
        CHECK_FALSE(e.ok);
        CHECK(e.reason == "invalid character '1' at position 6");
    }
    SECTION("a '*' that is not the last character, or two trailing '*'") {
        CHECK(tok.encode("MK*T").reason == "invalid character '*' at position 3");
        CHECK(tok.encode("MKT**").reason == "invalid character '*' at position 4");
    }
    SECTION("a '<' that no '>' closes is an invalid character") {
        CHECK(tok.encode("MK<mask").reason == "invalid character '<' at position 3");
        CHECK(tok.encode("MK>").reason == "invalid character '>' at position 3");
    }
    SECTION("non-ASCII bytes") {
        CHECK(tok.encode("MK\xc3\xa9").reason == "invalid character byte 0xc3 at position 3");
    }
    SECTION("empty sequences") {
        CHECK(tok.encode("").reason == "empty sequence");
        CHECK(tok.encode(" \n").reason == "empty sequence");
        // A lone stop character says so: the record held something.
        CHECK(tok.encode("*").reason == "no residues: only the '*' stop character");
        CHECK(tok.encode(" * \n").reason == "no residues: only the '*' stop character");
        CHECK(tok.encode("**").reason == "invalid character '*' at position 1");
        CHECK_FALSE(tok.encode("*").ok);
    }
}

// Expected ids: fair-esm 2.0.1, esm.data.Alphabet.from_architecture("ESM-1b").encode(text)
// (the ids between <cls> and <eos>), checked by hand against the alphabet above.
TEST_CASE("esm tokenizer: <mask> and <unk> inside a sequence, as fair-esm", "[tokenizers][esm]") {
    EsmTokenizer tok;
    SECTION("<mask> is one token and one residue") {
        auto e = tok.encode("MKT<mask>AY");  // fair-esm: [20, 15, 11, 32, 5, 19]
        REQUIRE(e.ok);
        CHECK(e.ids == Ids{0, 20, 15, 11, 32, 5, 19, 2});
        CHECK(e.residues == 6);
        CHECK(e.original_residues == 6);
    }
    SECTION("at either end, repeated, and around whitespace") {
        CHECK(tok.encode("<mask>MKT").ids == Ids{0, 32, 20, 15, 11, 2});
        CHECK(tok.encode("MKT<mask>").ids == Ids{0, 20, 15, 11, 32, 2});
        CHECK(tok.encode("MK<mask><mask>T").ids == Ids{0, 20, 15, 32, 32, 11, 2});
        CHECK(tok.encode("MK <mask> T").ids == Ids{0, 20, 15, 32, 11, 2});
        CHECK(tok.encode("mk<mask>T*").ids == Ids{0, 20, 15, 32, 11, 2});
        CHECK(tok.encode("<mask>").ids == Ids{0, 32, 2});
    }
    SECTION("<unk>") {
        CHECK(tok.encode("M<unk>K").ids == Ids{0, 20, 3, 15, 2});  // fair-esm: [20, 3, 15]
    }
    SECTION("truncation counts <mask> as one residue (fair-esm: [0, 32, 20, 15, 2] for 3)") {
        EsmEncodeOptions o;
        o.truncate = 3;
        auto e = tok.encode("<mask>MKTA", o);
        REQUIRE(e.ok);
        CHECK(e.ids == Ids{0, 32, 20, 15, 2});
        CHECK(e.truncated);
        CHECK(e.original_residues == 5);
    }
    SECTION("the other special tokens are refused inside a sequence") {
        CHECK(tok.encode("M<cls>K").reason ==
              "special token '<cls>' at position 2 cannot be inside a sequence (only <mask> and "
              "<unk> can)");
        for (const char* t : {"<pad>", "<eos>", "<null_1>"}) {
            auto e = tok.encode(std::string("MK") + t);
            CHECK_FALSE(e.ok);
            CHECK_THAT(e.reason, Catch::StartsWith(std::string("special token '") + t +
                                                   "' at position 3 cannot be"));
        }
    }
    SECTION("any other <word> is an unknown token (fair-esm fails on it too)") {
        CHECK(tok.encode("M<MASK>K").reason ==
              "unknown token '<MASK>' at position 2 (inside a sequence only <mask> and <unk> are "
              "tokens, in lower case)");
        CHECK_THAT(tok.encode("M<ma sk>K").reason, Catch::StartsWith("unknown token '<ma sk>'"));
        CHECK(tok.encode("MKT<" + std::string(20, 'a') + ">").reason ==
              "invalid character '<' at position 4");
    }
}

TEST_CASE("esm tokenizer: truncation keeps the first N residues", "[tokenizers][esm]") {
    EsmTokenizer tok;
    EsmEncodeOptions o;
    o.truncate = 3;
    auto e = tok.encode("MKTAYIAK", o);
    REQUIRE(e.ok);
    CHECK(e.ids == Ids{0, 20, 15, 11, 2});
    CHECK(e.truncated);
    CHECK(e.residues == 3);
    CHECK(e.original_residues == 8);
    SECTION("a bad character after the cut still rejects") {
        CHECK_FALSE(tok.encode("MKTAYIA#", o).ok);
    }
    SECTION("no truncation when short enough") {
        o.truncate = 8;
        auto f = tok.encode("MKTAYIAK", o);
        CHECK_FALSE(f.truncated);
        CHECK(f.ids.size() == 10);
    }
    SECTION("fair-esm's 1022 on the 1025-residue fixture sequence") {
        o.truncate = 1022;
        auto g = tok.encode(std::string(1025, 'A'), o);
        CHECK(g.ids.size() == 1024);
        CHECK(g.ids.back() == EsmTokenizer::kEos);
        CHECK(g.original_residues == 1025);
    }
}

TEST_CASE("esm tokenizer: vocab.txt is verified against the alphabet", "[tokenizers][esm]") {
    SECTION("the esm2_tiny checkpoint's vocab.txt") {
        auto tok =
            EsmTokenizer::from_vocab_file(test::shared_path("fixtures/esm2_tiny/model/vocab.txt"));
        CHECK(tok.tokens().size() == 33);
    }
    SECTION("CRLF and a trailing blank line are fine") {
        std::string text;
        const EsmTokenizer ref;
        for (const auto& t : ref.tokens())
            text += t + "\r\n";
        auto p = test::temp_path("vocab_crlf.txt");
        test::write_file(p, text + "\n");
        CHECK(EsmTokenizer::from_vocab_file(p).tokens().size() == 33);
    }
    SECTION("two swapped tokens name the line and both tokens") {
        auto toks = EsmTokenizer().tokens();
        std::swap(toks[4], toks[5]);
        std::string text;
        for (const auto& t : toks)
            text += t + "\n";
        auto p = test::temp_path("vocab_swapped.txt");
        test::write_file(p, text);
        try {
            EsmTokenizer::from_vocab_file(p);
            FAIL("expected a ModelError");
        } catch (const ModelError& e) {
            CHECK_THAT(e.what(), Catch::Contains(p + ":5") && Catch::Contains("'A'") &&
                                     Catch::Contains("expected 'L'"));
        }
    }
    SECTION("a short or long vocabulary") {
        auto p = test::temp_path("vocab_short.txt");
        test::write_file(p, "<cls>\n<pad>\n");
        CHECK_THROWS_AS(EsmTokenizer::from_vocab_file(p), ModelError);
        CHECK_THROWS_WITH(EsmTokenizer::from_vocab_file(p), Catch::Contains("'<eos>'"));
        std::string text;
        const EsmTokenizer ref;
        for (const auto& t : ref.tokens())
            text += t + "\n";
        test::write_file(p, text + "<extra>\n");
        CHECK_THROWS_WITH(EsmTokenizer::from_vocab_file(p),
                          Catch::Contains(p + ":34") && Catch::Contains("<extra>"));
    }
    SECTION("a missing file is an IoError") {
        CHECK_THROWS_AS(EsmTokenizer::from_vocab_file("/nonexistent/vocab.txt"), IoError);
    }
}
