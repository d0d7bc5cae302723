// Event: a flag that threads and tasks can wait for.
//
// Made for one runner. A cheap handle: copies share one event, and a task may
// keep its copy after the creator's scope ended. Works thread to loop, loop to
// thread, and thread to thread.
#pragma once

#include <memory>

#include "threaded_async/async_runner.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

namespace detail {
struct EventState;
}

// A flag that threads and tasks can wait for (see the file comment).
class Event {
 public:
  // A new event, not set, for `runner`'s loop.
  explicit Event(const AsyncRunner& runner);
  // For the library's own use.
  explicit Event(std::shared_ptr<detail::EventLoop> loop);

  // Sets the flag and wakes every waiter. Any thread or task; never blocks.
  void set();
  // Clears the flag. Never blocks.
  void clear();
  // Never blocks.
  bool is_set() const;
  // Blocks the calling thread until the flag is set. Throws
  // EventLoopTimeoutError after `timeout`. Not on the runner's loop thread.
  void wait(Timeout timeout = {}) const;

  // The task side of the same event (the seed's as_async_event()).
  class AsyncView {
   public:
    // Suspends the calling task until the flag is set. Throws
    // EventLoopTimeoutError after `timeout` (default: for ever), CancelledError
    // if the task is cancelled. Inside a task only.
    void wait(Timeout timeout = Timeout::forever()) const;
    // Sets the flag, as Event::set(). Never blocks.
    void set() const;
    // Never blocks.
    bool is_set() const;

   private:
    friend class Event;
    explicit AsyncView(std::shared_ptr<detail::EventState> state) : state_(std::move(state)) {}
    std::shared_ptr<detail::EventState> state_;
  };
  // The task side of this event; shares its state.
  AsyncView as_async_event() const { return AsyncView(state_); }

 private:
  std::shared_ptr<detail::EventState> state_;
};

}  // namespace threaded_async
