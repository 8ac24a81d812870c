#pragma once
// A parallel loop that never waits for a thread that is not running.
//
// at::parallel_for (OpenMP) hands each thread its share of a loop and
// returns when every thread has done its share. On cores that other
// programs keep busy a thread is often descheduled, and each loop then
// waits for its share until the scheduler runs it again (milliseconds);
// a boosted tree runs a loop per leaf, so two threads took ten times as
// long as one there. Here the loop is cut into chunks that the calling
// thread and any helper that is awake take in turn: a helper that does not
// get a core in time finds nothing left, and the caller waits only for
// chunks a helper has already started. Which thread runs a chunk does not
// change what the chunk computes, so results that do not depend on the
// order of the chunks do not depend on the thread count either.
//
// Internal to models/ (the boosted trees).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace plmkit::models {

class LoopHelpers {
  public:
    /// Starts `helpers` threads (0: every loop runs on the caller; fewer
    /// when the system refuses more).
    explicit LoopHelpers(int helpers);
    ~LoopHelpers();
    LoopHelpers(const LoopHelpers&) = delete;
    LoopHelpers& operator=(const LoopHelpers&) = delete;

    int helpers() const { return static_cast<int>(threads_.size()); }

    /// Runs fn(begin, end) over [0, n) in chunks of `chunk` on this thread
    /// and the helpers that are awake; returns when every chunk is done.
    /// Without helpers, or when n <= chunk, fn(0, n) runs here at once.
    /// fn must not throw. One caller at a time.
    void run(std::int64_t n, std::int64_t chunk,
             const std::function<void(std::int64_t, std::int64_t)>& fn);

  private:
    struct Loop {
        const std::function<void(std::int64_t, std::int64_t)>* fn = nullptr;
        std::int64_t n = 0, chunk = 1;
        std::atomic<std::int64_t> next{0};  ///< first index not yet taken
        std::atomic<std::int64_t> done{0};  ///< indices finished
    };
    static void work(Loop& loop);
    void helper_main();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::shared_ptr<Loop> loop_;  ///< the loop running now, if any
    std::uint64_t generation_ = 0;
    bool stop_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace plmkit::models
