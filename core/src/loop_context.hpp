// What the loop thread knows about the code it runs, shared by the loop's
// files (event_loop.cpp, waits.cpp): the current loop and task, whether that
// is user code or the library's (a forced stop takes only user code), and the
// guards and the switch that keep those right.
#pragma once

#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/fiber.hpp"

namespace threaded_async::detail {

inline thread_local EventLoop* tls_loop = nullptr;
inline thread_local TaskBase* tls_task = nullptr;
inline thread_local bool tls_user_code = false;
// Above zero while the loop thread runs the library's code on behalf of a task
// or call (its scheduler structures, another loop's inbox): a forced stop
// waits until it is back in user code. Each task keeps its own across switches.
inline thread_local int tls_library_depth = 0;

// Marks the loop thread as running user code (a task or a call) for its scope.
struct UserCode {
  UserCode() { tls_user_code = true; }
  ~UserCode() { tls_user_code = false; }
};

// Marks the library's own code, called from user code, for its scope.
struct LibraryCode {
  LibraryCode() noexcept { ++tls_library_depth; }
  ~LibraryCode() { --tls_library_depth; }
  LibraryCode(const LibraryCode&) = delete;
  LibraryCode& operator=(const LibraryCode&) = delete;
};

// Switches away from the running task, from the library's code (its depth is
// above zero): the thread stays in the library's code through the switch, so
// that a forced stop never takes it half-way. The fiber that runs next
// restores its own library-code depth (a task that starts sets it to zero,
// task_entry), and this task gets its own back when it is resumed.
inline void switch_from_task(Fiber* from, Fiber* to) {
  const int depth = tls_library_depth;
  fiber_switch(from, to);
  tls_library_depth = depth;
}

}  // namespace threaded_async::detail
