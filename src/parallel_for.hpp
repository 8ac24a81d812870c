#pragma once
// parallel_for(n, threads, fn): fn(i) for i in [0, n) on up to `threads`
// threads (0 = available cores), in chunks claimed from a shared counter.
// The first exception thrown by fn stops the others (they finish their
// chunk) and is rethrown on the calling thread. An interrupt (SIGINT) is
// checked between chunks.
#include <cstddef>
#include <functional>

namespace plmkit {

void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& fn,
                  std::size_t chunk = 16);

}  // namespace plmkit
