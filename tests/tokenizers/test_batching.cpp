#include <algorithm>
#include <random>

#include "tests/catch.hpp"

#include "tokenizers/batching.hpp"

using namespace plmkit::tokenizers;
using Batches = std::vector<std::vector<std::size_t>>;

TEST_CASE("batching: pad_batch pads to the longest with a mask and lengths",
          "[tokenizers][batching]") {
    auto b = pad_batch({{0, 4, 2}, {0, 5, 6, 7, 2}, {0, 2}}, 1);
    CHECK(b.batch == 3);
    CHECK(b.max_len == 5);
    CHECK(b.ids == std::vector<std::int64_t>{0, 4, 2, 1, 1, 0, 5, 6, 7, 2, 0, 2, 1, 1, 1});
    CHECK(b.mask == std::vector<std::uint8_t>{1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0});
    CHECK(b.lengths == std::vector<std::int64_t>{3, 5, 2});
    SECTION("an empty batch") {
        auto e = pad_batch({}, 1);
        CHECK(e.batch == 0);
        CHECK(e.max_len == 0);
        CHECK(e.ids.empty());
    }
}

TEST_CASE("batching: token budget, hand-checked", "[tokenizers][batching]") {
    TokenBudgetOptions o;
    o.max_tokens = 10;
    SECTION("sorted longest first, rows x longest <= budget") {
        // lengths: 0:3 1:5 2:2 3:5 4:1 -> order 1,3,0,2,4
        // [1,3] 2x5=10; [0,2,4] 3x3=9
        CHECK(token_budget_batches({3, 5, 2, 5, 1}, o) == Batches{{1, 3}, {0, 2, 4}});
    }
    SECTION("an item longer than the budget gets a batch of its own") {
        CHECK(token_budget_batches({4, 12, 4, 3}, o) == Batches{{1}, {0, 2}, {3}});
    }
    SECTION("the row cap") {
        o.max_tokens = 100;
        o.max_batch = 2;
        CHECK(token_budget_batches({1, 1, 1, 1, 1}, o) == Batches{{0, 1}, {2, 3}, {4}});
    }
    SECTION("no items") {
        CHECK(token_budget_batches({}, o).empty());
    }
}

TEST_CASE("batching: token budget properties on random lengths", "[tokenizers][batching]") {
    std::mt19937 rng(42);
    for (int trial = 0; trial < 200; ++trial) {
        std::size_t n = rng() % 300;
        std::vector<std::size_t> lengths(n);
        for (auto& l : lengths)
            l = rng() % 1100;
        TokenBudgetOptions o;
        o.max_tokens = 1 + rng() % 5000;
        o.max_batch = rng() % 3 == 0 ? 1 + rng() % 16 : 0;
        auto batches = token_budget_batches(lengths, o);
        std::vector<int> seen(n, 0);
        std::size_t prev_len = SIZE_MAX;
        for (const auto& b : batches) {
            REQUIRE_FALSE(b.empty());
            std::size_t longest = 0;
            for (auto i : b) {
                REQUIRE(i < n);
                ++seen[i];
                longest = std::max(longest, lengths[i]);
                // longest first across the whole sequence of batches
                REQUIRE(lengths[i] <= prev_len);
                prev_len = lengths[i];
            }
            if (b.size() > 1) REQUIRE(b.size() * longest <= o.max_tokens);
            if (o.max_batch) REQUIRE(b.size() <= o.max_batch);
        }
        REQUIRE(std::all_of(seen.begin(), seen.end(), [](int c) { return c == 1; }));
    }
}
