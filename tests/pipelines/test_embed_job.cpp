#include <hdf5.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include "tests/catch.hpp"

#include "pipelines/embed_job.hpp"
#include "pipelines/shard.hpp"
#include "src/error.hpp"
#include "src/safetensors.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using pipelines::EmbedOptions;
using pipelines::run_embed;

namespace {

const std::string kFixture = "fixtures/esm2_tiny/";

// ---- reading HDF5 back through the C API, independent of the writer ----
struct H5Read {
    hid_t id;
    explicit H5Read(const std::string& path)
        : id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {}
    ~H5Read() {
        if (id >= 0) H5Fclose(id);
    }
    bool exists(const std::string& name) const {
        return H5Lexists(id, name.c_str(), H5P_DEFAULT) > 0;
    }
    std::vector<hsize_t> dims(const std::string& name) const {
        hid_t ds = H5Dopen2(id, name.c_str(), H5P_DEFAULT);
        REQUIRE(ds >= 0);
        hid_t sp = H5Dget_space(ds);
        std::vector<hsize_t> d(H5Sget_simple_extent_ndims(sp));
        H5Sget_simple_extent_dims(sp, d.data(), nullptr);
        H5Sclose(sp);
        H5Dclose(ds);
        return d;
    }
    std::size_t numel(const std::string& name) const {
        std::size_t n = 1;
        for (auto d : dims(name))
            n *= d;
        return n;
    }
    template <typename T>
    std::vector<T> read(const std::string& name, hid_t memtype) const {
        std::vector<T> out(numel(name));
        hid_t ds = H5Dopen2(id, name.c_str(), H5P_DEFAULT);
        REQUIRE(H5Dread(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) >= 0);
        H5Dclose(ds);
        return out;
    }
    std::vector<float> f32(const std::string& name) const {
        return read<float>(name, H5T_NATIVE_FLOAT);
    }
    std::vector<std::int64_t> i64(const std::string& name) const {
        return read<std::int64_t>(name, H5T_NATIVE_INT64);
    }
    std::vector<std::string> strings(const std::string& name) const {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        auto ptrs = read<char*>(name, t);
        std::vector<std::string> out;
        for (char* p : ptrs) {
            out.emplace_back(p ? p : "");
            H5free_memory(p);
        }
        H5Tclose(t);
        return out;
    }
    std::string attr(const std::string& name) const {
        hid_t a = H5Aopen(id, name.c_str(), H5P_DEFAULT);
        REQUIRE(a >= 0);
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        char* p = nullptr;
        REQUIRE(H5Aread(a, t, &p) >= 0);
        std::string s = p ? p : "";
        H5free_memory(p);
        H5Tclose(t);
        H5Aclose(a);
        return s;
    }
};

double max_abs_diff(const std::vector<float>& got, const TensorView& want) {
    REQUIRE(static_cast<std::int64_t>(got.size()) == want.numel());
    const float* w = static_cast<const float*>(want.data);
    double m = 0;
    for (std::size_t i = 0; i < got.size(); ++i)
        m = std::max(m, std::abs(static_cast<double>(got[i]) - w[i]));
    return m;
}

/// max |a-b| / (1 + |a|): absolute for values below 1, relative above (logits
/// reach ~30, where 1e-5 absolute is a few float32 ulps).
double max_scaled_diff(const std::vector<float>& a, const std::vector<float>& b) {
    REQUIRE(a.size() == b.size());
    double m = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        m = std::max(m, std::abs(static_cast<double>(a[i]) - b[i]) / (1.0 + std::abs(a[i])));
    return m;
}

std::vector<std::int64_t> i64_of(const TensorView& t) {
    const auto* p = static_cast<const std::int64_t*>(t.data);
    return {p, p + t.numel()};
}

EmbedOptions fixture_options(const std::string& output) {
    EmbedOptions o;
    o.model_dir = test::shared_path(kFixture + "model");
    o.input = test::shared_path(kFixture + "sequences.fasta");
    o.output = output;
    o.device.kind = DeviceKind::cpu;
    o.threads = 2;
    o.progress = false;
    return o;
}

bool file_exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

}  // namespace

TEST_CASE("embed job: the esm2_tiny fixture matches fair-esm 2.0.1", "[pipelines][embed]") {
    auto out = test::temp_path("fixture.h5");
    EmbedOptions o = fixture_options(out);
    o.include = {"mean", "per_tok", "bos", "logits", "contacts"};
    o.layers = {0, 1, 2, -1};
    auto s = run_embed(o);
    CHECK(s.read == 7);
    CHECK(s.accepted == 7);
    CHECK(s.rejected == 0);
    CHECK(s.truncated == 1);  // Q12176 has 1025 residues
    CHECK(s.read == s.accepted + s.rejected);

    SafetensorsFile want(test::shared_path(kFixture + "expected.safetensors"));
    H5Read f(out);
    REQUIRE(f.id >= 0);
    auto ids = nlohmann::json::parse(want.metadata().at("ids")).get<std::vector<std::string>>();
    CHECK(f.strings("/ids") == ids);
    CHECK(f.i64("/lengths") == i64_of(want.get("lengths")));
    CHECK(f.i64("/offsets") == i64_of(want.get("offsets")));
    CHECK(f.i64("/contact_offsets") == i64_of(want.get("offsets2")));
    CHECK(f.dims("/mean") == std::vector<hsize_t>{7, 64});
    CHECK(f.dims("/per_tok") == std::vector<hsize_t>{1849, 64});
    CHECK(f.dims("/logits") == std::vector<hsize_t>{1849, 33});
    CHECK(max_abs_diff(f.f32("/mean"), want.get("mean")) < 1e-4);
    CHECK(max_abs_diff(f.f32("/bos"), want.get("bos")) < 1e-4);
    CHECK(max_abs_diff(f.f32("/per_tok"), want.get("per_tok")) < 1e-4);
    CHECK(max_abs_diff(f.f32("/logits"), want.get("logits")) < 1e-3);
    CHECK(max_abs_diff(f.f32("/contacts"), want.get("contacts")) < 1e-4);
    for (int k = 0; k <= 3; ++k) {
        INFO("layer " << k);
        std::string p = "/layers/" + std::to_string(k) + "/";
        CHECK(max_abs_diff(f.f32(p + "mean"), want.get("layer_mean_" + std::to_string(k))) < 1e-4);
        CHECK(f.dims(p + "bos") == std::vector<hsize_t>{7, 64});
        CHECK(f.dims(p + "per_tok") == std::vector<hsize_t>{1849, 64});
    }
    CHECK(f.f32("/layers/3/per_tok") == f.f32("/per_tok"));
    CHECK(f.attr("layers") == "0,1,2,3");
    CHECK(f.attr("dtype") == "fp32");
    CHECK(f.attr("long_policy") == "truncate");
    CHECK(f.attr("model_hash").size() == 16);
    CHECK_THAT(f.attr("model_config"), Catch::Contains("\"hidden_size\""));
    CHECK_THAT(f.attr("created"), Catch::Matches("20[0-9-]+T[0-9:]+Z"));
    // No rejects: the rejects file holds only its header.
    CHECK(test::read_file(pipelines::rejects_path_for(out)) == "id\tline\treason\n");
}

// tests/pipelines/data/esm2_tiny_masked.safetensors: fair-esm 2.0.1 on the fixture's checkpoint,
// each sequence of masked.fasta alone, truncated to 24 tokens (make_mask_reference.py).
TEST_CASE("embed job: <mask> and <unk> in sequences match fair-esm 2.0.1", "[pipelines][embed]") {
    auto out = test::temp_path("masked.h5");
    EmbedOptions o = fixture_options(out);
    o.input = test::source_path("tests/pipelines/data/masked.fasta");
    o.include = {"mean", "per_tok", "bos", "logits", "contacts"};
    o.layers = {0, -1};
    o.truncate = 24;
    auto s = run_embed(o);
    CHECK(s.accepted == 4);
    CHECK(s.rejected == 0);
    CHECK(s.truncated == 1);

    SafetensorsFile want(test::source_path("tests/pipelines/data/esm2_tiny_masked.safetensors"));
    H5Read f(out);
    REQUIRE(f.id >= 0);
    auto ids = nlohmann::json::parse(want.metadata().at("ids")).get<std::vector<std::string>>();
    CHECK(f.strings("/ids") == ids);
    // One position per <mask> / <unk>: hand-counted, and fair-esm's lengths.
    CHECK(f.i64("/lengths") == std::vector<std::int64_t>{20, 19, 22, 24});
    CHECK(f.i64("/lengths") == i64_of(want.get("lengths")));
    CHECK(f.i64("/original_lengths") == std::vector<std::int64_t>{20, 19, 22, 36});
    CHECK(f.i64("/offsets") == i64_of(want.get("offsets")));
    CHECK(f.i64("/contact_offsets") == i64_of(want.get("offsets2")));
    CHECK(max_abs_diff(f.f32("/mean"), want.get("mean")) < 1e-4);
    CHECK(max_abs_diff(f.f32("/bos"), want.get("bos")) < 1e-4);
    CHECK(max_abs_diff(f.f32("/per_tok"), want.get("per_tok")) < 1e-4);
    CHECK(max_abs_diff(f.f32("/logits"), want.get("logits")) < 1e-3);
    CHECK(max_abs_diff(f.f32("/contacts"), want.get("contacts")) < 1e-4);
    // Layer 0 holds the embeddings after token dropout's rescaling by the masked share.
    CHECK(max_abs_diff(f.f32("/layers/0/mean"), want.get("layer_mean_0")) < 1e-4);
}

TEST_CASE("embed job: many small batches give the same file contents", "[pipelines][embed]") {
    auto big = test::temp_path("big_batches.h5");
    auto small = test::temp_path("small_batches.h5");
    EmbedOptions o = fixture_options(big);
    o.include = {"mean", "per_tok", "bos", "logits", "contacts"};
    o.layers = {-1, 1};
    run_embed(o);
    o.output = small;
    o.max_tokens = 30;  // the shortest sequences pair up, every other one runs alone
    run_embed(o);
    H5Read a(big), b(small);
    CHECK(a.strings("/ids") == b.strings("/ids"));
    CHECK(a.i64("/offsets") == b.i64("/offsets"));
    CHECK(a.i64("/contact_offsets") == b.i64("/contact_offsets"));
    for (const char* name : {"/mean", "/bos", "/per_tok", "/logits", "/contacts", "/layers/1/mean",
                             "/layers/1/per_tok", "/layers/3/bos"}) {
        INFO(name);
        // Logits pass through the LM head (dense, GELU, LayerNorm, decoder),
        // which amplifies the rounding of other GEMM blockings: 1e-4 there,
        // as in tests/slurm (one run under load measured 1.03e-5).
        const double tol = std::string(name) == "/logits" ? 1e-4 : 1e-5;
        CHECK(max_scaled_diff(a.f32(name), b.f32(name)) < tol);
    }
}

TEST_CASE("embed job: bad records go to the rejects file, every record accounted for",
          "[pipelines][embed]") {
    auto fasta = test::temp_path("bad.fasta");
    test::write_file(fasta,
                     ">ok1 first\nMKTAYIAKQR\n"
                     ">bad1 has a digit\nMKT1AYIAK\n"
                     ">empty\n"
                     ">ok2\nACDEFGHIKLMNPQRSTVWY\nACDE\n"
                     ">long1\n" +
                         std::string(60, 'A') + "\n");
    auto out = test::temp_path("rejects.h5");
    EmbedOptions o = fixture_options(out);
    o.input = fasta;

    SECTION("truncate (default) keeps long records, cut") {
        o.truncate = 50;
        auto s = run_embed(o);
        CHECK(s.read == 5);
        CHECK(s.accepted == 3);
        CHECK(s.rejected == 2);
        CHECK(s.truncated == 1);
        CHECK(s.read == s.accepted + s.rejected);
        H5Read f(out);
        CHECK(f.strings("/ids") == std::vector<std::string>{"ok1", "ok2", "long1"});
        CHECK(f.i64("/lengths") == std::vector<std::int64_t>{10, 24, 50});
        CHECK_FALSE(f.exists("/per_tok"));
        auto tsv = test::read_file(pipelines::rejects_path_for(out));
        CHECK_THAT(tsv, Catch::StartsWith("id\tline\treason\n"));
        CHECK_THAT(tsv, Catch::Contains("bad1\t3\t"));
        CHECK_THAT(tsv, Catch::Contains("'1'"));
        CHECK_THAT(tsv, Catch::Contains("empty\t5\t"));
        CHECK(std::count(tsv.begin(), tsv.end(), '\n') == 3);
    }
    SECTION("--long skip sends long records to the rejects") {
        o.truncate = 50;
        o.long_policy = "skip";
        auto s = run_embed(o);
        CHECK(s.accepted == 2);
        CHECK(s.rejected == 3);
        CHECK(s.truncated == 0);
        CHECK_THAT(test::read_file(pipelines::rejects_path_for(out)),
                   Catch::Contains("long1\t9\tlonger than 50 residues (60)"));
    }
    SECTION("--long error stops with the record and file:line, leaving no output") {
        o.truncate = 50;
        o.long_policy = "error";
        CHECK_THROWS_AS(run_embed(o), InputError);
        CHECK_THROWS_WITH(run_embed(o), Catch::Contains(fasta + ":9") &&
                                            Catch::Contains("'long1'") &&
                                            Catch::Contains("60 residues"));
        CHECK_FALSE(file_exists(out));
        CHECK_FALSE(file_exists(pipelines::rejects_path_for(out)));
    }
    SECTION("--shard splits records by index") {
        o.shard = "1/2";  // indices 1 and 3: bad1 (rejected), ok2
        auto s = run_embed(o);
        CHECK(s.read == 2);
        CHECK(s.accepted == 1);
        CHECK(s.rejected == 1);
        // The shard's file carries its tag; the plain name is not written.
        CHECK_FALSE(file_exists(out));
        const std::string shard_out = pipelines::shard_path(out, {1, 2});
        CHECK(H5Read(shard_out).strings("/ids") == std::vector<std::string>{"ok2"});
        CHECK(file_exists(pipelines::rejects_path_for(shard_out)));
    }
}

TEST_CASE("embed job: option errors are UsageErrors that name the valid values",
          "[pipelines][embed]") {
    EmbedOptions o = fixture_options(test::temp_path("usage.h5"));
    SECTION("unknown include item") {
        o.include = {"mean", "attention"};
        CHECK_THROWS_AS(run_embed(o), UsageError);
        CHECK_THROWS_WITH(run_embed(o),
                          Catch::Contains("'attention'") &&
                              Catch::Contains("mean, per_tok, bos, logits, contacts"));
    }
    SECTION("layer out of range") {
        o.layers = {4};
        CHECK_THROWS_AS(run_embed(o), UsageError);
        CHECK_THROWS_WITH(run_embed(o), Catch::Contains("valid -4..3"));
        o.layers = {-5};
        CHECK_THROWS_AS(run_embed(o), UsageError);
    }
    SECTION("bad shard and long policy") {
        o.shard = "2/2";
        CHECK_THROWS_AS(run_embed(o), UsageError);
        CHECK_THROWS_WITH(run_embed(o), Catch::Contains("2/2"));
        o.shard = "x";
        CHECK_THROWS_AS(run_embed(o), UsageError);
        o.shard = "";
        o.long_policy = "wrap";
        CHECK_THROWS_AS(run_embed(o), UsageError);
    }
    SECTION("missing input is an IoError naming the file") {
        o.input = "/no/such/proteins.fasta";
        CHECK_THROWS_AS(run_embed(o), IoError);
        CHECK_THROWS_WITH(run_embed(o), Catch::Contains("/no/such/proteins.fasta"));
    }
}
