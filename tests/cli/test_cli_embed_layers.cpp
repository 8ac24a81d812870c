// `plmkit embed --layers` with several layers: the last (deepest) one is
// stored once. Its top-level /mean, /bos, /per_tok and /layers/<last>/... are
// two names (HDF5 hard links) of the same datasets, not two copies; the file
// had the biggest array twice before. Checked with h5py (an independent
// reader): same object, same values as a one-layer run, and the file size.
#include <cstdlib>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/hdf5_reader.hpp"
#include "tests/test_support.hpp"

using plmkit::test::read_file;
using plmkit::test::run_plmkit;
using plmkit::test::shared_path;
using plmkit::test::temp_path;

namespace {
const std::string kModel = shared_path("fixtures/esm2_tiny/model");
const std::string kFasta = shared_path("fixtures/esm2_tiny/sequences.fasta");

std::string embed(const std::string& name, const std::string& layers) {
    auto out = temp_path(name);
    // --checkpoint-every 3: the 7 sequences are written in 3 parts and joined,
    // the path every run's output takes.
    auto r = run_plmkit({"-q", "embed", "--model", kModel, "--input", kFasta, "--output", out,
                         "--include", "mean,bos,per_tok", "--layers", layers, "--threads", "1",
                         "--checkpoint-every", "3"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

/// Runs an h5py script with `args`; returns its exit status, `log` gets its output.
int run_h5py(const std::string& name, const std::string& script, const std::string& args,
             std::string& log) {
    auto script_path = temp_path(name + ".py");
    auto log_path = temp_path(name + ".log");
    plmkit::test::write_file(script_path, script);
    std::string cmd = "/usr/bin/python3 " + script_path + " " + args + " > " + log_path + " 2>&1";
    int rc = std::system(cmd.c_str());
    log = read_file(log_path);
    return rc;
}
}  // namespace

TEST_CASE("cli embed: the last of several --layers is stored once, linked at /layers/<k>",
          "[cli][embed][layers]") {
    const auto one = embed("layers_one.h5", "-1");   // layer 3 only
    const auto two = embed("layers_two.h5", "2,3");  // layers 2 and 3 (the last)

    SECTION("h5py: one object under both names, values of the one-layer run, 2/3 the size") {
        // Before: /per_tok and /layers/3/per_tok were 2 copies, so the
        // two-layer file held the per-token array 3 times (3x the one-layer
        // file); stored once it holds it twice.
        const std::string script =
            "import h5py, numpy as np, os, sys\n"
            "one, two = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')\n"
            "for k in ('mean', 'bos', 'per_tok'):\n"
            "    assert two[k].id == two['layers/3/' + k].id, k + ': two objects'\n"
            "    assert h5py.h5o.get_info(two[k].id).rc == 2, k + ': not 2 links'\n"
            "    assert two['layers/2/' + k].id != two[k].id, k + ': layer 2 linked'\n"
            "    assert np.array_equal(two['layers/3/' + k][:], one[k][:]), k + ': values'\n"
            "    assert np.array_equal(two[k][:], one[k][:]), k + ': top-level values'\n"
            "    assert not np.array_equal(two['layers/2/' + k][:], one[k][:]), k\n"
            "assert 'layers' not in one\n"
            "a, b = os.path.getsize(sys.argv[1]), os.path.getsize(sys.argv[2])\n"
            "print('sizes', a, b, b / a)\n"
            "assert b < 2.5 * a, 'two-layer file is %.2fx the one-layer file' % (b / a)\n";
        std::string log;
        int rc = run_h5py("layers_check", script, one + " " + two, log);
        INFO(
            "needs /usr/bin/python3 with h5py (Debian python3-h5py; scripts/setup.sh installs it)");
        INFO(log);
        CHECK(rc == 0);
    }
    SECTION("plmkit's reader lists both names, the /layers/3 ones as links") {
        plmkit::Hdf5Reader r(two);
        int links = 0;
        for (const auto& d : r.datasets()) {
            INFO(d.name);
            if (d.name.rfind("layers/3/", 0) == 0) {
                CHECK(d.link_of == d.name.substr(9));
                ++links;
            } else {
                CHECK(d.link_of.empty());
            }
        }
        CHECK(links == 3);
    }
}
