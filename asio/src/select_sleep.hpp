// The io_context's idle wait in WebAssembly. Asio's reactor there is select(),
// and Emscripten 3.1.6's select() ignores its timeout ("timeout is always 0",
// library_syscall.js), so a wait for an Asio timer would poll until the timer
// expires. The bridge's target links with --wrap=select (asio/asio.cmake): on
// a thread inside a SelectSleep, a select() with a timeout sleeps on the
// bridge's futex word until a descriptor is ready, the timeout passes or
// wake_select_sleep() is called (select_sleep_emscripten.cpp). Natively
// Asio's epoll reactor sleeps in epoll_wait, and both do nothing
// (select_sleep_native.cpp).
#pragma once

#include "threaded_async/detail/futex.hpp"

namespace threaded_async::detail {

// The calling thread's select() calls sleep on `wakes` while it lives. Loop
// thread, around the io_context's wait.
class SelectSleep {
 public:
  explicit SelectSleep(FutexWord& wakes) noexcept;
  ~SelectSleep();
  SelectSleep(const SelectSleep&) = delete;
  SelectSleep& operator=(const SelectSleep&) = delete;
};

// Ends the sleep on `wakes` in progress. Any thread; never blocks.
void wake_select_sleep(FutexWord& wakes) noexcept;

}  // namespace threaded_async::detail
