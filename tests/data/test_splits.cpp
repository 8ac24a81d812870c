#include <array>
#include <map>

#include "tests/catch.hpp"

#include "data/split_file.hpp"
#include "data/splits.hpp"
#include "src/error.hpp"
#include "tests/test_support.hpp"

using namespace plmkit;
using namespace plmkit::data;

namespace {
std::array<std::size_t, 3> counts(const std::vector<int>& sets) {
    std::array<std::size_t, 3> c{0, 0, 0};
    for (int s : sets)
        if (s >= 0) ++c[static_cast<std::size_t>(s)];
    return c;
}

/// True when no group key has members in two different sets.
bool groups_disjoint(const std::vector<std::string>& groups, const std::vector<int>& sets) {
    std::map<std::string, int> where;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        auto it = where.emplace(groups[i], sets[i]).first;
        if (it->second != sets[i]) return false;
    }
    return true;
}
}  // namespace

TEST_CASE("splits: splitmix64 and permutations are portable", "[data][splits]") {
    SplitMix64 rng(0);
    // Reference outputs of splitmix64 seeded with 0 (Vigna's splitmix64.c).
    CHECK(rng.next() == 0xe220a8397b1dcdafULL);
    CHECK(rng.next() == 0x6e789e6aa1b965f4ULL);
    CHECK(rng.next() == 0x06c45d188009454fULL);
    // Reference from an independent Python implementation of the same
    // Fisher-Yates (i = n-1..1, j = below(i+1) with rejection sampling).
    CHECK(permutation(10, 42) == std::vector<std::size_t>{0, 9, 5, 8, 6, 4, 7, 2, 1, 3});
    CHECK(permutation(10, 1) == std::vector<std::size_t>{4, 2, 8, 1, 9, 3, 0, 6, 7, 5});
    CHECK(permutation(0, 1).empty());
    SplitMix64 r2(7);
    for (int i = 0; i < 1000; ++i)
        REQUIRE(r2.below(3) < 3);
}

TEST_CASE("splits: random split sizes and determinism", "[data][splits]") {
    CHECK(random_split(10, {}, 42) == std::vector<int>{0, 1, 0, 2, 0, 0, 0, 0, 0, 0});
    auto a = random_split(1000, {}, 7);
    CHECK(counts(a) == std::array<std::size_t, 3>{800, 100, 100});
    CHECK(random_split(1000, {}, 7) == a);
    CHECK(random_split(1000, {}, 8) != a);
    CHECK(counts(random_split(1128, {}, 0)) == std::array<std::size_t, 3>{902, 113, 113});
    CHECK(counts(random_split(7, {0.5, 0.5, 0.0}, 1)) == std::array<std::size_t, 3>{3, 4, 0});
    CHECK(random_split(0, {}, 1).empty());
    CHECK_THROWS_AS(random_split(10, {0.8, 0.1, 0.2}, 1), UsageError);
    CHECK_THROWS_AS(random_split(10, {1.2, -0.1, -0.1}, 1), UsageError);
}

TEST_CASE("splits: group split keeps each group in one set", "[data][splits]") {
    std::vector<std::string> groups;
    for (int i = 0; i < 500; ++i)
        groups.push_back("g" + std::to_string((i * 7919) % 97 % (1 + i % 13)));
    for (auto method : {GroupSplitMethod::balanced, GroupSplitMethod::largest_first}) {
        auto sets = group_split(groups, {}, 3, method);
        REQUIRE(sets.size() == groups.size());
        CHECK(groups_disjoint(groups, sets));
        auto c = counts(sets);
        CHECK(c[0] + c[1] + c[2] == 500);
        CHECK(c[0] <= 400);
        CHECK(group_split(groups, {}, 3, method) == sets);
    }
    SECTION("balanced: a group bigger than half the valid set goes first, into train") {
        std::vector<std::string> g(100, "small");
        for (int i = 0; i < 100; ++i)
            g[i] = "s" + std::to_string(i);
        for (int i = 0; i < 30; ++i)
            g[i * 3] = "big";
        for (std::uint64_t seed = 0; seed < 5; ++seed) {
            auto sets = group_split(g, {}, seed);
            CHECK(sets[0] == kTrain);
            CHECK(counts(sets) == std::array<std::size_t, 3>{80, 10, 10});
        }
        CHECK(group_split(g, {}, 1) != group_split(g, {}, 2));
    }
}

TEST_CASE("splits: largest_first reproduces DeepChem's scaffold splits in ../shared/data",
          "[data][splits]") {
    for (const char* name : {"esol", "tox21", "bbbp", "bace", "lipophilicity"}) {
        INFO(name);
        auto file =
            read_split_file(test::shared_path(std::string("data/") + name + "/scaffold_split.csv"));
        REQUIRE(file.groups.size() == file.sets.size());
        std::vector<std::string> groups;
        std::vector<int> expected;
        for (std::size_t i = 0; i < file.sets.size(); ++i) {
            if (file.sets[i] == kNoSet) continue;  // BBBP: 11 rows marked 'invalid'
            groups.push_back(file.groups[i]);
            expected.push_back(file.sets[i]);
        }
        auto sets = group_split(groups, {}, 0, GroupSplitMethod::largest_first);
        CHECK(sets == expected);
        CHECK(groups_disjoint(groups, sets));
    }
}

TEST_CASE("splits: split column values", "[data][splits]") {
    CHECK(column_split({"train", "Valid", " val ", "TEST", "validation", "invalid", ""}) ==
          std::vector<int>{0, 1, 1, 2, 1, -1, -1});
    CHECK(std::string(split_name(kValid)) == "valid");
    CHECK(std::string(split_name(-1)) == "none");
}
