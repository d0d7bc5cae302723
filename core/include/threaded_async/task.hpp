// What code running inside a task can call. Each of these suspends only the
// calling task (its fiber); the loop thread goes on running other tasks.
// Called from a plain thread, they throw NotInTaskError.
#pragma once

#include <string>
#include <utility>

#include "threaded_async/async_runner.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

// Suspends the calling task for `duration`. Throws CancelledError if the task is cancelled.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> duration) {
  auto& task = detail::EventLoop::require_task("sleep", "std::this_thread::sleep_for");
  task.loop().sleep_until(Timeout(duration).deadline());
}

// Lets every other ready task run once, then continues. A suspension point:
// throws CancelledError if the task was cancelled.
void yield();

// Starts a task on the runner of the calling task, taking the function and
// its arguments as AsyncRunner::create_task does. Inside a task only; never blocks.
template <class F, class... Args>
auto create_task(F&& f, Args&&... args) {
  auto& task =
      detail::EventLoop::require_task("threaded_async::create_task", "AsyncRunner::create_task");
  return detail::spawn(task.loop(), {}, std::forward<F>(f), std::forward<Args>(args)...);
}
// The same, with options (the task's name).
template <class F, class... Args>
auto create_task(TaskOptions options, F&& f, Args&&... args) {
  auto& task =
      detail::EventLoop::require_task("threaded_async::create_task", "AsyncRunner::create_task");
  return detail::spawn(task.loop(), std::move(options.name), std::forward<F>(f),
                       std::forward<Args>(args)...);
}

// True when called inside a task.
bool in_task() noexcept;
// The name of the calling task. Inside a task only.
const std::string& current_task_name();

}  // namespace threaded_async
