// Reactor: a source of I/O events that a bridge installs into a loop (the
// Asio bridge, asio/, installs one). The loop knows nothing of what is behind
// it. One idle wait serves both: while the reactor has operations pending,
// the loop polls it on every iteration and its idle wait is the reactor's
// wait, which a post from another thread interrupts; with none pending, the
// loop parks on its futex as it does without a reactor.
#pragma once

#include "threaded_async/detail/inbox.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

class Reactor {
 public:
  virtual ~Reactor() = default;

  // Loop thread. True while operations are pending on the reactor.
  virtual bool pending() const noexcept = 0;
  // Loop thread. Runs what has become ready; never blocks.
  virtual void poll() = 0;
  // Loop thread, before it announces that it waits: interrupts from now on end wait_until().
  virtual void prepare_wait() = 0;
  // Loop thread. Blocks until an operation becomes ready (and runs it),
  // interrupt() is called (since prepare_wait()), or `deadline` passes.
  virtual void wait_until(Clock::time_point deadline) = 0;
  // Any thread; never blocks. Ends the wait in progress, or the next one.
  virtual void interrupt() noexcept = 0;
};

// A function posted to the loop (by a reactor's executor): it runs on the
// loop thread when the loop takes it out of its inbox, and is deleted
// without running once the runner has stopped.
class LoopCallback : public InboxItem {
 public:
  virtual ~LoopCallback() = default;

 protected:
  // Runs the function. An exception other than a forced stop ends the process.
  virtual void invoke() = 0;

 private:
  void on_loop(EventLoop& loop) final;
};

}  // namespace threaded_async::detail
