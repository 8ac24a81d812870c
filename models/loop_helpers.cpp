#include "models/loop_helpers.hpp"

#include <algorithm>
#include <system_error>

namespace plmkit::models {

LoopHelpers::LoopHelpers(int helpers) {
    for (int i = 0; i < helpers; ++i) {
        try {
            threads_.emplace_back([this] { helper_main(); });
        } catch (const std::system_error&) {
            break;  // no more threads to be had: the loops run on fewer
        }
    }
}

LoopHelpers::~LoopHelpers() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_)
        t.join();
}

void LoopHelpers::work(Loop& loop) {
    for (;;) {
        const std::int64_t b = loop.next.fetch_add(loop.chunk, std::memory_order_relaxed);
        if (b >= loop.n) return;
        const std::int64_t e = std::min(b + loop.chunk, loop.n);
        (*loop.fn)(b, e);
        loop.done.fetch_add(e - b, std::memory_order_release);
    }
}

void LoopHelpers::run(std::int64_t n, std::int64_t chunk,
                      const std::function<void(std::int64_t, std::int64_t)>& fn) {
    if (n <= 0) return;
    if (threads_.empty() || n <= chunk) {
        fn(0, n);
        return;
    }
    auto loop = std::make_shared<Loop>();
    loop->fn = &fn;
    loop->n = n;
    loop->chunk = chunk;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        loop_ = loop;
        ++generation_;
    }
    wake_.notify_all();
    work(*loop);
    // Only chunks a helper has started are left: short waits, so yield
    // rather than sleep (a sleeping caller would itself wait for a core).
    while (loop->done.load(std::memory_order_acquire) < n)
        std::this_thread::yield();
    std::lock_guard<std::mutex> lock(mutex_);
    loop_.reset();
}

void LoopHelpers::helper_main() {
    std::uint64_t seen = 0;
    for (;;) {
        std::shared_ptr<Loop> loop;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            loop = loop_;
        }
        // A helper that wakes after the loop ended finds no chunk left
        // (or no loop): fn is called only while the caller waits in run.
        if (loop) work(*loop);
    }
}

}  // namespace plmkit::models
