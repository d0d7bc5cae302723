// BackgroundTask<T>: a handle on a task running on a runner's loop.
//
// Cheap to copy; every copy is the same task. The task lives as long as the
// loop runs it or any handle refers to it.
//
// Reading the result follows the standard library (docs/semantics.md,
// "Values"): a copyable result stays readable, each read from a handle
// copies it (as std::shared_future::get); a move-only result is moved out by
// the first read (as std::future::get). A read from an rvalue handle
// (std::move(task).wait(), runner.create_task(f).wait(), AsyncRunner::run)
// moves the result out without a copy, whatever its type. Reading a result
// that was moved out throws InvalidStateError saying so.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/task.hpp"
#include "threaded_async/errors.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

// The handle of a task started with create_task: wait for it from a thread,
// await it from a task, cancel it. Copies share the task. T is the task's
// result type (void for none).
template <class T>
class BackgroundTask {
 public:
  // An empty handle, to assign from create_task later.
  BackgroundTask() = default;

  // Blocks the calling thread until the task finished; returns its result or
  // rethrows its exception (CancelledError if it was cancelled). Throws
  // EventLoopTimeoutError after `timeout` and leaves the task running, so
  // wait() can be called again. Not on the runner's own loop thread.
  T wait(Timeout timeout = {}) const& {
    wait_done(timeout);
    return task_->read_result("BackgroundTask::wait");
  }
  // The same, moving the result out (no copy); later reads throw InvalidStateError.
  T wait(Timeout timeout = {}) && {
    wait_done(timeout);
    return task_->take_result("BackgroundTask::wait");
  }

  // Inside a task: suspends the calling task until this task finished, then
  // returns its result or rethrows its exception. Times out (default: for
  // ever) with EventLoopTimeoutError; the task keeps running.
  T result(Timeout timeout = Timeout::forever()) const& {
    await_done(timeout);
    return task_->read_result("BackgroundTask::result");
  }
  // The same, moving the result out (no copy); later reads throw InvalidStateError.
  T result(Timeout timeout = Timeout::forever()) && {
    await_done(timeout);
    return task_->take_result("BackgroundTask::result");
  }

  // True once the task finished in any way. Does not block.
  bool done() const { return task().done(); }
  // True if the task finished by being cancelled. Does not block.
  bool cancelled() const { return done() && task_->outcome() == detail::Outcome::kCancelled; }
  // Asks the task to stop: it sees CancelledError at its next suspension point.
  // Does not block; a task that already finished is left as it is.
  void cancel() const { task().cancel(); }
  // The task's name ("task-<n>" unless TaskOptions gave one).
  const std::string& name() const { return task().name(); }

  // False for an empty handle (default-constructed, or moved from).
  explicit operator bool() const noexcept { return static_cast<bool>(task_); }

  // For the library's own use.
  explicit BackgroundTask(detail::TaskRef<detail::TaskOf<T>> task) : task_(std::move(task)) {}
  // The task's shared state, for the library's own use.
  detail::TaskOf<T>* state() const noexcept { return task_.get(); }

 private:
  detail::TaskOf<T>& task() const {
    if (!task_) throw UsageError("this BackgroundTask is empty: assign it from create_task first");
    return *task_;
  }
  // Blocks the calling thread until the task finished, then rethrows its error or cancellation.
  void wait_done(Timeout timeout) const {
    auto& loop = task().loop();
    loop.check_thread_side("BackgroundTask::wait", "BackgroundTask::result");
    const Timeout resolved = loop.resolve(timeout);
    if (!task_->done() && !task_->wait_done_thread(resolved.deadline())) {
      throw EventLoopTimeoutError("waiting for task '" + task_->name() + "' timed out after " +
                                  resolved.describe());
    }
    task_->rethrow_if_failed();
  }
  // The same for the calling task, which is suspended meanwhile.
  void await_done(Timeout timeout) const {
    detail::EventLoop::require_task("BackgroundTask::result", "BackgroundTask::wait");
    if (!task_->done() && !task_->wait_done_task(timeout.deadline())) {
      throw EventLoopTimeoutError("waiting for task '" + task_->name() + "' timed out after " +
                                  timeout.describe());
    }
    task_->rethrow_if_failed();
  }
  detail::TaskRef<detail::TaskOf<T>> task_;
};

namespace detail {

// What fn(args...) returns when a task calls it: fn and its arguments as
// rvalues of their decayed types, as std::thread calls it.
template <class F, class... Args>
using TaskResult = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;

// True if fn(args...) can run as a task; otherwise a static_assert says what to change.
template <class F, class... Args>
constexpr bool can_spawn() {
  constexpr bool storable = std::is_constructible_v<std::decay_t<F>, F&&> &&
                            (std::is_constructible_v<std::decay_t<Args>, Args&&> && ...);
  constexpr bool callable = std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>;
  if constexpr (!storable) {
    static_assert(storable,
                  "create_task: the function or an argument cannot be copied into the task; for an "
                  "lvalue of a move-only type pass std::move(x), to pass a reference std::ref(x)");
    return false;
  } else if constexpr (!callable) {
    static_assert(callable,
                  "create_task: the function cannot be called with these arguments; it gets "
                  "each as an rvalue of its decayed type (as with std::thread): check their "
                  "number and types, and pass std::ref(arg) for a non-const reference parameter");
    return false;
  } else {
    constexpr bool value = !std::is_reference_v<TaskResult<F, Args...>>;
    static_assert(value,
                  "create_task: the function returns a reference, but a task's result outlives "
                  "the call; return a value, a pointer, or std::ref(x) (a std::reference_wrapper)");
    return value;
  }
}

// Creates a task on `loop` and starts it. Any thread; never blocks.
template <class F, class... Args>
auto spawn(EventLoop& loop, std::string name, F&& f, Args&&... args) {
  if constexpr (can_spawn<F, Args...>()) {
    using T = TaskResult<F, Args...>;
    loop.check_running("create_task");
    const auto sequence = loop.next_task_sequence();
    auto* task = new Task<T, std::decay_t<F>, std::decay_t<Args>...>(
        loop.shared_from_this(), std::move(name), sequence, std::forward<F>(f),
        std::forward<Args>(args)...);
    task->add_ref();  // one for the loop, one for the handle
    loop.start_task(task);
    return BackgroundTask<T>(TaskRef<TaskOf<T>>(task));
  }
}

}  // namespace detail
}  // namespace threaded_async
