// The loop's clock read in WebAssembly: one call to emscripten_get_now(), the
// milliseconds that Emscripten's clock_gettime(CLOCK_MONOTONIC) reads too (see
// detail/clock.hpp for why not steady_clock::now()). The seconds and
// nanoseconds are cut from the milliseconds as that clock_gettime cuts them
// ((now / 1000) | 0 and ((now % 1000) * 1000 * 1000) | 0 in JavaScript), so
// the time is the one steady_clock::now() would have read at that moment.
#include <cmath>
#include <cstdint>

#include "threaded_async/detail/clock.hpp"

// Declared here rather than through <emscripten/emscripten.h>, which does not
// say that it cannot throw: each call from C++ built with -fexceptions would
// then go out through an invoke_ trampoline, a second call to JavaScript.
// Declared noexcept, it is one plain call.
extern "C" double emscripten_get_now(void) noexcept;

namespace threaded_async::detail {

Clock::time_point clock_now() noexcept {
  const double ms = emscripten_get_now();
  const auto seconds = static_cast<std::int32_t>(ms / 1000);
  const auto nanoseconds = static_cast<std::int32_t>(std::fmod(ms, 1000) * 1000 * 1000);
  return Clock::time_point(std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanoseconds));
}

// Emscripten has no coarse clock (its clock_gettime refuses
// CLOCK_MONOTONIC_COARSE, after a call out to JavaScript).
Clock::time_point clock_now_coarse() noexcept { return clock_now(); }

}  // namespace threaded_async::detail
