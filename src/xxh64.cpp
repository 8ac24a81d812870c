#include "src/xxh64.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace plmkit {

namespace {

constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr std::uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr std::uint64_t kP5 = 0x27D4EB2F165667C5ULL;

std::uint64_t rotl(std::uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

std::uint64_t read64(const unsigned char* p) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    return v;  // little-endian hosts only (x86-64, aarch64)
}

std::uint32_t read32(const unsigned char* p) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

std::uint64_t round64(std::uint64_t acc, std::uint64_t input) {
    acc += input * kP2;
    acc = rotl(acc, 31);
    return acc * kP1;
}

std::uint64_t merge_round(std::uint64_t acc, std::uint64_t val) {
    acc ^= round64(0, val);
    return acc * kP1 + kP4;
}

}  // namespace

void Xxh64::update(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += size;
    if (buffered_ > 0) {
        std::size_t take = std::min(size, sizeof buf_ - buffered_);
        std::memcpy(buf_ + buffered_, p, take);
        buffered_ += take;
        p += take;
        size -= take;
        if (buffered_ < sizeof buf_) return;
        for (int i = 0; i < 4; ++i)
            v_[i] = round64(v_[i], read64(buf_ + 8 * i));
        buffered_ = 0;
    }
    for (; size >= 32; p += 32, size -= 32)
        for (int i = 0; i < 4; ++i)
            v_[i] = round64(v_[i], read64(p + 8 * i));
    std::memcpy(buf_, p, size);
    buffered_ = size;
}

std::uint64_t Xxh64::digest() const {
    std::uint64_t h;
    if (total_ >= 32) {
        h = rotl(v_[0], 1) + rotl(v_[1], 7) + rotl(v_[2], 12) + rotl(v_[3], 18);
        for (std::uint64_t v : v_)
            h = merge_round(h, v);
    } else {
        h = v_[2] + kP5;  // v_[2] is the seed (0) until 32 bytes went in
    }
    h += total_;
    const unsigned char* p = buf_;
    std::size_t n = buffered_;
    for (; n >= 8; p += 8, n -= 8) {
        h ^= round64(0, read64(p));
        h = rotl(h, 27) * kP1 + kP4;
    }
    if (n >= 4) {
        h ^= static_cast<std::uint64_t>(read32(p)) * kP1;
        h = rotl(h, 23) * kP2 + kP3;
        p += 4;
        n -= 4;
    }
    for (; n > 0; ++p, --n) {
        h ^= (*p) * kP5;
        h = rotl(h, 11) * kP1;
    }
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
}

std::string Xxh64::hex() const {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(digest()));
    return hex;
}

}  // namespace plmkit
