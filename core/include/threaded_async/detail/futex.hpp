// Futex: sleeping on a 32-bit word until another thread changes it.
//
// The one primitive the loop and blocked threads sleep on: a thread that has
// nothing to do waits on a word it shares with whoever will wake it, and the
// waker changes the word and wakes it with one system call (no mutex, no
// condition variable, nobody blocks on a lock right after waking). Natively
// the Linux futex (native/futex_linux.cpp); in WebAssembly Emscripten's futex
// on shared memory, Atomics.wait underneath (wasm/futex_emscripten.cpp).
#pragma once

#include <atomic>
#include <cstdint>

#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

using FutexWord = std::atomic<std::uint32_t>;

// Blocks while `word` holds `expected`, until a wake, `deadline`
// (Clock::time_point::max(): none) or a spurious return; callers re-check
// their condition in a loop. Returns at once if `word` differs from `expected`.
void futex_wait(FutexWord& word, std::uint32_t expected, Clock::time_point deadline) noexcept;

// Wakes one thread blocked in futex_wait on `word`. Only the address is used,
// never the memory: the word's owner may already have gone, which lets a waker
// wake a thread that may return as soon as it sees the new value. Change the
// word first: a wake that finds no thread asleep on it (one not yet asleep,
// or in WebAssembly one between two of its slices) is lost, and then only the
// changed word makes the next futex_wait return.
void futex_wake_one(FutexWord* word) noexcept;

// The longest a waiter spins before it sleeps in futex_wait (detail/spin_wait.hpp):
// long enough to see an answer that comes after the other side has slept and
// been woken, which costs more in WebAssembly, where Atomics.notify reaches a
// waiting worker through the JavaScript engine, than a Linux futex wake-up.
// Each target defines it constinit, so a wait in a static initializer sees it.
extern const Clock::duration kSpinFor;

}  // namespace threaded_async::detail
