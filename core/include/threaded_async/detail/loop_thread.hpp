// The loop's thread, as the platform runs it.
//
// The platform part of a runner: start a thread, wait for it to end, and bring
// it down when it is stuck. native/loop_thread_posix.cpp interrupts the thread
// with signals until the stuck code is at a safe point, then unwinds it or
// abandons its stack; wasm/loop_thread_emscripten.cpp terminates the worker.
#pragma once

#include <memory>
#include <string>
#include <vector>

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
// and not the library's own code on its behalf (the loop's bookkeeping, a
// primitive's lock). A forced stop takes the thread only then. Async-signal-safe.
bool loop_is_running_user_code() noexcept;

// How a forced stop ended.
enum class ForceOutcome {
  kUnwound,    // the stuck code is unwinding from ForcedThreadShutdown; the loop goes on
  kAbandoned,  // the stuck code's stack was abandoned and the thread has ended
  kEnded,      // the thread ended by itself meanwhile
  kFailed,     // no safe moment came: the thread is left running untouched
};

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
  // Brings a stuck thread down, blocking until the stuck code unwinds, the
  // thread is gone, or `deadline` passed (kFailed). `may_unwind` false: the
  // stack is abandoned, never unwound.
  virtual ForceOutcome force_stop(Clock::time_point deadline, bool may_unwind) = 0;
  // Called by the loop thread at a point where the library may throw into a
  // task (a cancellation point) while the loop shuts down: true if a forced
  // stop that may unwind is under way, which then counts as taken (force_stop
  // returns kUnwound) and the caller throws ForcedThreadShutdown. Tasks that
  // swallow their cancellation and keep yielding spend nearly all their time
  // in the library, where the stop's signals cannot take them; this takes
  // them at once instead. False where a stop takes the thread by other means
  // (WebAssembly terminates the worker). Never blocks.
  virtual bool take_forced_stop() noexcept { return false; }
  // Samples the stack of the thread's running code now: one line per frame,
  // innermost first ("spin_forever() +0x1c in ./app"). Blocks for at most
  // `timeout`; empty if the thread did not answer or the platform cannot tell.
  virtual std::vector<std::string> sample_stack(Clock::duration timeout) = 0;
  // Forgets a thread that could not be stopped; it keeps running on its own.
  virtual void detach() = 0;
};

}  // namespace threaded_async::detail
