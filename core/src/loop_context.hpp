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

}  // namespace threaded_async::detail
