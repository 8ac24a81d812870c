// LoopHelpers (models/loop_helpers.cpp): every index of a loop is run
// exactly once whatever the number of helpers and the chunk size, loops
// shorter than a chunk and empty loops, and many loops in a row on the
// same helpers (a helper that wakes late must not run a finished loop).
#include <atomic>
#include <cstdint>
#include <vector>

#include "models/loop_helpers.hpp"
#include "tests/catch.hpp"

using namespace plmkit::models;

namespace {

/// How often each index of [0, n) was visited by one run; checks that the
/// pieces are chunks (the whole loop in one piece without helpers).
std::vector<int> visits(LoopHelpers& helpers, std::int64_t n, std::int64_t chunk) {
    std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
    const std::int64_t piece = helpers.helpers() > 0 ? chunk : n;
    std::atomic<int> bad_pieces{0};  // Catch's checks are not for other threads
    helpers.run(n, chunk, [&](std::int64_t b, std::int64_t e) {
        if (!(b < e && e - b <= piece)) bad_pieces.fetch_add(1);
        for (std::int64_t i = b; i < e; ++i)
            seen[static_cast<std::size_t>(i)].fetch_add(1);
    });
    CHECK(bad_pieces.load() == 0);
    std::vector<int> out;
    for (const auto& s : seen)
        out.push_back(s.load());
    return out;
}

}  // namespace

TEST_CASE("loop_helpers: each index once, on any number of helpers", "[models][loop_helpers]") {
    for (int helpers : {0, 1, 3}) {
        LoopHelpers pool(helpers);
        CHECK(pool.helpers() == helpers);
        for (std::int64_t chunk : {1, 7, 64}) {
            INFO("helpers " << helpers << ", chunk " << chunk);
            CHECK(visits(pool, 1000, chunk) == std::vector<int>(1000, 1));
            CHECK(visits(pool, 5, chunk) == std::vector<int>(5, 1));
            CHECK(visits(pool, 0, chunk).empty());
        }
    }
}

TEST_CASE("loop_helpers: many loops in a row give the sums a serial loop gives",
          "[models][loop_helpers]") {
    LoopHelpers pool(2);
    std::vector<std::int64_t> per_slot(64);
    for (int rep = 0; rep < 2000; ++rep) {
        // Each index writes its own slot, so the result does not depend on
        // which thread ran it; the caller reads them after run returns.
        std::vector<std::int64_t> slot(64, 0);
        pool.run(64, 3, [&](std::int64_t b, std::int64_t e) {
            for (std::int64_t i = b; i < e; ++i)
                slot[static_cast<std::size_t>(i)] = i * rep;
        });
        for (std::size_t i = 0; i < slot.size(); ++i)
            per_slot[i] += slot[i];
    }
    // sum over rep of i * rep = i * 1999 * 2000 / 2
    for (std::size_t i = 0; i < per_slot.size(); ++i)
        CHECK(per_slot[i] == static_cast<std::int64_t>(i) * 1999 * 1000);
}
