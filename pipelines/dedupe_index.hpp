#pragma once
// The `dedupe` step's memory: the canonical SMILES seen so far, stored as a
// 128-bit hash (two independent 64-bit hashes; a false duplicate among 10^9
// unique molecules has probability ~10^-20) with the first record's id and
// index, about 80 bytes per unique molecule.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace plmkit::pipelines {

class DedupeIndex {
  public:
    struct First {
        std::string id;
        std::uint64_t record = 0;
    };
    /// Null when `key` is new (and now remembered as `id`, `record`); else
    /// the first record that had it.
    const First* check(const std::string& key, const std::string& id, std::uint64_t record);
    std::size_t size() const { return seen_.size(); }

  private:
    struct Key {
        std::uint64_t a, b;
        bool operator==(const Key& o) const { return a == o.a && b == o.b; }
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const { return static_cast<std::size_t>(k.a); }
    };
    std::unordered_map<Key, First, KeyHash> seen_;
};

}  // namespace plmkit::pipelines
