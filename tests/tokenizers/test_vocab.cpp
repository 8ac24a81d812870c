#include "tests/catch.hpp"

#include "src/error.hpp"
#include "tests/test_support.hpp"
#include "tokenizers/vocab.hpp"

using namespace plmkit;
using tokenizers::Vocab;
using tokenizers::VocabBuilder;
using tokenizers::VocabBuildOptions;
using Strings = std::vector<std::string>;
using Views = std::vector<std::string_view>;

TEST_CASE("vocab: specials first, then tokens by frequency", "[tokenizers][vocab]") {
    VocabBuilder b;
    b.add(Views{"C", "C", "O", "Cl"});
    b.add(Views{"C", "N", "O", "[nH]"});
    b.add(Views{"c"});
    CHECK(b.sequences() == 3);
    CHECK(b.distinct_tokens() == 6);
    SECTION("min frequency 1: ties in byte order") {
        // C:3 O:2 then Cl N [nH] c (1 each, byte order: 'C'<'N'<'['<'c')
        auto v = b.build();
        CHECK(v.tokens() == Strings{"<pad>", "<unk>", "<cls>", "<eos>", "<mask>", "C", "O", "Cl",
                                    "N", "[nH]", "c"});
        CHECK(v.find("<pad>") == Vocab::kPad);
        CHECK(v.find("<unk>") == Vocab::kUnk);
        CHECK(v.find("<mask>") == Vocab::kMask);
        CHECK(v.find("O") == 6);
        CHECK(v.find("Br") == -1);
    }
    SECTION("min frequency 2 and a size cap") {
        VocabBuildOptions o;
        o.min_frequency = 2;
        CHECK(b.build(o).tokens() ==
              Strings{"<pad>", "<unk>", "<cls>", "<eos>", "<mask>", "C", "O"});
        o.min_frequency = 1;
        o.max_size = 6;
        CHECK(b.build(o).tokens() == Strings{"<pad>", "<unk>", "<cls>", "<eos>", "<mask>", "C"});
    }
    SECTION("a special token seen in the corpus is not added twice") {
        b.add(Views{"<unk>"});
        CHECK(b.build().size() == 11);
    }
}

TEST_CASE("vocab: encode maps unknown tokens to <unk> and counts them", "[tokenizers][vocab]") {
    Vocab v(Strings{"<pad>", "<unk>", "<cls>", "<eos>", "<mask>", "C", "O"});
    std::vector<std::int32_t> ids;
    CHECK(v.encode(Views{"C", "Br", "O", "Xx"}, ids) == 2);
    CHECK(ids == std::vector<std::int32_t>{5, 1, 6, 1});
    CHECK(v.encode(Views{"C"}, ids, true) == 0);
    CHECK(ids == std::vector<std::int32_t>{2, 5, 3});
    std::uint64_t unknown = 0;
    CHECK(v.encode_token("N", &unknown) == Vocab::kUnk);
    CHECK(v.encode_token("O", &unknown) == 6);
    CHECK(unknown == 1);
    SECTION("copies stay usable") {
        Vocab copy = v;
        Vocab moved = std::move(v);
        CHECK(copy.find("O") == 6);
        CHECK(moved.find("O") == 6);
    }
}

TEST_CASE("vocab: save and load vocab.txt", "[tokenizers][vocab]") {
    Vocab v(Strings{"<pad>", "<unk>", "<cls>", "<eos>", "<mask>", "C", "[C@@H]", "%10"});
    auto p = test::temp_path("vocab_roundtrip.txt");
    v.save(p);
    CHECK(test::read_file(p) == "<pad>\n<unk>\n<cls>\n<eos>\n<mask>\nC\n[C@@H]\n%10\n");
    auto w = Vocab::load(p);
    CHECK(w.tokens() == v.tokens());
    CHECK(w.find("[C@@H]") == 6);
    SECTION("CRLF and trailing blank lines") {
        test::write_file(p, "<pad>\r\n<unk>\r\nC\r\n\n");
        CHECK(Vocab::load(p).tokens() == Strings{"<pad>", "<unk>", "C"});
    }
    SECTION("malformed files name the problem") {
        test::write_file(p, "<pad>\n<unk>\nC\nO\nC\n");
        CHECK_THROWS_AS(Vocab::load(p), InputError);
        CHECK_THROWS_WITH(Vocab::load(p), Catch::Contains("'C' appears twice (ids 2 and 4)"));
        test::write_file(p, "<pad>\n\nC\n");
        CHECK_THROWS_WITH(Vocab::load(p), Catch::Contains(p + ":2: empty line"));
        test::write_file(p, "<pad>\nC\n");
        CHECK_THROWS_WITH(Vocab::load(p), Catch::Contains("no '<unk>'"));
        CHECK_THROWS_AS(Vocab::load("/nonexistent/vocab.txt"), IoError);
    }
}
