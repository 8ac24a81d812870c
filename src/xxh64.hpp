#pragma once
// Streaming XXH64 (seed 0, the hash `xxhsum -H1` prints): a few GB/s, so it
// can fingerprint a screening library or every byte of a model checkpoint at
// little cost next to reading them.
#include <cstddef>
#include <cstdint>
#include <string>

namespace plmkit {

class Xxh64 {
  public:
    void update(const void* data, std::size_t size);
    std::uint64_t digest() const;
    /// digest() as 16 lower-case hex digits.
    std::string hex() const;

  private:
    std::uint64_t v_[4] = {0x60ea27eeadc0b5d6ULL, 0xc2b2ae3d27d4eb4fULL, 0, 0x61c8864e7a143579ULL};
    unsigned char buf_[32] = {};
    std::size_t buffered_ = 0;
    std::uint64_t total_ = 0;
};

/// XXH64 of `text` as 16 lower-case hex digits.
inline std::string xxh64_hex(const std::string& text) {
    Xxh64 h;
    h.update(text.data(), text.size());
    return h.hex();
}

}  // namespace plmkit
