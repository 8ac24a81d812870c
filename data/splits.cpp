#include "data/splits.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>

#include "src/error.hpp"

namespace plmkit::data {

std::uint64_t SplitMix64::next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t SplitMix64::below(std::uint64_t bound) {
    // Reject the lowest (2^64 mod bound) values so every residue is equally likely.
    const std::uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        std::uint64_t r = next();
        if (r >= threshold) return r % bound;
    }
}

std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed) {
    std::vector<std::size_t> p(n);
    for (std::size_t i = 0; i < n; ++i)
        p[i] = i;
    SplitMix64 rng(seed);
    for (std::size_t i = n; i > 1; --i)
        std::swap(p[i - 1], p[rng.below(i)]);
    return p;
}

void check_split_sizes(const SplitSizes& s) {
    const double sum = s.train + s.valid + s.test;
    if (!(s.train >= 0 && s.valid >= 0 && s.test >= 0) || !(std::fabs(sum - 1.0) <= 1e-6))
        throw UsageError("split sizes must be >= 0 and sum to 1, got train " +
                         std::to_string(s.train) + ", valid " + std::to_string(s.valid) +
                         ", test " + std::to_string(s.test));
}

namespace {
/// floor(x) with a little slack so 0.9*10 = 8.999999999 counts as 9.
std::size_t cut(double fraction, std::size_t n) {
    double v = std::floor(fraction * static_cast<double>(n) + 1e-9);
    return std::min(n, static_cast<std::size_t>(std::max(0.0, v)));
}

template <typename T>
void shuffle(std::vector<T>& v, SplitMix64& rng) {
    for (std::size_t i = v.size(); i > 1; --i)
        std::swap(v[i - 1], v[rng.below(i)]);
}
}  // namespace

std::vector<int> random_split(std::size_t n, const SplitSizes& sizes, std::uint64_t seed) {
    check_split_sizes(sizes);
    const std::size_t n_train = cut(sizes.train, n);
    const std::size_t n_train_valid = std::max(n_train, cut(sizes.train + sizes.valid, n));
    auto order = permutation(n, seed);
    std::vector<int> sets(n, kTest);
    for (std::size_t k = 0; k < n; ++k)
        sets[order[k]] = k < n_train ? kTrain : (k < n_train_valid ? kValid : kTest);
    return sets;
}

std::vector<int> group_split(const std::vector<std::string>& groups, const SplitSizes& sizes,
                             std::uint64_t seed, GroupSplitMethod method) {
    check_split_sizes(sizes);
    // Members of each group, groups in order of first occurrence.
    std::unordered_map<std::string, std::size_t> slot;
    std::vector<std::vector<std::size_t>> sets;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        auto it = slot.emplace(groups[i], sets.size()).first;
        if (it->second == sets.size()) sets.emplace_back();
        sets[it->second].push_back(i);
    }
    const double n = static_cast<double>(groups.size());
    std::vector<int> out(groups.size(), kTest);
    std::size_t n_train = 0, n_valid = 0;
    auto assign = [&](const std::vector<std::size_t>& members, int set) {
        for (auto i : members)
            out[i] = set;
        if (set == kTrain) n_train += members.size();
        if (set == kValid) n_valid += members.size();
    };
    if (method == GroupSplitMethod::largest_first) {
        std::stable_sort(sets.begin(), sets.end(), [](const auto& a, const auto& b) {
            return a.size() != b.size() ? a.size() > b.size() : a.front() > b.front();
        });
        const double train_cut = sizes.train * n, valid_cut = (sizes.train + sizes.valid) * n;
        for (const auto& s : sets) {
            const double k = static_cast<double>(s.size());
            if (n_train + k <= train_cut)
                assign(s, kTrain);
            else if (n_train + n_valid + k <= valid_cut)
                assign(s, kValid);
            else
                assign(s, kTest);
        }
        return out;
    }
    const double train_size = sizes.train * n, valid_size = sizes.valid * n,
                 test_size = sizes.test * n;
    std::vector<std::vector<std::size_t>> big, small;
    for (auto& s : sets) {
        const double k = static_cast<double>(s.size());
        (k > valid_size / 2 || k > test_size / 2 ? big : small).push_back(std::move(s));
    }
    SplitMix64 rng(seed);
    shuffle(big, rng);
    shuffle(small, rng);
    for (auto* part : {&big, &small}) {
        for (const auto& s : *part) {
            const double k = static_cast<double>(s.size());
            if (n_train + k <= train_size)
                assign(s, kTrain);
            else if (n_valid + k <= valid_size)
                assign(s, kValid);
            else
                assign(s, kTest);
        }
    }
    return out;
}

namespace {
std::string normalized_name(const std::string& value) {
    std::size_t b = value.find_first_not_of(" \t\r\n");
    std::size_t e = value.find_last_not_of(" \t\r\n");
    std::string v = b == std::string::npos ? "" : value.substr(b, e - b + 1);
    for (char& c : v)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return v;
}
}  // namespace

const char* const kSplitNamesExpected =
    "expected train, valid (val, validation, dev), test, or none/invalid/exclude to leave "
    "the row out";

bool parse_split_name(const std::string& value, int& set) {
    const std::string v = normalized_name(value);
    if (v == "train" || v == "training")
        set = kTrain;
    else if (v == "valid" || v == "val" || v == "validation" || v == "dev")
        set = kValid;
    else if (v == "test")
        set = kTest;
    else if (v == "none" || v == "invalid" || v == "exclude")
        set = kNoSet;
    else
        return false;
    return true;
}

int split_from_name(const std::string& value) {
    int set = kNoSet;
    return parse_split_name(value, set) ? set : kNoSet;
}

std::vector<int> column_split(const std::vector<std::string>& values) {
    std::vector<int> out;
    out.reserve(values.size());
    for (const auto& v : values)
        out.push_back(split_from_name(v));
    return out;
}

const char* split_name(int set) {
    switch (set) {
        case kTrain:
            return "train";
        case kValid:
            return "valid";
        case kTest:
            return "test";
        default:
            return "none";
    }
}

}  // namespace plmkit::data
