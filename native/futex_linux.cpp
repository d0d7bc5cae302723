// Futex on Linux: the futex(2) system call on process-private words. Timed
// waits use an absolute CLOCK_MONOTONIC deadline, the clock of
// std::chrono::steady_clock, so a wait that is woken early and re-waits does
// not drift.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "threaded_async/detail/futex.hpp"

namespace threaded_async::detail {

static_assert(sizeof(FutexWord) == sizeof(std::uint32_t) && FutexWord::is_always_lock_free,
              "futex words must be plain 32-bit words");

// The figure the spin has had since it came in (docs/performance.md).
constinit const Clock::duration kSpinFor = std::chrono::microseconds(50);

void futex_wait(FutexWord& word, std::uint32_t expected, Clock::time_point deadline) noexcept {
  timespec at{};
  timespec* timeout = nullptr;
  if (deadline != Clock::time_point::max()) {
    const auto since_boot = deadline.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_boot);
    at.tv_sec = static_cast<time_t>(seconds.count());
    at.tv_nsec = static_cast<long>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(since_boot - seconds).count());
    timeout = &at;
  }
  // EAGAIN (the word changed), EINTR, ETIMEDOUT: the caller looks again.
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_BITSET_PRIVATE, expected,
          timeout, nullptr, FUTEX_BITSET_MATCH_ANY);
}

void futex_wake_one(FutexWord* word) noexcept {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(word), FUTEX_WAKE_PRIVATE, 1, nullptr,
          nullptr, 0);
}

}  // namespace threaded_async::detail
