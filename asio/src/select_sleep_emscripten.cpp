// select() in WebAssembly, for the bridge's io_context (select_sleep.hpp).
// The linker sends every call of select() here (--wrap=select); __real_select
// is Emscripten's, which never blocks. Outside a SelectSleep, or with a zero
// timeout, a call goes straight through. Inside one, a call polls the
// descriptors (a zero-timeout select, which Emscripten proxies to the main
// thread, where the pipes live: the sleep is on this thread, never there),
// sleeps on the bridge's word until the timeout or a wake, and polls again.
// The sleep is cut in slices, so that a descriptor which becomes ready
// without a wake is seen at the end of its slice: Asio's own interrupter,
// written by a thread that uses the io_context directly (an operation started
// on another thread, a post to the io_context's own executor). The slices
// double from kFirstSlice to kLongestSlice: each poll is a call to the main
// thread, and polls every 5 ms cost 11-14% of a core in Node (2026-12-01),
// the doubling slices 2% in four 250 ms timer waits (a poll every 100 ms
// once a wait has lasted 155 ms).
#include <sys/select.h>

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "select_sleep.hpp"

extern "C" int __real_select(int nfds, fd_set* read, fd_set* write, fd_set* except,
                             timeval* timeout);

namespace threaded_async::detail {
namespace {

constexpr auto kFirstSlice = std::chrono::milliseconds(5);
constexpr auto kLongestSlice = std::chrono::milliseconds(100);

thread_local FutexWord* current_wakes = nullptr;

// When a select() given `timeout` ends; none for a null timeout or one of
// more than a year.
Clock::time_point deadline_of(const timeval* timeout) {
  constexpr std::int64_t kYear = 365 * 24 * 3600;
  if (timeout == nullptr || timeout->tv_sec >= kYear) return Clock::time_point::max();
  return Clock::now() + std::chrono::seconds(timeout->tv_sec) +
         std::chrono::microseconds(timeout->tv_usec);
}

// select() inside a SelectSleep on `wakes`.
int sleeping_select(FutexWord& wakes, int nfds, fd_set* read, fd_set* write, fd_set* except,
                    const timeval* timeout) {
  const Clock::time_point deadline = deadline_of(timeout);
  // A poll overwrites the sets with the ready descriptors: each poll is given the caller's.
  fd_set* const sets[] = {read, write, except};
  fd_set asked[3];
  for (int i = 0; i < 3; ++i) {
    if (sets[i] != nullptr) asked[i] = *sets[i];
  }
  bool woken = false;
  Clock::duration slice = kFirstSlice;
  for (;;) {
    const std::uint32_t seen = wakes.load(std::memory_order_acquire);
    timeval zero{0, 0};
    const int ready = __real_select(nfds, read, write, except, &zero);
    if (ready != 0 || woken) return ready;
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return 0;
    futex_wait(wakes, seen, std::min(deadline, now + slice));
    slice = std::min<Clock::duration>(2 * slice, kLongestSlice);
    woken = wakes.load(std::memory_order_acquire) != seen;
    for (int i = 0; i < 3; ++i) {
      if (sets[i] != nullptr) *sets[i] = asked[i];
    }
  }
}

}  // namespace

SelectSleep::SelectSleep(FutexWord& wakes) noexcept { current_wakes = &wakes; }

SelectSleep::~SelectSleep() { current_wakes = nullptr; }

void wake_select_sleep(FutexWord& wakes) noexcept {
  wakes.fetch_add(1, std::memory_order_release);
  futex_wake_one(&wakes);
}

}  // namespace threaded_async::detail

extern "C" int __wrap_select(int nfds, fd_set* read, fd_set* write, fd_set* except,
                             timeval* timeout) {
  threaded_async::detail::FutexWord* wakes = threaded_async::detail::current_wakes;
  if (wakes == nullptr || (timeout != nullptr && timeout->tv_sec == 0 && timeout->tv_usec == 0)) {
    return __real_select(nfds, read, write, except, timeout);
  }
  return threaded_async::detail::sleeping_select(*wakes, nfds, read, write, except, timeout);
}
