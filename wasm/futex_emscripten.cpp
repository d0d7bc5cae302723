// Futex in WebAssembly: Emscripten's futex on the shared heap (Atomics.wait and
// Atomics.notify). Emscripten takes a relative timeout in milliseconds. The
// heap never shrinks, so waking by the address of a word whose owner has gone
// touches valid memory.
#include <emscripten/threading.h>

#include <cmath>

#include "threaded_async/detail/futex.hpp"

namespace threaded_async::detail {

static_assert(sizeof(FutexWord) == sizeof(std::uint32_t) && FutexWord::is_always_lock_free,
              "futex words must be plain 32-bit words");

void futex_wait(FutexWord& word, std::uint32_t expected, Clock::time_point deadline) noexcept {
  double timeout_ms = INFINITY;
  if (deadline != Clock::time_point::max()) {
    const auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) return;
    timeout_ms = std::chrono::duration<double, std::milli>(left).count();
  }
  emscripten_futex_wait(&word, expected, timeout_ms);
}

void futex_wake_one(FutexWord* word) noexcept { emscripten_futex_wake(word, 1); }

}  // namespace threaded_async::detail
