// Brief spinning before a thread goes to sleep: most hand-overs between a
// thread and the loop complete within a few microseconds, and spinning for
// them costs far less than a sleep and a wake-up.
#pragma once

#include <chrono>

#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// How long a waiter spins before it sleeps.
inline constexpr std::chrono::microseconds kSpinFor{50};

// Spins until `done()` is true, `kSpinFor` has passed, or `deadline` is reached.
// Returns done().
template <class Done>
bool spin_until(Done&& done, Clock::time_point deadline) {
  if (done()) return true;
  const auto start = Clock::now();
  const auto stop = std::min(deadline, start + kSpinFor);
  for (;;) {
    for (int i = 0; i < 32; ++i) {
      cpu_relax();
      if (done()) return true;
    }
    if (Clock::now() >= stop) return done();
  }
}

}  // namespace threaded_async::detail
