#include "src/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "src/runtime.hpp"

namespace plmkit {

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn,
                  std::size_t chunk) {
    if (n == 0) return;
    chunk = std::max<std::size_t>(1, chunk);
    const std::size_t chunks = (n + chunk - 1) / chunk;
    std::size_t workers = static_cast<std::size_t>(threads > 0 ? threads : available_cores());
    workers = std::max<std::size_t>(1, std::min(workers, chunks));
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&] {
        try {
            for (;;) {
                if (failed.load()) return;
                throw_if_interrupted();
                const std::size_t c = next.fetch_add(1);
                if (c >= chunks) return;
                const std::size_t end = std::min(n, (c + 1) * chunk);
                for (std::size_t i = c * chunk; i < end; ++i)
                    fn(i);
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex);
            if (!error) error = std::current_exception();
            failed.store(true);
        }
    };
    if (workers == 1) {
        work();
    } else {
        std::vector<std::thread> pool;
        pool.reserve(workers - 1);
        for (std::size_t w = 1; w < workers; ++w)
            pool.emplace_back(work);
        work();
        for (auto& t : pool)
            t.join();
    }
    if (error) std::rethrow_exception(error);
}

}  // namespace plmkit
