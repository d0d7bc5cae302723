// Future<T>: a result that one side sets once and the other waits for.
//
// set_result / set_exception from a thread or a task (setting twice is an
// InvalidStateError); result() suspends a task, result_wait() blocks a thread;
// both rethrow a set exception. A cheap handle: copies share one future.
#pragma once

#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "threaded_async/async_runner.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/waiter.hpp"
#include "threaded_async/errors.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

namespace detail {
// The part of a future that does not depend on its value type.
class FutureCore {
 public:
  explicit FutureCore(std::shared_ptr<EventLoop> loop) : loop_(std::move(loop)) {}
  bool done() const {
    std::lock_guard<detail::WaitLock> guard(lock_);
    return done_;
  }
  // Marks the future set, with `store` run under the lock first. InvalidStateError if set twice.
  template <class Store>
  void complete(Store&& store, std::exception_ptr error, const char* what) {
    loop_->check_running(what);
    std::lock_guard<detail::WaitLock> guard(lock_);
    if (done_) {
      throw InvalidStateError(std::string(what) +
                              ": the future is already set; a future is set exactly once");
    }
    store();
    error_ = std::move(error);
    done_ = true;
    waiters_.notify_all();
  }
  // Waits until set (task or thread, as the caller is); rethrows a set exception.
  void await(Timeout timeout, const char* what);
  EventLoop& loop() const { return *loop_; }

 private:
  std::shared_ptr<EventLoop> loop_;
  mutable detail::WaitLock lock_;
  WaitList waiters_;
  bool done_ = false;
  std::exception_ptr error_;
};
}  // namespace detail

template <class T>
class Future {
 public:
  explicit Future(const AsyncRunner& runner) : Future(runner.loop()) {}
  // For the library's own use.
  explicit Future(std::shared_ptr<detail::EventLoop> loop)
      : state_(std::make_shared<State>(std::move(loop))) {}

  // Any thread or task; never blocks. InvalidStateError if already set.
  template <class U = T>
  void set_result(U&& value) requires(!std::is_void_v<T>) {
    state_->core.complete([&] { state_->value.emplace(std::forward<U>(value)); }, nullptr,
                          "Future::set_result");
  }
  void set_result() requires std::is_void_v<T> {
    state_->core.complete([] {}, nullptr, "Future::set_result");
  }
  void set_exception(std::exception_ptr error) {
    if (!error) throw UsageError("Future::set_exception needs an exception, not an empty pointer");
    state_->core.complete([] {}, std::move(error), "Future::set_exception");
  }
  // Never blocks.
  bool done() const { return state_->core.done(); }

  // Inside a task: suspends until set; returns the value or rethrows. Throws
  // EventLoopTimeoutError after `timeout` (default: for ever).
  T result(Timeout timeout = Timeout::forever()) const {
    detail::EventLoop::require_task("Future::result", "Future::result_wait");
    state_->core.await(timeout, "Future::result");
    return value();
  }
  // On a plain thread: blocks until set; returns the value or rethrows.
  // Throws EventLoopTimeoutError after `timeout`. Not on the runner's loop thread.
  T result_wait(Timeout timeout = {}) const {
    state_->core.loop().check_thread_side("Future::result_wait", "Future::result");
    state_->core.await(state_->core.loop().resolve(timeout), "Future::result_wait");
    return value();
  }

 private:
  T value() const {
    if constexpr (!std::is_void_v<T>) return *state_->value;
  }
  struct State {
    explicit State(std::shared_ptr<detail::EventLoop> loop) : core(std::move(loop)) {}
    detail::FutureCore core;
    std::optional<std::conditional_t<std::is_void_v<T>, int, T>> value;
  };
  std::shared_ptr<State> state_;
};

}  // namespace threaded_async
