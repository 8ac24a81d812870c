// fair-esm extract.py's option names (--repr_layers, --toks_per_batch,
// --truncation_seq_length, --nogpu) are aliases of plmkit's own: the same
// command line with either spelling writes the same file.
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/cli/hdf5_compare.hpp"
#include "tests/test_support.hpp"

using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;

namespace {
const std::string kModel = shared_path("fixtures/esm2_tiny/model");
const std::string kFasta = shared_path("fixtures/esm2_tiny/sequences.fasta");

std::vector<std::string> embed_args(const std::string& out, std::vector<std::string> more) {
    std::vector<std::string> a = {"-q",       "embed", "--model",   kModel,     "--input",   kFasta,
                                  "--output", out,     "--include", "mean,bos", "--threads", "1"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
}
}  // namespace

TEST_CASE("cli embed: extract.py option names give the same file as plmkit's",
          "[cli][embed][aliases]") {
    const auto main_out = temp_path("alias_main.h5"), alias_out = temp_path("alias_esm.h5");
    // Values other than the defaults, so that an alias bound to nothing would show.
    auto a = run_plmkit(embed_args(main_out, {"--layers", "0,-2", "--max-tokens", "64",
                                              "--truncate", "20", "--device", "cpu"}));
    REQUIRE(a.exit_code == 0);
    auto b = run_plmkit(embed_args(alias_out, {"--repr_layers", "0,-2", "--toks_per_batch", "64",
                                               "--truncation_seq_length", "20", "--nogpu"}));
    INFO(b.err);
    REQUIRE(b.exit_code == 0);
    plmkit::Hdf5Reader ra(main_out), rb(alias_out);
    plmkit::test::require_same_datasets(ra, rb);
    plmkit::test::require_same_attributes(ra, rb, {"created", "command_line"});
    auto attr = [&](const std::string& name) {
        for (const auto& at : rb.attributes())
            if (at.name == name) return at.is_string ? at.text : std::to_string(at.number);
        return std::string("(absent)");
    };
    CHECK(attr("layers") == "0,2");
    CHECK(attr("max_tokens") == "64");
    CHECK(attr("truncate") == "20");
    CHECK(attr("device") == "cpu");
}

TEST_CASE("cli embed: --nogpu with --device is refused", "[cli][embed][aliases]") {
    auto r = run_plmkit(embed_args(temp_path("alias_bad.h5"), {"--nogpu", "--device", "cuda"}));
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--nogpu") && Catch::Contains("--device"));
}

TEST_CASE("cli embed: -i and -o, as screen and predict take them, give the same file",
          "[cli][embed][aliases]") {
    // screen, predict (-i/-o), merge, train, evaluate, pretrain, vocab build,
    // tokenize (-o): embed was the one command without the short forms.
    const auto main_out = temp_path("short_main.h5"), short_out = temp_path("short_io.h5");
    auto a = run_plmkit(embed_args(main_out, {}));
    REQUIRE(a.exit_code == 0);
    auto b = run_plmkit({"-q", "embed", "--model", kModel, "-i", kFasta, "-o", short_out,
                         "--include", "mean,bos", "--threads", "1"});
    INFO(b.err);
    REQUIRE(b.exit_code == 0);
    plmkit::Hdf5Reader ra(main_out), rb(short_out);
    plmkit::test::require_same_datasets(ra, rb);
    plmkit::test::require_same_attributes(ra, rb, {"created", "command_line"});
    // The value attached to the short name, as CLI11 takes it elsewhere.
    const auto attached = temp_path("short_attached.h5");
    auto c = run_plmkit({"-q", "embed", "--model", kModel, "-i" + kFasta, "-o" + attached,
                         "--include", "mean,bos", "--threads", "1"});
    INFO(c.err);
    REQUIRE(c.exit_code == 0);
    plmkit::test::require_same_datasets(ra, plmkit::Hdf5Reader(attached));

    auto help = run_plmkit({"embed", "--help"});
    CHECK_THAT(help.out, Catch::Contains("-i,--input") && Catch::Contains("-o,--output"));
}

TEST_CASE("cli slurm embed: -o is the output it rewrites per shard",
          "[cli][slurm][embed][aliases]") {
    // plmkit slurm already rewrote -o for embed, but embed refused it.
    const auto dir = temp_path("short_slurm");
    auto g = run_plmkit(
        {"slurm", "embed", "--model", kModel, "-i", kFasta, "-o", dir + "-emb.h5", "--array", "2"});
    INFO(g.err);
    REQUIRE(g.exit_code == 0);
    CHECK_THAT(plmkit::test::read_file(dir + "-emb.h5.slurm/embed-array.sh"),
               Catch::Contains(" embed --model " + kModel + " -i " + kFasta + " -o " + dir +
                               "-emb.shard-\"${I}\"-of-2.h5 --shard \"${I}/2\""));
}
