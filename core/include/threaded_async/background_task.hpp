// BackgroundTask<T>: a handle on a task running on a runner's loop.
//
// Cheap to copy; every copy is the same task. The task lives as long as the
// loop runs it or any handle refers to it.
#pragma once

#include <string>

#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/task.hpp"
#include "threaded_async/errors.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

template <class T>
class BackgroundTask {
 public:
  BackgroundTask() = default;

  // Blocks the calling thread until the task finished; returns its result or
  // rethrows its exception (CancelledError if it was cancelled). Throws
  // EventLoopTimeoutError after `timeout` and leaves the task running, so
  // wait() can be called again. Not on the runner's own loop thread.
  T wait(Timeout timeout = {}) const {
    auto& loop = task().loop();
    loop.check_thread_side("BackgroundTask::wait", "BackgroundTask::result");
    const Timeout resolved = loop.resolve(timeout);
    if (!task_->done() && !task_->wait_done_thread(resolved.deadline())) {
      throw EventLoopTimeoutError("waiting for task '" + task_->name() + "' timed out after " +
                                  resolved.describe());
    }
    task_->rethrow_if_failed();
    return task_->result();
  }

  // Inside a task: suspends the calling task until this task finished, then
  // returns its result or rethrows its exception. Times out (default: for
  // ever) with EventLoopTimeoutError; the task keeps running.
  T result(Timeout timeout = Timeout::forever()) const {
    detail::EventLoop::require_task("BackgroundTask::result", "BackgroundTask::wait");
    if (!task_->done() && !task_->wait_done_task(timeout.deadline())) {
      throw EventLoopTimeoutError("waiting for task '" + task_->name() + "' timed out after " +
                                  timeout.describe());
    }
    task_->rethrow_if_failed();
    return task_->result();
  }

  // True once the task finished in any way. Does not block.
  bool done() const { return task().done(); }
  // True if the task finished by being cancelled. Does not block.
  bool cancelled() const { return done() && task_->outcome() == detail::Outcome::kCancelled; }
  // Asks the task to stop: it sees CancelledError at its next suspension point.
  // Does not block; a task that already finished is left as it is.
  void cancel() const { task().cancel(); }
  const std::string& name() const { return task().name(); }

  explicit operator bool() const noexcept { return static_cast<bool>(task_); }

  // For the library's own use.
  explicit BackgroundTask(detail::TaskRef<detail::TaskOf<T>> task) : task_(std::move(task)) {}
  detail::TaskOf<T>* state() const noexcept { return task_.get(); }

 private:
  detail::TaskOf<T>& task() const {
    if (!task_) throw UsageError("this BackgroundTask is empty: assign it from create_task first");
    return *task_;
  }
  detail::TaskRef<detail::TaskOf<T>> task_;
};

namespace detail {

template <class F, class... Args>
using TaskResult = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;

// Creates a task on `loop` and starts it. Any thread; never blocks.
template <class F, class... Args>
BackgroundTask<TaskResult<F, Args...>> spawn(EventLoop& loop, std::string name, F&& f,
                                             Args&&... args) {
  using T = TaskResult<F, Args...>;
  loop.check_running("create_task");
  const auto sequence = loop.next_task_sequence();
  if (name.empty()) name = "task-" + std::to_string(sequence);
  auto* task = new Task<T, std::decay_t<F>, std::decay_t<Args>...>(
      loop.shared_from_this(), std::move(name), sequence, std::forward<F>(f),
      std::forward<Args>(args)...);
  task->add_ref();  // one for the loop, one for the handle
  loop.start_task(task);
  return BackgroundTask<T>(TaskRef<TaskOf<T>>(task));
}

}  // namespace detail
}  // namespace threaded_async
