#include "pipelines/dedupe_index.hpp"

namespace plmkit::pipelines {

namespace {
std::uint64_t fnv1a(const std::string& s, std::uint64_t h) {
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ULL;
    }
    return h;
}
std::uint64_t mix(std::uint64_t x) {  // splitmix64 finalizer
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}
}  // namespace

const DedupeIndex::First* DedupeIndex::check(const std::string& key, const std::string& id,
                                             std::uint64_t record) {
    Key k{mix(fnv1a(key, 0xcbf29ce484222325ULL)),
          static_cast<std::uint64_t>(std::hash<std::string>{}(key))};
    auto [it, inserted] = seen_.try_emplace(k, First{id, record});
    return inserted ? nullptr : &it->second;
}

}  // namespace plmkit::pipelines
