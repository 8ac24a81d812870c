#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "src/hdf5_reader.hpp"
#include "src/hdf5_writer.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

namespace {

/// Writes `path` with the h5py `body` (after `f = h5py.File(path, 'w')`,
/// before `f.close()`), run by Debian's Python.
void write_with_h5py(const std::string& path, const std::string& script_name,
                     const std::string& body) {
    const std::string script =
        "import h5py, numpy as np, sys\n"
        "f = h5py.File(sys.argv[1], 'w')\n" +
        body + "f.close()\n";
    const std::string script_path = test::temp_path(script_name);
    test::write_file(script_path, script);
    const std::string cmd = "/usr/bin/python3 " + script_path + " " + path;
    // scripts/setup.sh installs python3-h5py: without it this is a failure, not a skip.
    INFO("needs /usr/bin/python3 with h5py (Debian python3-h5py; scripts/setup.sh installs it)");
    REQUIRE(std::system(cmd.c_str()) == 0);
}

}  // namespace

TEST_CASE("hdf5 reader: an h5py-written file", "[core][hdf5]") {
    // Written by h5py (an independent writer), read back by Hdf5Reader.
    auto path = test::temp_path("h5py.h5");
    write_with_h5py(
        path, "h5py.py",
        "f.create_dataset('m', data=np.arange(12, dtype='<f4').reshape(4, 3) / 4)\n"
        "f.create_dataset('g/sub/v', data=np.array([5, -7, 9], dtype='<i8'))\n"
        "f.create_dataset('i32', data=np.array([1, 2], dtype='<i4'))\n"
        "f.create_dataset('d', data=np.array([0.5, 1.5], dtype='<f8'))\n"
        "f.create_dataset('s', data=['a', 'b\\u00e9', ''], dtype=h5py.string_dtype('utf-8'))\n"
        "f.attrs['name'] = 'x y'\n"
        "f.attrs['n'] = np.int64(-3)\n"
        "f.attrs.create('fixed', np.bytes_('abc'))\n");
    Hdf5Reader r(path);
    auto sets = r.datasets();
    REQUIRE(sets.size() == 5);
    CHECK(sets[0].name == "d");
    CHECK(sets[1].name == "g/sub/v");
    CHECK(sets[1].type == Hdf5ElementType::i64);
    CHECK(sets[1].rows == 3);
    CHECK(sets[1].cols == 0);
    CHECK(sets[3].name == "m");
    CHECK(sets[3].type == Hdf5ElementType::f32);
    CHECK(sets[3].rows == 4);
    CHECK(sets[3].cols == 3);
    CHECK(sets[4].type == Hdf5ElementType::utf8);
    CHECK(r.read_f32("m", 1, 2) == std::vector<float>{0.75f, 1.0f, 1.25f, 1.5f, 1.75f, 2.0f});
    CHECK(r.read_f32("/d", 0, 2) == std::vector<float>{0.5f, 1.5f});
    CHECK(r.read_i64("g/sub/v", 1, 2) == std::vector<std::int64_t>{-7, 9});
    CHECK(r.read_i64("i32", 0, 2) == std::vector<std::int64_t>{1, 2});
    CHECK(r.read_strings("s", 0, 3) == std::vector<std::string>{"a", "b\xc3\xa9", ""});
    CHECK(r.attribute("name")->text == "x y");
    CHECK(r.attribute("name")->is_string);
    CHECK(r.attribute("n")->number == -3);
    CHECK(r.attribute("fixed")->text == "abc");
    CHECK_FALSE(r.attribute("missing"));
    CHECK(r.has_dataset("g/sub/v"));
    CHECK_FALSE(r.has_dataset("g/sub"));
}

TEST_CASE("hdf5 reader: round trip with Hdf5Writer and errors", "[core][hdf5]") {
    auto path = test::temp_path("rt.h5");
    {
        Hdf5Writer w(path);
        w.create_dataset("ids", Hdf5ElementType::utf8);
        w.create_dataset("x", Hdf5ElementType::f32, 2);
        w.append("ids", std::vector<std::string>{"p1", "p2"});
        float x[] = {1, 2, 3, 4};
        w.append("x", x, 2);
        w.set_attribute("model_hash", "abc");
        w.close();
    }
    Hdf5Reader r(path);
    CHECK(r.read_strings("ids", 1, 1) == std::vector<std::string>{"p2"});
    CHECK(r.read_f32("x", 0, 0).empty());
    CHECK_THROWS_AS(r.read_f32("x", 1, 2), IoError);
    CHECK_THROWS_WITH(r.read_f32("x", 1, 2), Catch::Contains("it has 2"));
    CHECK_THROWS_WITH(r.info("nope"), Catch::Contains("'/nope'"));
    CHECK_THROWS_AS(r.read_i64("x", 0, 1), IoError);
    CHECK_THROWS_AS(r.read_strings("x", 0, 1), IoError);
    CHECK(r.attributes().size() == 1);
    auto bad = test::temp_path("not.h5");
    test::write_file(bad, "not hdf5");
    CHECK_THROWS_AS(Hdf5Reader(bad), IoError);
    CHECK_THROWS_WITH(Hdf5Reader(test::temp_path("missing.h5")),
                      Catch::Contains("cannot open as an HDF5 file"));
}

TEST_CASE("hdf5 reader: hard links of an h5py-written file are listed with link_of",
          "[core][hdf5]") {
    // h5py (an independent writer) gives one dataset three names; the
    // primary one is the name with the fewest '/', then the first by name.
    auto path = test::temp_path("h5py_links.h5");
    write_with_h5py(
        path, "h5py_links.py",
        "f.create_dataset('layers/3/per_tok', data=np.arange(6, dtype='<f4').reshape(3, 2))\n"
        "f['per_tok'] = f['layers/3/per_tok']\n"
        "f['b/x'] = f['per_tok']\n"
        "f.create_dataset('layers/1/per_tok', data=np.zeros((3, 2), dtype='<f4'))\n");
    Hdf5Reader r(path);
    auto sets = r.datasets();
    REQUIRE(sets.size() == 4);
    CHECK(sets[0].name == "b/x");
    CHECK(sets[0].link_of == "per_tok");
    CHECK(sets[1].name == "layers/1/per_tok");
    CHECK(sets[1].link_of.empty());
    CHECK(sets[2].name == "layers/3/per_tok");
    CHECK(sets[2].link_of == "per_tok");
    CHECK(sets[3].name == "per_tok");
    CHECK(sets[3].link_of.empty());
    CHECK(r.read_f32("layers/3/per_tok", 0, 3) == r.read_f32("per_tok", 0, 3));
    CHECK(r.read_f32("b/x", 2, 1) == std::vector<float>{4, 5});
}
