// XXH64 (src/xxh64.hpp): the reference values and streaming in pieces.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "tests/catch.hpp"

#include "src/safetensors.hpp"
#include "src/xxh64.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;

TEST_CASE("xxh64: matches the reference values", "[core][xxh64]") {
    // Reference values of xxhsum -H1 / the xxHash test suite.
    CHECK(xxh64_hex("") == "ef46db3751d8e999");
    CHECK(xxh64_hex("a") == "d24ec4f1a98c6e5b");
    CHECK(xxh64_hex("abc") == "44bc2cf5ad770999");
    // 32 bytes and more go through the four-lane loop (a wrong lane seed
    // passed the short values above); from xxhsum -H1 0.8.1 (Debian xxhash).
    CHECK(xxh64_hex("Nobody inspects the spammish repetition") == "fbcea83c8a378bf1");
    CHECK(xxh64_hex(std::string(100, 'x')) == "92f0de5a88a3c094");
    SECTION("a whole file, as train --resume and screen fingerprint inputs") {
        // xxhsum -H1 ../shared/fixtures/esm2_tiny/model/model.safetensors
        std::string bytes =
            test::read_file(test::shared_path("fixtures/esm2_tiny/model/model.safetensors"));
        CHECK(xxh64_hex(bytes) == "5f48fff0b22bfb3b");
    }
    SECTION("streaming in pieces gives the one-shot hash") {
        std::string text;
        for (int i = 0; i < 1000; ++i)
            text += static_cast<char>('a' + (i * 7) % 26);
        Xxh64 pieces;
        for (std::size_t at = 0, step = 1; at < text.size(); at += step, step = step % 37 + 3)
            pieces.update(text.data() + at, std::min(step, text.size() - at));
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(pieces.digest()));
        CHECK(hex == xxh64_hex(text));
        CHECK(pieces.hex() == xxh64_hex(text));
        CHECK(xxh64_hex(text) != xxh64_hex(text.substr(1)));
    }
}

TEST_CASE("xxh64: throughput from memory", "[.bench][xxh64]") {
    std::vector<unsigned char> data(std::size_t{1} << 30);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<unsigned char>(i * 2654435761u >> 13);
    auto t0 = std::chrono::steady_clock::now();
    Xxh64 h;
    h.update(data.data(), data.size());
    volatile auto d = h.digest();
    (void)d;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    WARN("XXH64 of 1 GiB in memory: " << s << " s");

    // As the ESM-2 loader does it: a safetensors file in the page cache,
    // mapped; the first pass also takes the page faults of a fresh map (the
    // loader's weight copy takes them before it hashes).
    const std::string path = test::temp_path("xxh64_bench.safetensors");
    TensorView v;
    v.name = "w";
    v.dtype = StoredDType::u8;
    v.shape = {static_cast<std::int64_t>(data.size())};
    v.data = data.data();
    v.nbytes = data.size();
    write_safetensors(path, {v});
    SafetensorsFile f(path);
    for (const char* pass : {"fresh map", "touched map"}) {
        t0 = std::chrono::steady_clock::now();
        Xxh64 fh;
        fh.update(f.bytes(), f.size());
        volatile auto fd = fh.digest();
        (void)fd;
        s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        WARN("XXH64 of a 1 GiB safetensors file, " << pass << ": " << s << " s");
    }
    std::remove(path.c_str());
}
