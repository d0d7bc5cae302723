// Future<T>: a result that one side sets once and the other waits for.
//
// set_result / set_exception from a thread or a task (setting twice is an
// InvalidStateError); result() suspends a task, result_wait() blocks a thread;
// both rethrow a set exception. A cheap handle: copies share one future.
#pragma once

#include <exception>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "threaded_async/async_runner.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/value_slot.hpp"
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

// A value that one side sets and the other waits for: a task with result(),
// a plain thread with result_wait(). Copies share the value. Future<void>
// carries only completion (or an exception).
template <class T>
class Future {
  static_assert(!std::is_reference_v<T>,
                "Future<T&>: a future keeps its value; use Future<std::reference_wrapper<T>> "
                "(set_result(std::ref(x))) or Future<T*>");

 public:
  // An unset future whose waiting tasks run on `runner`.
  explicit Future(const AsyncRunner& runner) : Future(runner.loop()) {}
  // For the library's own use.
  explicit Future(std::shared_ptr<detail::EventLoop> loop)
      : state_(std::make_shared<State>(std::move(loop))) {}

  // Any thread or task; never blocks. InvalidStateError if already set (the
  // value is then left untouched). The value is moved in from an rvalue (one
  // move) and copied from an lvalue.
  template <class U = T>
  void set_result(U&& value) requires(!std::is_void_v<T>) {
    constexpr bool storable = std::is_constructible_v<std::remove_const_t<T>, U&&>;
    static_assert(storable,
                  "Future<T>::set_result: a T cannot be made from this value; pass a T (for an "
                  "lvalue of a move-only type, std::move(value))");
    if constexpr (storable) {
      state_->core.complete([&] { state_->value.emplace(std::forward<U>(value)); }, nullptr,
                            "Future::set_result");
    }
  }
  // Future<void>: marks it done. InvalidStateError if already set.
  void set_result() requires std::is_void_v<T> {
    state_->core.complete([] {}, nullptr, "Future::set_result");
  }
  // Sets an exception, which every read rethrows. InvalidStateError if already
  // set; UsageError for an empty pointer.
  void set_exception(std::exception_ptr error) {
    if (!error) throw UsageError("Future::set_exception needs an exception, not an empty pointer");
    state_->core.complete([] {}, std::move(error), "Future::set_exception");
  }
  // Never blocks.
  bool done() const { return state_->core.done(); }

  // Reading the value: a copyable value stays readable, each read copies it
  // (as std::shared_future::get); a move-only value is moved out by the first
  // read (as std::future::get). A read from an rvalue handle
  // (std::move(future).result()) moves it out without a copy, whatever its
  // type. A read after the value was moved out throws InvalidStateError.

  // Inside a task: suspends until set; returns the value or rethrows. Throws
  // EventLoopTimeoutError after `timeout` (default: for ever).
  T result(Timeout timeout = Timeout::forever()) const& {
    await_task(timeout);
    return state_->value.read("Future::result", "the value of the future");
  }
  // The same, moving the value out (no copy).
  T result(Timeout timeout = Timeout::forever()) && {
    await_task(timeout);
    return state_->value.take("Future::result", "the value of the future");
  }
  // On a plain thread: blocks until set; returns the value or rethrows.
  // Throws EventLoopTimeoutError after `timeout`. Not on the runner's loop thread.
  T result_wait(Timeout timeout = {}) const& {
    await_thread(timeout);
    return state_->value.read("Future::result_wait", "the value of the future");
  }
  // The same, moving the value out (no copy).
  T result_wait(Timeout timeout = {}) && {
    await_thread(timeout);
    return state_->value.take("Future::result_wait", "the value of the future");
  }

 private:
  void await_task(Timeout timeout) const {
    detail::EventLoop::require_task("Future::result", "Future::result_wait");
    state_->core.await(timeout, "Future::result");
  }
  void await_thread(Timeout timeout) const {
    state_->core.loop().check_thread_side("Future::result_wait", "Future::result");
    state_->core.await(state_->core.loop().resolve(timeout), "Future::result_wait");
  }
  struct State {
    explicit State(std::shared_ptr<detail::EventLoop> loop) : core(std::move(loop)) {}
    detail::FutureCore core;
    detail::ValueSlot<T> value;
  };
  std::shared_ptr<State> state_;
};

}  // namespace threaded_async
