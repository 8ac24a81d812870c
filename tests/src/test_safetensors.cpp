#include <cstring>
#include <filesystem>
#include <fstream>
#include "tests/catch.hpp"

#include "src/error.hpp"
#include "src/safetensors.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

TEST_CASE("safetensors: the esm2_tiny fixture loads with the expected shapes",
          "[core][safetensors]") {
    SafetensorsFile f(test::shared_path("fixtures/esm2_tiny/model/model.safetensors"));
    const auto& emb = f.get("esm.embeddings.word_embeddings.weight");
    CHECK(emb.dtype == StoredDType::f32);
    CHECK(emb.shape == std::vector<std::int64_t>{33, 64});
    CHECK(emb.nbytes == 33 * 64 * 4);
    CHECK_THROWS_WITH(f.get("no.such.tensor"), Catch::Contains("no tensor 'no.such.tensor'"));
}

TEST_CASE("safetensors: write then read gives back names, shapes, bytes and metadata",
          "[core][safetensors]") {
    std::vector<float> a = {1.f, 2.f, 3.f, 4.f, 5.f, 6.f};
    std::vector<std::int64_t> b = {7, -8};
    std::vector<TensorView> ts(2);
    ts[0].name = "a";
    ts[0].dtype = StoredDType::f32;
    ts[0].shape = {2, 3};
    ts[0].data = a.data();
    ts[0].nbytes = a.size() * 4;
    ts[1].name = "b";
    ts[1].dtype = StoredDType::i64;
    ts[1].shape = {2};
    ts[1].data = b.data();
    ts[1].nbytes = 16;
    auto path = test::temp_path("rt.safetensors");
    write_safetensors(path, ts, {{"format", "pt"}});
    SafetensorsFile f(path);
    REQUIRE(f.names().size() == 2);
    CHECK(f.metadata().at("format") == "pt");
    const auto& ra = f.get("a");
    CHECK(ra.shape == std::vector<std::int64_t>{2, 3});
    CHECK(std::memcmp(ra.data, a.data(), 24) == 0);
    const auto& rb = f.get("b");
    CHECK(static_cast<const std::int64_t*>(rb.data)[1] == -8);
}

namespace {
std::string header_file(const std::string& header_json, std::size_t data_bytes) {
    std::string s(8, '\0');
    std::uint64_t n = header_json.size();
    for (int i = 0; i < 8; ++i)
        s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    s += header_json;
    s += std::string(data_bytes, '\0');
    auto path = test::temp_path("bad.safetensors");
    test::write_file(path, s);
    return path;
}
}  // namespace

TEST_CASE("safetensors: corrupt files are ModelErrors naming file and tensor",
          "[core][safetensors]") {
    SECTION("offsets beyond the data section") {
        auto p = header_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8);
        CHECK_THROWS_AS(SafetensorsFile(p), ModelError);
        CHECK_THROWS_WITH(SafetensorsFile(p),
                          Catch::Contains("tensor 'w'") && Catch::Contains("outside"));
    }
    SECTION("byte count disagrees with dtype and shape") {
        auto p = header_file(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16);
        CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("16 bytes, expected 12"));
    }
    SECTION("shape whose byte count wraps around 2^64") {
        // (2^62 + 4) F32 elements are 2^64 + 16 bytes: 16 after wrapping.
        auto p = header_file(
            R"({"w":{"dtype":"F32","shape":[4611686018427387908],"data_offsets":[0,16]}})", 16);
        CHECK_THROWS_AS(SafetensorsFile(p), ModelError);
        CHECK_THROWS_WITH(SafetensorsFile(p),
                          Catch::Contains("tensor 'w'") && Catch::Contains("larger than"));
    }
    SECTION("negative or non-integer offsets, non-string dtype") {
        auto p = header_file(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]}})", 16);
        CHECK_THROWS_WITH(SafetensorsFile(p),
                          Catch::Contains("tensor 'w'") && Catch::Contains("non-negative"));
        p = header_file(R"({"w":{"dtype":32,"shape":[4],"data_offsets":[0,16]}})", 16);
        CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("tensor 'w'"));
        p = header_file(R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", 16);
        CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("tensor 'w'"));
    }
    SECTION("unknown dtype") {
        auto p = header_file(R"({"w":{"dtype":"F8","shape":[4],"data_offsets":[0,4]}})", 4);
        CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("unsupported dtype"));
    }
    SECTION("overlapping tensors") {
        auto p = header_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                             12);
        CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("overlap") &&
                                                  Catch::Contains("'a'") && Catch::Contains("'b'"));
    }
    SECTION("header longer than the file (truncated)") {
        std::string s(8, '\0');
        s[0] = static_cast<char>(200);
        s += "{}";
        auto p = test::temp_path("trunc.safetensors");
        test::write_file(p, s);
        CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("truncated"));
    }
    SECTION("not JSON") {
        auto p = header_file("{not json", 0);
        CHECK_THROWS_WITH(SafetensorsFile(p), Catch::Contains("corrupt safetensors header"));
    }
    SECTION("missing file is an IoError") {
        CHECK_THROWS_AS(SafetensorsFile(test::temp_path("absent.safetensors")), IoError);
    }
}

TEST_CASE("safetensors: a model folder with only PyTorch or other weights says how to convert",
          "[core][safetensors]") {
    // transformers before 4.35 saved pytorch_model.bin by default: the error
    // only said that model.safetensors was missing, as for an empty folder.
    const std::string dir = test::temp_path("pt_only_model");
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    SECTION("an empty folder: the plain message") {
        CHECK_THROWS_AS(SafetensorsCheckpoint(dir), ModelError);
        CHECK_THROWS_WITH(SafetensorsCheckpoint(dir), Catch::Contains("has no model.safetensors") &&
                                                          !Catch::Contains("does not read"));
    }
    SECTION("pytorch_model.bin: named, with the conversion") {
        test::write_file(dir + "/pytorch_model.bin", "PK");
        CHECK_THROWS_WITH(SafetensorsCheckpoint(dir),
                          Catch::Contains("it has pytorch_model.bin, which plmkit does not read") &&
                              Catch::Contains("torch.load('" + dir + "/pytorch_model.bin'") &&
                              Catch::Contains("save_file(") &&
                              Catch::Contains("'" + dir + "/model.safetensors'"));
    }
    SECTION("TensorFlow weights: named, with save_pretrained") {
        test::write_file(dir + "/tf_model.h5", "x");
        CHECK_THROWS_WITH(
            SafetensorsCheckpoint(dir),
            Catch::Contains("it has tf_model.h5") && Catch::Contains("safe_serialization=True"));
    }
}
