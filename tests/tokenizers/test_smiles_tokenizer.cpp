// Reference tokenizations come from Python's `re` with the Molecular
// Transformer pattern: tests/tokenizers/data/make_golden.py.
#include <cstdio>
#include <sstream>

#include "tests/catch.hpp"

#include "src/line_reader.hpp"
#include "tests/test_support.hpp"
#include "tokenizers/smiles_tokenizer.hpp"

using namespace plmkit;
using tokenizers::SmilesError;
using tokenizers::SmilesTokenizer;
using Strings = std::vector<std::string>;

namespace {

Strings split_spaces(const std::string& s) {
    Strings out;
    std::istringstream in(s);
    std::string t;
    while (in >> t)
        out.push_back(t);
    return out;
}

std::string join(const std::vector<std::string_view>& tokens) {
    std::string s;
    for (auto t : tokens)
        s += t;
    return s;
}

// The SMILES column of the 90k ChEMBL file (found by its header name).
std::vector<std::string> chembl_smiles() {
    LineReader r(test::shared_path("data/chembl30_subset/chembl30_subset_90k.csv"));
    std::string line;
    REQUIRE(r.next(line));
    std::size_t col = 0;
    {
        std::istringstream header(line);
        std::string name;
        while (std::getline(header, name, ',') && name != "smiles")
            ++col;
        REQUIRE(name == "smiles");
    }
    std::vector<std::string> out;
    while (r.next(line)) {
        std::size_t begin = 0;
        for (std::size_t c = 0; c < col; ++c)
            begin = line.find(',', begin) + 1;
        out.push_back(line.substr(begin, line.find(',', begin) - begin));
    }
    return out;
}

std::uint64_t fnv(std::uint64_t h, std::string_view bytes) {
    for (unsigned char b : bytes) {
        h ^= b;
        h *= 0x100000001b3ULL;
    }
    return h;
}

}  // namespace

TEST_CASE("smiles tokenizer: hand-checked cases", "[tokenizers][smiles]") {
    auto tok = [](const char* s) {
        auto r = SmilesTokenizer::tokenize(s);
        REQUIRE(r.ok);
        return r.tokens;
    };
    CHECK(tok("C[C@@H](Cl)c1ccccc1Br") ==
          Strings{"C", "[C@@H]", "(", "Cl", ")", "c", "1", "c", "c", "c", "c", "c", "1", "Br"});
    CHECK(tok("C1CC%10CC1%10") == Strings{"C", "1", "C", "C", "%10", "C", "C", "1", "%10"});
    CHECK(tok("[Na+].[Cl-]") == Strings{"[Na+]", ".", "[Cl-]"});
    CHECK(tok("BrB") == Strings{"Br", "B"});
    CHECK(tok("CCl") == Strings{"C", "Cl"});
    CHECK(tok("N#N") == Strings{"N", "#", "N"});
    CHECK(tok("C/C=C\\C") == Strings{"C", "/", "C", "=", "C", "\\", "C"});
    CHECK(tok("CC>>CO") == Strings{"C", "C", ">", ">", "C", "O"});
    CHECK(tok("c1ccc2c(c1)[se]cc2")[11] == "[se]");
    CHECK(SmilesTokenizer::count_tokens("C[C@@H](Cl)c1ccccc1Br") == 14);
}

TEST_CASE("smiles tokenizer: rejects name the reason and position", "[tokenizers][smiles]") {
    std::vector<std::string_view> tokens;
    SmilesError err;
    auto reason = [&](std::string_view s) {
        REQUIRE_FALSE(SmilesTokenizer::tokenize(s, tokens, &err));
        CHECK(SmilesTokenizer::count_tokens(s) == -1);
        return err.reason;
    };
    CHECK(reason("CCx") == "invalid character 'x' at position 3");
    CHECK(err.position == 3);
    CHECK(reason("C C") == "invalid character ' ' at position 2");
    CHECK(reason("C[NH4+") == "unclosed '[' at position 2");
    CHECK(reason("C[]") == "empty bracket atom '[]' at position 2");
    CHECK(reason("C%1") == "'%' at position 2 is not followed by two digits");
    CHECK(reason("Al") == "invalid character 'A' at position 1");
    CHECK(reason("Cll") == "invalid character 'l' at position 3");
    CHECK(reason("C\t") == "invalid character byte 0x09 at position 2");
    CHECK(reason("") == "empty SMILES");
    CHECK(err.position == 0);
    CHECK(SmilesTokenizer::tokenize("C x").reason == "invalid character ' ' at position 2");
}

TEST_CASE("smiles tokenizer: edge cases agree with Python's re", "[tokenizers][smiles]") {
    LineReader r(test::source_path("tests/tokenizers/data/edge_cases.tsv"));
    std::string line;
    std::size_t n = 0;
    while (r.next(line)) {
        auto tab = line.find('\t');
        REQUIRE(tab != std::string::npos);
        std::string smiles = line.substr(0, tab), expected = line.substr(tab + 1);
        INFO(r.where() << ": " << smiles);
        auto got = SmilesTokenizer::tokenize(smiles);
        if (expected == "REJECT") {
            CHECK_FALSE(got.ok);
            CHECK_FALSE(got.reason.empty());
        } else {
            REQUIRE(got.ok);
            CHECK(got.tokens == split_spaces(expected));
        }
        ++n;
    }
    CHECK(n >= 30);
}

TEST_CASE("smiles tokenizer: the ChEMBL 90k file round-trips and matches Python's re",
          "[tokenizers][smiles][data]") {
    auto smiles = chembl_smiles();
    REQUIRE(smiles.size() == 90599);
    std::vector<std::string_view> tokens;
    SmilesError err;

    SECTION("first 2000 SMILES: token lists equal the golden file") {
        LineReader golden(test::source_path("tests/tokenizers/data/chembl30_first2000_tokens.txt"));
        std::string line;
        std::size_t i = 0;
        while (golden.next(line)) {
            INFO(smiles[i]);
            REQUIRE(SmilesTokenizer::tokenize(smiles[i], tokens, &err));
            REQUIRE(Strings(tokens.begin(), tokens.end()) == split_spaces(line));
            ++i;
        }
        CHECK(i == 2000);
    }
    SECTION("every SMILES: lossless, and counts and hash equal the golden summary") {
        std::uint64_t h = 0xcbf29ce484222325ULL, total = 0, rejected = 0;
        for (const auto& s : smiles) {
            if (!SmilesTokenizer::tokenize(s, tokens, &err)) {
                ++rejected;
                h = fnv(h, "!\x1e");
                continue;
            }
            REQUIRE(join(tokens) == s);
            REQUIRE(SmilesTokenizer::count_tokens(s) == static_cast<std::ptrdiff_t>(tokens.size()));
            total += tokens.size();
            for (auto t : tokens)
                h = fnv(fnv(h, t), "\x1f");
            h = fnv(h, "\x1e");
        }
        auto summary =
            test::read_file(test::source_path("tests/tokenizers/data/chembl30_summary.txt"));
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
        std::string got = "records " + std::to_string(smiles.size()) + "\nrejected " +
                          std::to_string(rejected) + "\ntokens " + std::to_string(total) +
                          "\nfnv1a64 " + hex + "\n";
        CHECK(got == summary);
    }
}
