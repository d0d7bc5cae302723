// Async utilities for code inside tasks: the seed's wait-for-or-cancel and
// run-or-raise, and what fiber users expect beside them (wait for all, wait
// for the first, run with a timeout). Each suspends only the calling task and
// throws NotInTaskError on a plain thread. Work given to them runs as child
// tasks on the caller's runner, so a child that is given up on is cancelled
// and has unwound (its destructors ran) before the call returns. A child's
// result is built in place and moved to the caller once, never copied.
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "threaded_async/background_task.hpp"
#include "threaded_async/errors.hpp"
#include "threaded_async/event.hpp"
#include "threaded_async/task.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

namespace detail {

inline EventLoop& require_loop(const char* what) {
  return EventLoop::require_task(what, "BackgroundTask::wait on the tasks").loop();
}

// Cancels a child and waits until it has finished unwinding.
template <class T>
void cancel_and_join(const BackgroundTask<T>& task) {
  task.cancel();
  task.state()->wait_done_task(Clock::time_point::max());
}

// Suspends until `signal` is set or `deadline`; false on timeout. Cancels the
// children if the caller is cancelled.
template <class... Children>
bool wait_signal(const Event& signal, Timeout timeout, const Children&... children) {
  try {
    signal.as_async_event().wait(timeout);
    return true;
  } catch (const EventLoopTimeoutError&) {
    return false;
  } catch (const CancelledError&) {
    (cancel_and_join(children), ...);
    throw;
  }
}

// True if `work` can run as a child task; otherwise a static_assert says what to change.
template <class F>
constexpr bool can_run_work() {
  constexpr bool value = std::is_invocable_v<std::decay_t<F>&>;
  static_assert(value,
                "wait_for_or_cancel, run_or_raise, with_timeout: the work (and the watcher) must "
                "be callable with no arguments; bind arguments in a lambda: [x] { return f(x); }");
  return value;
}

// Starts fn() as a child task that sets `signal` when it ends, however it ends.
template <class F>
auto spawn_signalling(EventLoop& loop, Event signal, F&& fn) {
  return spawn(loop, {}, [signal, fn = std::forward<F>(fn)]() mutable -> decltype(auto) {
    struct SetOnExit {
      Event signal;
      ~SetOnExit() { signal.set(); }
    } set_on_exit{signal};
    return fn();
  });
}

// wait_all with `read` taking each result out of its finished task.
template <class T, class Read>
auto wait_all(const std::vector<BackgroundTask<T>>& tasks, Timeout timeout, Read read) {
  require_loop("wait_all");
  const auto deadline = timeout.deadline();
  for (const auto& task : tasks) {
    if (!task.state()->wait_done_task(deadline)) {
      throw EventLoopTimeoutError("wait_all timed out after " + timeout.describe() +
                                  " waiting for task '" + task.name() + "'");
    }
  }
  for (const auto& task : tasks) task.state()->rethrow_if_failed();
  if constexpr (!std::is_void_v<T>) {
    std::vector<std::remove_const_t<T>> results;
    results.reserve(tasks.size());
    for (const auto& task : tasks) results.push_back(read(*task.state()));
    return results;
  }
}

}  // namespace detail

// Runs work() and returns its result, unless `cancel_event` is set first (the
// work is cancelled and CancelledError thrown) or `timeout` passes first (the
// work is cancelled and EventLoopTimeoutError thrown).
template <class F>
auto wait_for_or_cancel(F&& work, Event cancel_event, Timeout timeout = Timeout::forever()) {
  if constexpr (detail::can_run_work<F>()) {
    auto& loop = detail::require_loop("wait_for_or_cancel");
    Event signal(loop.shared_from_this());
    auto child = detail::spawn_signalling(loop, signal, std::forward<F>(work));
    auto watcher = detail::spawn_signalling(
        loop, signal, [cancel_event] { cancel_event.as_async_event().wait(); });
    const bool in_time = detail::wait_signal(signal, timeout, child, watcher);
    detail::cancel_and_join(watcher);
    if (!child.done()) {
      detail::cancel_and_join(child);
      if (!in_time) {
        throw EventLoopTimeoutError("wait_for_or_cancel timed out after " + timeout.describe());
      }
      throw CancelledError("wait_for_or_cancel: the cancel event was set first");
    }
    return std::move(child).result();
  }
}

// Runs work() beside watcher(). If the watcher fails first, the work is
// cancelled and the watcher's error thrown; if the work ends first, the
// watcher is cancelled and the work's result returned (or its error thrown).
// A watcher that ends without error leaves the work running to its end.
template <class F, class W>
auto run_or_raise(F&& work, W&& watcher) {
  if constexpr (detail::can_run_work<F>() && detail::can_run_work<W>()) {
    auto& loop = detail::require_loop("run_or_raise");
    Event signal(loop.shared_from_this());
    auto child = detail::spawn_signalling(loop, signal, std::forward<F>(work));
    auto guard = detail::spawn_signalling(loop, signal, std::forward<W>(watcher));
    detail::wait_signal(signal, Timeout::forever(), child, guard);
    if (!child.done() && guard.done() && guard.state()->outcome() == detail::Outcome::kError) {
      detail::cancel_and_join(child);
      guard.result();  // throws the watcher's error
    }
    if (!child.done()) child.state()->wait_done_task(Clock::time_point::max());
    detail::cancel_and_join(guard);
    return std::move(child).result();
  }
}

// Waits until every task has finished; returns their results in order, or
// throws the first error in order once all have finished (taking no result).
// Each result is read as BackgroundTask::result reads it: a copyable one is
// copied (the tasks keep it), a move-only one moved out. On timeout throws
// EventLoopTimeoutError and leaves the tasks running.
template <class T>
auto wait_all(const std::vector<BackgroundTask<T>>& tasks, Timeout timeout = Timeout::forever()) {
  return detail::wait_all(tasks, timeout, [](detail::TaskOf<T>& task) -> std::remove_const_t<T> {
    return task.read_result("wait_all");
  });
}
// The same for tasks given as an rvalue (std::move(tasks)): every result is
// moved out of its task into the vector, none copied.
template <class T>
auto wait_all(std::vector<BackgroundTask<T>>&& tasks, Timeout timeout = Timeout::forever()) {
  return detail::wait_all(tasks, timeout, [](detail::TaskOf<T>& task) -> std::remove_const_t<T> {
    return task.take_result("wait_all");
  });
}

// Waits until the first of the tasks has finished (in any way) and returns
// its index; tasks[i].result() (or std::move(tasks[i]).result()) reads it.
// On timeout throws EventLoopTimeoutError; the tasks keep running.
template <class T>
std::size_t wait_first(const std::vector<BackgroundTask<T>>& tasks,
                       Timeout timeout = Timeout::forever()) {
  auto& loop = detail::require_loop("wait_first");
  if (tasks.empty()) throw UsageError("wait_first needs at least one task");
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].done()) return i;
  }
  Event signal(loop.shared_from_this());
  std::vector<BackgroundTask<void>> watchers;
  watchers.reserve(tasks.size());
  for (const auto& task : tasks) {
    watchers.push_back(detail::spawn_signalling(
        loop, signal, [state = task] { state.state()->wait_done_task(Clock::time_point::max()); }));
  }
  bool in_time = false;
  try {
    in_time = detail::wait_signal(signal, timeout);
  } catch (...) {
    for (const auto& w : watchers) detail::cancel_and_join(w);
    throw;
  }
  for (const auto& w : watchers) detail::cancel_and_join(w);
  if (!in_time) throw EventLoopTimeoutError("wait_first timed out after " + timeout.describe());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].done()) return i;
  }
  throw InvalidStateError("wait_first: woken with no task finished");
}

// Runs work() with a deadline: returns its result, or, after `timeout`,
// cancels it, waits for it to unwind, and throws EventLoopTimeoutError.
template <class F>
auto with_timeout(Timeout timeout, F&& work) {
  if constexpr (detail::can_run_work<F>()) {
    auto& loop = detail::require_loop("with_timeout");
    auto child = detail::spawn(loop, {}, std::forward<F>(work));
    try {
      if (!child.state()->wait_done_task(timeout.deadline())) {
        detail::cancel_and_join(child);
        throw EventLoopTimeoutError("with_timeout: the work did not finish within " +
                                    timeout.describe());
      }
    } catch (const CancelledError&) {
      detail::cancel_and_join(child);
      throw;
    }
    return std::move(child).result();
  }
}

}  // namespace threaded_async
