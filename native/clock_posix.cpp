// The loop's clock reads natively: steady_clock::now(), through the vDSO, and
// CLOCK_MONOTONIC_COARSE, the clock steady_clock reads, at the last tick.
#include <time.h>

#include "threaded_async/detail/clock.hpp"

namespace threaded_async::detail {

Clock::time_point clock_now() noexcept { return Clock::now(); }

Clock::time_point clock_now_coarse() noexcept {
#if defined(CLOCK_MONOTONIC_COARSE)
  timespec ts;
  if (::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0) {
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
        std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
  }
#endif
  return clock_now();
}

}  // namespace threaded_async::detail
