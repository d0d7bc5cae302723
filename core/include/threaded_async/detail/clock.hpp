// The loop's clock read: Clock::now(), read the cheapest way the target has.
//
// Natively that is std::chrono::steady_clock::now() itself (native/clock_posix.cpp).
// In WebAssembly libc++'s steady_clock::now() costs four calls between the
// module and JavaScript: its noexcept now() calls an inner function that may
// throw, and with Emscripten's JavaScript exceptions that call goes out
// through an invoke_ trampoline, then to clock_gettime, and its 64-bit result
// comes back through two more. The library's spins, waits and iterations read
// the clock once per hand-over or so, where a hand-over costs a few such calls:
// wasm/clock_emscripten.cpp makes the same time from one call to
// emscripten_get_now().
#pragma once

#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

// The same time as Clock::now(), to the nanosecond (a deadline made from one is
// compared with the other). Never blocks, never throws.
Clock::time_point clock_now() noexcept;

// The same clock, read where lagging it by up to a scheduler tick (a few
// milliseconds) does not matter, for a few nanoseconds instead of tens where
// the target has such a read (Linux: CLOCK_MONOTONIC_COARSE); elsewhere
// clock_now(). Never blocks, never throws.
Clock::time_point clock_now_coarse() noexcept;

}  // namespace threaded_async::detail
