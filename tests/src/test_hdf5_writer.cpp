#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "src/hdf5_writer.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

namespace {

// Reading back goes through the HDF5 C API directly, independent of the writer.
struct H5File {
    hid_t id;
    explicit H5File(const std::string& path)
        : id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {}
    ~H5File() {
        if (id >= 0) H5Fclose(id);
    }
};

std::vector<hsize_t> dims_of(hid_t file, const char* name) {
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    REQUIRE(ds >= 0);
    hid_t sp = H5Dget_space(ds);
    int rank = H5Sget_simple_extent_ndims(sp);
    std::vector<hsize_t> d(rank);
    H5Sget_simple_extent_dims(sp, d.data(), nullptr);
    H5Sclose(sp);
    H5Dclose(ds);
    return d;
}

template <typename T>
std::vector<T> read_all(hid_t file, const char* name, hid_t memtype, std::size_t n) {
    std::vector<T> out(n);
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    REQUIRE(ds >= 0);
    REQUIRE(H5Dread(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
    H5Dclose(ds);
    return out;
}

std::vector<std::string> read_strings(hid_t file, const char* name, std::size_t n) {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    auto ptrs = read_all<char*>(file, name, t, n);
    std::vector<std::string> out(ptrs.begin(), ptrs.end());
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t sp = H5Dget_space(ds);
    H5Dvlen_reclaim(t, sp, H5P_DEFAULT, ptrs.data());
    H5Sclose(sp);
    H5Dclose(ds);
    H5Tclose(t);
    return out;
}

std::string read_string_attr(hid_t file, const char* name) {
    hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    REQUIRE(a >= 0);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char* p = nullptr;
    REQUIRE(H5Aread(a, t, &p) >= 0);
    std::string s = p;
    H5free_memory(p);
    H5Tclose(t);
    H5Aclose(a);
    return s;
}

}  // namespace

TEST_CASE("hdf5 writer: appended rows, strings and attributes read back", "[core][hdf5]") {
    auto path = test::temp_path("writer.h5");
    {
        Hdf5Writer w(path);
        w.create_dataset("mean", Hdf5ElementType::f32, 3);
        w.create_dataset("layers/6/mean", Hdf5ElementType::f32, 2);
        w.create_dataset("offsets", Hdf5ElementType::i64);
        w.create_dataset("contacts", Hdf5ElementType::f32);  // 1-D
        w.create_dataset("ids", Hdf5ElementType::utf8);
        std::vector<float> a = {1, 2, 3, 4, 5, 6};
        std::vector<float> b = {7, 8, 9};
        w.append("mean", a.data(), 2);
        w.append("mean", b.data(), 1);
        w.append("mean", b.data(), 0);  // no-op
        w.append("layers/6/mean", a.data(), 3);
        std::vector<std::int64_t> off = {0, 5, -7};
        w.append("offsets", off.data(), 3);
        w.append("contacts", a.data(), 6);
        w.append("ids", std::vector<std::string>{"P1", "sp|Q9|ÄÖ"});
        w.append("ids", std::vector<std::string>{""});
        CHECK(w.rows("mean") == 3);
        CHECK(w.rows("ids") == 3);
        CHECK(w.has_dataset("layers/6/mean"));
        w.set_attribute("model_dir", "/models/esm2");
        w.set_attribute("model_dir", "/models/esm2_t6");  // replaced
        w.set_attribute("truncate", std::int64_t{1022});
        w.close();
    }
    H5File f(path);
    REQUIRE(f.id >= 0);
    CHECK(dims_of(f.id, "/mean") == std::vector<hsize_t>{3, 3});
    CHECK(read_all<float>(f.id, "/mean", H5T_NATIVE_FLOAT, 9) ==
          std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK(dims_of(f.id, "/layers/6/mean") == std::vector<hsize_t>{3, 2});
    CHECK(read_all<float>(f.id, "/layers/6/mean", H5T_NATIVE_FLOAT, 6)[5] == 6.0f);
    CHECK(read_all<std::int64_t>(f.id, "/offsets", H5T_NATIVE_INT64, 3) ==
          std::vector<std::int64_t>{0, 5, -7});
    CHECK(dims_of(f.id, "/contacts") == std::vector<hsize_t>{6});
    CHECK(read_strings(f.id, "/ids", 3) == std::vector<std::string>{"P1", "sp|Q9|ÄÖ", ""});
    CHECK(read_string_attr(f.id, "model_dir") == "/models/esm2_t6");
    std::int64_t t = 0;
    hid_t a = H5Aopen(f.id, "truncate", H5P_DEFAULT);
    REQUIRE(H5Aread(a, H5T_NATIVE_INT64, &t) >= 0);
    H5Aclose(a);
    CHECK(t == 1022);

    SECTION("datasets are chunked with shuffle and gzip level 4") {
        hid_t ds = H5Dopen2(f.id, "/mean", H5P_DEFAULT);
        hid_t dcpl = H5Dget_create_plist(ds);
        CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED);
        REQUIRE(H5Pget_nfilters(dcpl) == 2);
        unsigned flags = 0, level = 0;
        std::size_t nvals = 1;
        CHECK(H5Pget_filter2(dcpl, 0, &flags, nullptr, nullptr, 0, nullptr, nullptr) ==
              H5Z_FILTER_SHUFFLE);
        CHECK(H5Pget_filter2(dcpl, 1, &flags, &nvals, &level, 0, nullptr, nullptr) ==
              H5Z_FILTER_DEFLATE);
        CHECK(level == 4);
        H5Pclose(dcpl);
        H5Dclose(ds);
    }
}

TEST_CASE("hdf5 writer: many appends across chunk boundaries keep every row", "[core][hdf5]") {
    auto path = test::temp_path("chunks.h5");
    const std::size_t cols = 5, per = 37, times = 300;  // 11100 rows, several chunks
    {
        Hdf5Writer w(path);
        Hdf5DatasetOptions small;
        small.chunk_bytes = 4096;
        w.create_dataset("x", Hdf5ElementType::f32, cols, small);
        std::vector<float> buf(per * cols);
        for (std::size_t t = 0; t < times; ++t) {
            for (std::size_t i = 0; i < buf.size(); ++i)
                buf[i] = static_cast<float>(t * buf.size() + i);
            w.append("x", buf.data(), per);
        }
        w.close();
    }
    H5File f(path);
    auto x = read_all<float>(f.id, "/x", H5T_NATIVE_FLOAT, per * cols * times);
    bool all = true;
    for (std::size_t i = 0; i < x.size(); ++i)
        all = all && x[i] == static_cast<float>(i);
    CHECK(all);
}

TEST_CASE("hdf5 writer: failures are IoErrors naming the file and dataset", "[core][hdf5]") {
    SECTION("unwritable path") {
        CHECK_THROWS_AS(Hdf5Writer("/no/such/dir/out.h5"), IoError);
        CHECK_THROWS_WITH(
            Hdf5Writer("/no/such/dir/out.h5"),
            Catch::Contains("'/no/such/dir/out.h5'") && Catch::Contains("cannot create"));
    }
    SECTION("dataset misuse") {
        auto path = test::temp_path("misuse.h5");
        Hdf5Writer w(path);
        w.create_dataset("mean", Hdf5ElementType::f32, 4);
        CHECK_THROWS_WITH(w.create_dataset("mean", Hdf5ElementType::f32, 4),
                          Catch::Contains("dataset '/mean'") && Catch::Contains(path));
        std::int64_t v = 1;
        CHECK_THROWS_WITH(w.append("mean", &v, 1), Catch::Contains("wrong element type"));
        float x = 0;
        CHECK_THROWS_WITH(w.append("nope", &x, 1),
                          Catch::Contains("dataset '/nope'") && Catch::Contains("not created"));
        w.close();
        CHECK_THROWS_AS(w.append("mean", &x, 1), IoError);
    }
}

TEST_CASE("hdf5 writer: link_dataset gives one dataset a second name, stored once",
          "[core][hdf5]") {
    auto path = test::temp_path("w_link.h5");
    {
        Hdf5Writer w(path);
        w.create_dataset("per_tok", Hdf5ElementType::f32, 2);
        w.link_dataset("per_tok", "layers/6/per_tok");
        float x[] = {1, 2, 3, 4, 5, 6};
        w.append("per_tok", x, 1);
        w.append("per_tok", x + 2, 2);  // rows appended after the link are seen under both
        CHECK(w.has_dataset("layers/6/per_tok"));
        CHECK(w.rows("layers/6/per_tok") == 3);
        CHECK_THROWS_WITH(w.append("layers/6/per_tok", x, 1),
                          Catch::Contains("'/layers/6/per_tok' is a link to '/per_tok'"));
        CHECK_THROWS_WITH(w.link_dataset("nope", "other"),
                          Catch::Contains("'/nope'") && Catch::Contains("not created"));
        CHECK_THROWS_WITH(w.link_dataset("per_tok", "layers/6/per_tok"),
                          Catch::Contains("'/layers/6/per_tok' created twice"));
        CHECK_THROWS_WITH(w.create_dataset("layers/6/per_tok", Hdf5ElementType::f32, 2),
                          Catch::Contains("created twice"));
        w.close();
    }
    // Checked through the HDF5 C API: one object (same address) under two
    // names, with all 3 rows under each.
    H5File f(path);
    REQUIRE(f.id >= 0);
#if H5_VERSION_GE(1, 12, 0)
    H5O_info2_t a, b;
    REQUIRE(H5Oget_info_by_name3(f.id, "/per_tok", &a, H5O_INFO_BASIC, H5P_DEFAULT) >= 0);
    REQUIRE(H5Oget_info_by_name3(f.id, "/layers/6/per_tok", &b, H5O_INFO_BASIC, H5P_DEFAULT) >= 0);
    int cmp = 1;
    REQUIRE(H5Otoken_cmp(f.id, &a.token, &b.token, &cmp) >= 0);
    CHECK(cmp == 0);
#else
    H5O_info_t a, b;
    REQUIRE(H5Oget_info_by_name2(f.id, "/per_tok", &a, H5O_INFO_BASIC, H5P_DEFAULT) >= 0);
    REQUIRE(H5Oget_info_by_name2(f.id, "/layers/6/per_tok", &b, H5O_INFO_BASIC, H5P_DEFAULT) >= 0);
    CHECK(a.addr == b.addr);
#endif
    CHECK(a.rc == 2);  // two hard links
    CHECK(read_all<float>(f.id, "/layers/6/per_tok", H5T_NATIVE_FLOAT, 6) ==
          std::vector<float>{1, 2, 3, 4, 5, 6});
}
