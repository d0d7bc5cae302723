// Futex in WebAssembly: Emscripten's futex on the shared heap (Atomics.wait and
// Atomics.notify). Emscripten takes a relative timeout in milliseconds. The
// heap never shrinks, so waking by the address of a word whose owner has gone
// touches valid memory.
#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "threaded_async/detail/clock.hpp"
#include "threaded_async/detail/futex.hpp"

// Emscripten's <emscripten/threading.h> declares them without saying that they
// cannot throw: declared here noexcept, each is one plain call rather than one
// through an invoke_ trampoline in JavaScript (see wasm/clock_emscripten.cpp).
extern "C" {
int emscripten_futex_wait(volatile void* addr, std::uint32_t value, double max_wait_ms) noexcept;
int emscripten_futex_wake(volatile void* addr, int count) noexcept;
}

namespace threaded_async::detail {

static_assert(sizeof(FutexWord) == sizeof(std::uint32_t) && FutexWord::is_always_lock_free,
              "futex words must be plain 32-bit words");

// Sleeps in slices of at most kSliceMs, as Emscripten's own blocking calls
// (musl's __timedwait) do: the page's test of Stop, which terminates the
// engine's worker, failed 2 of 5 runs while threads slept in one unbounded
// Atomics.wait, and passed every run since. The slices are not seen by the
// caller: only a wake, a changed word or the deadline end the wait. A wake that
// comes between two slices is lost, as futex.hpp allows: the waker has changed
// the word, so the next slice returns at once (tests/futex_test.cpp, whose bare
// wakes do not change it, times them off the slices).
constexpr double kSliceMs = 100;

// With the native 50 us, a partner's wake-up through Atomics.notify often
// outlasted the spin: one late answer then left both sides asleep, every
// hand-over a sleep and a wake-up (a ping-pong round trip, two of them, took 16 to
// 77 us under Node instead of 1 to 3), until a long probe found them again.
// With 200 us the ping-pong and task round trip stay on the spinning path
// (docs/performance.md, "The spin outlasts a wake-up in WebAssembly").
constinit const Clock::duration kSpinFor = std::chrono::microseconds(200);

void futex_wait(FutexWord& word, std::uint32_t expected, Clock::time_point deadline) noexcept {
  for (;;) {
    double slice_ms = kSliceMs;
    if (deadline != Clock::time_point::max()) {
      const auto left = deadline - clock_now();
      if (left <= Clock::duration::zero()) return;
      slice_ms = std::min(kSliceMs, std::chrono::duration<double, std::milli>(left).count());
    }
    if (emscripten_futex_wait(&word, expected, slice_ms) != -ETIMEDOUT) return;
  }
}

void futex_wake_one(FutexWord* word) noexcept { emscripten_futex_wake(word, 1); }

}  // namespace threaded_async::detail
