// Inputs that are damaged as a whole (a truncated gzip file, binary data,
// an SD file without records) stop a run with exit code 3 and leave no
// output that looks finished.
#include <zlib.h>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
namespace test = plmkit::test;

namespace {

/// Writes `text` gzip-compressed, then keeps only the first half of the bytes.
std::string truncated_gzip(const std::string& name, const std::string& text) {
    auto path = test::temp_path(name);
    gzFile gz = gzopen(path.c_str(), "wb");
    REQUIRE(gz);
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
    std::string bytes = test::read_file(path);
    test::write_file(path, bytes.substr(0, bytes.size() / 2));
    return path;
}

}  // namespace

TEST_CASE("cli: a truncated gzip input stops screen and tokenize with exit 3",
          "[cli][input][gzip]") {
    std::string csv = "smiles,id\n";
    const char* mols[] = {"CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CCN(CC)CC", "OC(=O)c1ccccc1"};
    for (int i = 0; i < 3000; ++i)
        csv += std::string(mols[i % 5]) + ",m" + std::to_string(i) + "\n";
    auto lib = truncated_gzip("cli_trunc_lib.csv.gz", csv);

    SECTION("screen") {
        auto out = test::temp_path("cli_trunc_hits.csv");
        auto r = run_plmkit({"screen", "-i", lib, "-o", out, "--no-progress", "--threads", "1"});
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains(lib + ": corrupt or truncated gzip data (after "));
        CHECK_FALSE(test::file_exists(out));
    }
    SECTION("tokenize") {
        auto out = test::temp_path("cli_trunc_tok.jsonl");
        auto r = run_plmkit({"tokenize", "--kind", "smiles", lib, "-o", out});
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains("corrupt or truncated gzip data"));
        CHECK_FALSE(test::file_exists(out));
    }
}

// GNU gzip says "decompression OK, trailing garbage ignored" (exit 2) for
// bytes after the last member, and nothing for zero padding.
TEST_CASE("cli: bytes after the gzip data get a warning naming file and offset, zeros do not",
          "[cli][input][gzip]") {
    auto fasta = test::temp_path("cli_trailing.fa.gz");
    gzFile gz = gzopen(fasta.c_str(), "wb");
    REQUIRE(gz);
    const std::string text = ">p1\nMKTAYIAK\n>p2\nLAGV\n";
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
    const std::string bytes = test::read_file(fasta);
    auto out = test::temp_path("cli_trailing.jsonl");
    const std::vector<std::string> args{"tokenize", "--kind", "protein", fasta, "-o", out};

    test::write_file(fasta, bytes + ">p3\nMKT\n");  // plain text appended to a .gz file
    auto r = run_plmkit(args);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("plmkit: warning: " + fasta +
                                      ": decompression OK, trailing garbage ignored: 8 bytes "
                                      "from byte offset " +
                                      std::to_string(bytes.size()) + " on"));
    CHECK_THAT(r.err, Catch::Contains("2 records, 2 written"));

    test::write_file(fasta, bytes + std::string(1024, '\0'));
    r = run_plmkit(args);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.err, !Catch::Contains("warning"));
    CHECK_THAT(r.err, Catch::Contains("2 records, 2 written"));
}

TEST_CASE("cli: binary input and a non-SD file read as SDF stop with exit 3", "[cli][input]") {
    auto bin = test::temp_path("cli_binary.smi");
    test::write_file(bin, std::string("CCO a\n\x7f"
                                      "ELF\0\0\x01\x02 junk\n",
                                      18));
    auto out = test::temp_path("cli_binary_hits.csv");
    auto r = run_plmkit({"screen", "-i", bin, "-o", out, "--no-progress"});
    CHECK(r.exit_code == 3);
    CHECK_THAT(r.err, Catch::Contains(bin + ":2: binary data (a NUL byte), not a text file"));
    CHECK_FALSE(test::file_exists(out));

    auto csv = test::temp_path("cli_not_sdf.csv");
    test::write_file(csv, "smiles,id\nCCO,a\n");
    auto out2 = test::temp_path("cli_not_sdf_hits.csv");
    auto s = run_plmkit({"screen", "-i", csv, "--format", "sdf", "-o", out2, "--no-progress"});
    CHECK(s.exit_code == 3);
    CHECK_THAT(s.err, Catch::Contains(": not an SD file: no 'M  END' line and no '$$$$' line"));
    CHECK_FALSE(test::file_exists(out2));
}

TEST_CASE("cli: a column read from a header that names it twice stops train, predict and screen",
          "[cli][input]") {
    // Each took the first copy silently (train refused a duplicated input
    // column it was given, not the id column it found by itself).
    const char* mols[] = {"CCO", "CCCO", "CCCCO", "c1ccccc1", "CCN", "CCCN", "CC(=O)O", "CCCCN"};
    auto table = [&](const std::string& name, const std::string& header) {
        std::string text = header + "\n";
        for (int i = 0; i < 8; ++i)
            text += "m" + std::to_string(i) + ",x" + std::to_string(i) + "," + mols[i] + "," +
                    std::to_string(i) + "\n";
        return test::write_temp(name, text);
    };
    const std::string ok = table("cli_dup_ok.csv", "id,note,smiles,y");
    const std::string model = test::temp_path("cli_dup_model");
    const std::vector<std::string> train = {"train",  "--featurizer", "basic", "--head",
                                            "forest", "--trees",      "2",     "--threads",
                                            "1",      "--target-col", "y"};
    auto args = [](std::vector<std::string> a, const std::vector<std::string>& more) {
        a.insert(a.end(), more.begin(), more.end());
        return a;
    };
    REQUIRE(run_plmkit(args(train, {"--data", ok, "--output", model})).exit_code == 0);

    const std::string dup_id = table("cli_dup_id.csv", "id,id,smiles,y");
    const std::string dup_smiles = table("cli_dup_smiles.csv", "id,smiles,smiles,y");
    auto refused = [](const test::RunResult& r, const std::string& path, const std::string& col) {
        CHECK(r.exit_code == 3);
        CHECK_THAT(r.err, Catch::Contains(path + ": the header names column '" + col +
                                          "' more than once"));
    };
    const std::string out = test::temp_path("cli_dup_out.csv");
    refused(run_plmkit(args(train, {"--data", dup_id, "--output", test::temp_path("cli_dup_m")})),
            dup_id, "id");
    refused(run_plmkit({"predict", "--model", model, "--input", dup_id, "--output", out}), dup_id,
            "id");
    refused(run_plmkit({"predict", "--model", model, "--input", dup_smiles, "--output", out}),
            dup_smiles, "smiles");
    refused(run_plmkit({"evaluate", "--model", model, "--data", dup_smiles}), dup_smiles, "smiles");
    refused(run_plmkit({"screen", "-i", dup_smiles, "-o", out, "--no-progress", "--threads", "1"}),
            dup_smiles, "smiles");
    CHECK_FALSE(test::file_exists(out));
}
