// Where embed, tokenize and vocab build may write: never over their input
// (however the path is spelled), never to a folder or a missing folder, and
// embed never to standard output. All refused before any work, naming the
// --output as given.
#include <unistd.h>

#include <filesystem>

#include "tests/catch.hpp"

#include "tests/test_support.hpp"

using plmkit::test::file_exists;
using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;
using plmkit::test::write_file;

namespace fs = std::filesystem;

namespace {
const std::string kModel = shared_path("fixtures/esm2_tiny/model");
const std::string kFasta = ">a\nMKTAY\n>b\nGGG\n";

/// `dir/./name` for `dir/name`: the same file, spelled another way.
std::string dot_spelling(const std::string& path) {
    auto slash = path.rfind('/');
    return path.substr(0, slash) + "/." + path.substr(slash);
}

std::vector<std::string> embed_args(const std::string& model, const std::string& in,
                                    const std::string& out) {
    return {"embed", "--model", model, "--input", in, "--output", out};
}
}  // namespace

TEST_CASE("cli embed: an --output that is the input in another spelling is refused",
          "[cli][embed][outputs]") {
    const std::string in = temp_path("embed_same_in.fa");
    write_file(in, kFasta);
    SECTION("dir/./name") {
        auto r = run_plmkit(embed_args(kModel, in, dot_spelling(in)));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--output '" + dot_spelling(in) +
                                          "' would overwrite --input '" + in + "'"));
    }
    SECTION("a relative input and an absolute output") {
        const std::string rel = fs::relative(in).string();
        REQUIRE(rel != in);
        auto r = run_plmkit(embed_args(kModel, rel, fs::absolute(in).string()));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("would overwrite --input"));
    }
    SECTION("a symbolic link to the input") {
        const std::string link = temp_path("embed_same_link.fa");
        fs::remove(link);
        fs::create_symlink(in, link);
        auto r = run_plmkit(embed_args(kModel, in, link));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("would overwrite --input"));
    }
    SECTION("the rejects file <output>.rejects.tsv is the input") {
        const std::string out = temp_path("embed_rej.h5");
        const std::string in2 = out + ".rejects.tsv";
        write_file(in2, kFasta);
        auto r = run_plmkit(embed_args(kModel, in2, out));
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err,
                   Catch::Contains("the rejects file '" + in2 + "' would overwrite --input"));
        CHECK(read_file(in2) == kFasta);
    }
    CHECK(read_file(in) == kFasta);
}

TEST_CASE("cli embed: an --output folder is refused before the model loads",
          "[cli][embed][outputs]") {
    const std::string in = temp_path("embed_dir_in.fa");
    write_file(in, kFasta);
    // A model that does not exist: the output check must come first.
    const std::string no_model = temp_path("embed_dir_no_model");
    SECTION("an existing folder") {
        const std::string dir = temp_path("embed_outdir");
        fs::create_directories(dir);
        auto r = run_plmkit(embed_args(no_model, in, dir));
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("cannot write '" + dir + "' (--output): it is a folder"));
        CHECK_THAT(r.err, !Catch::Contains("tmp-"));
    }
    SECTION("a folder that does not exist") {
        const std::string dir = temp_path("embed_nodir");
        fs::remove_all(dir);
        auto r = run_plmkit(embed_args(no_model, in, dir + "/x.h5"));
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("folder '" + dir + "' does not exist"));
        CHECK_THAT(r.err, !Catch::Contains("tmp-"));
        CHECK_FALSE(file_exists(dir));
    }
}

TEST_CASE("cli embed: --output - is refused: HDF5 cannot go to standard output",
          "[cli][embed][outputs]") {
    const std::string in = temp_path("embed_stdout_in.fa");
    write_file(in, kFasta);
    fs::remove("-");  // in the working folder, where the old code wrote it
    fs::remove("-.rejects.tsv");
    for (const std::string& input : {in, std::string("-")}) {
        auto r = run_plmkit(embed_args(kModel, input, "-"), kFasta);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("an HDF5 file cannot be written to standard output"));
        CHECK_THAT(r.err, !Catch::Contains("same file"));
        CHECK(r.out.empty());
    }
    CHECK_FALSE(file_exists("-"));
    CHECK_FALSE(file_exists("-.rejects.tsv"));
}

TEST_CASE("cli tokenize and vocab build: output folders are refused before any work",
          "[cli][tokenize][vocab][outputs]") {
    const std::string fa = temp_path("tok_dir_in.fa");
    write_file(fa, kFasta);
    const std::string csv = temp_path("vocab_dir_in.csv");
    write_file(csv, "smiles\nCCO\n");
    const std::string dir = temp_path("tok_outdir");
    fs::create_directories(dir);
    const std::string nodir = temp_path("tok_nodir");
    fs::remove_all(nodir);
    SECTION("tokenize -o an existing folder") {
        auto r = run_plmkit({"tokenize", "--kind", "protein", fa, "-o", dir});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("cannot write '" + dir + "' (--output): it is a folder"));
        CHECK_THAT(r.err, !Catch::Contains("tmp-"));
    }
    SECTION("tokenize -o in a missing folder") {
        auto r = run_plmkit({"tokenize", "--kind", "protein", fa, "-o", nodir + "/t.jsonl"});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("folder '" + nodir + "' does not exist"));
    }
    SECTION("tokenize -o '' is a usage error, not a hidden file") {
        auto r = run_plmkit({"tokenize", "--kind", "protein", fa, "-o", ""});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--output") && Catch::Contains("is empty"));
    }
    SECTION("tokenize -o the input's symbolic link") {
        const std::string link = temp_path("tok_link.fa");
        fs::remove(link);
        fs::create_symlink(fa, link);
        auto r = run_plmkit({"tokenize", "--kind", "protein", fa, "-o", link});
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("would overwrite the input"));
        CHECK(read_file(fa) == kFasta);
    }
    SECTION("vocab build -o an existing folder") {
        auto r = run_plmkit({"vocab", "build", "--kind", "smiles", csv, "-o", dir});
        CHECK(r.exit_code == 4);
        CHECK_THAT(r.err, Catch::Contains("cannot write '" + dir + "' (--output): it is a folder"));
    }
    CHECK(fs::is_empty(dir));
}

// `--output emb.npy` (or .pt, extract.py's format) wrote an HDF5 file under
// that name, exit 0: np.load then failed on it with a pickle error.
TEST_CASE("cli embed: an --output named as another format is refused", "[cli][embed][outputs]") {
    const std::string in = temp_path("embed_ext_in.fa");
    write_file(in, kFasta);
    SECTION("NumPy, PyTorch, CSV and gzip names") {
        for (const std::string name : {"emb.npy", "emb.NPZ", "emb.pt", "emb.csv", "emb.h5.gz"}) {
            const std::string out = temp_path(name);
            auto r = run_plmkit(embed_args(kModel, in, out));
            INFO(name << ": " << r.err);
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, Catch::StartsWith("plmkit: error: --output " + out +
                                                ": plmkit embed writes one HDF5 file (name it "
                                                ".h5), not "));
            CHECK_FALSE(file_exists(out));
            CHECK_FALSE(file_exists(out + ".rejects.tsv"));
        }
    }
    SECTION("with --shard, the name as given") {
        const std::string out = temp_path("emb_sharded.npy");
        auto args = embed_args(kModel, in, out);
        args.insert(args.end(), {"--shard", "0/2"});
        auto r = run_plmkit(args);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err,
                   Catch::Contains("--output " + out + ": plmkit embed writes one HDF5 file"));
    }
    SECTION("merge --kind embed and slurm embed refuse it too") {
        const std::string shard_base = temp_path("ext_shards.h5");
        auto args = embed_args(kModel, in, shard_base);
        args.insert(args.end(), {"--shard", "0/1"});
        REQUIRE(run_plmkit(args).exit_code == 0);
        std::string shard = shard_base.substr(0, shard_base.size() - 3) + ".shard-0-of-1.h5";
        if (!file_exists(shard)) shard = shard_base;
        auto m = run_plmkit({"merge", "--kind", "embed", "-o", temp_path("m.npy"), shard});
        CHECK(m.exit_code == 2);
        CHECK_THAT(m.err, Catch::Contains("writes one HDF5 file (name it .h5), not NumPy"));
        auto s = run_plmkit({"slurm", "embed", "--array", "2", "--workdir", temp_path("ext.slurm"),
                             "--model", kModel, "--input", in, "--output", temp_path("s.pt")});
        CHECK(s.exit_code == 2);
        CHECK_THAT(s.err, Catch::Contains("writes one HDF5 file (name it .h5), not PyTorch"));
        CHECK_FALSE(file_exists(temp_path("ext.slurm") + "/embed-array.sh"));
    }
    SECTION(".h5, .hdf5 and a name without extension are fine") {
        for (const std::string name : {"emb_ok.hdf5", "emb_ok"}) {
            auto r = run_plmkit(embed_args(kModel, in, temp_path(name)));
            CHECK(r.exit_code == 0);
        }
    }
}
