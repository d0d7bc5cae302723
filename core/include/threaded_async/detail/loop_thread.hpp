// The loop's thread, as the platform runs it.
//
// The platform part of a runner: start a thread, wait for it to end, and bring
// it down when it is stuck. native/loop_thread_posix.cpp interrupts the thread
// with a signal and abandons the stuck stack; wasm/loop_thread_emscripten.cpp
// terminates the worker.
#pragma once

#include <memory>
#include <string>

#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

// False where the calling thread must not block: the browser's main thread in
// WebAssembly. Blocking calls then throw WouldDeadlockError instead of hanging.
bool platform_may_block() noexcept;

// True where a suspended fiber may be resumed on another thread than the one
// it ran on, as after a forced stop. False in WebAssembly, where code may keep
// its thread's thread-local addresses (the exception flag among them) in
// locals across a fiber switch.
bool platform_fibers_may_change_threads() noexcept;

// True while the calling loop thread runs a task or a call_in_loop function,
// as opposed to the loop's own bookkeeping. A forced stop escapes only from
// the former. Async-signal-safe.
bool loop_is_running_user_code() noexcept;

class LoopThread {
 public:
  using Body = void (*)(void* arg);
  virtual ~LoopThread() = default;

  // Starts a thread called `name` that runs body(arg); the thread holds
  // `keep_alive` until it ends. Does not block.
  static std::unique_ptr<LoopThread> start(const std::string& name, Body body, void* arg,
                                           std::shared_ptr<void> keep_alive);

  // Blocks until the thread has ended or `deadline` passed; true if it ended.
  virtual bool join_until(Clock::time_point deadline) = 0;
  // Brings a stuck thread down: its current stack is abandoned, not unwound.
  // Returns false where the platform has no way to try. Does not block.
  virtual bool force_stop() = 0;
  // Forgets a thread that could not be stopped; it keeps running on its own.
  virtual void detach() = 0;
};

}  // namespace threaded_async::detail
