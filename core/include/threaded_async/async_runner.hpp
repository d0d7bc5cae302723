// AsyncRunner: a loop on a background thread, and blocking handles on it.
//
// Constructing a runner starts its loop thread and returns once the loop has
// completed one iteration. Leaving its scope leaves the runner (the seed's
// `with`): every task is cancelled, the loop stops, the thread is joined; a
// loop that stays stuck for exit_timeout is forced down. Errors of tasks that
// nobody retrieved are then thrown together as one ExceptionGroup (unless
// another exception is already in flight; close() does the same explicitly).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "threaded_async/background_task.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/shutdown_type.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

struct RunnerOptions {
  // How long leaving may wait for the loop before forcing it down.
  Timeout exit_timeout = std::chrono::seconds(1);
  // The default of every blocking call that is given no timeout.
  Timeout call_in_loop_timeout = Timeout::forever();
  // Usable stack bytes of each task's fiber.
  std::size_t stack_size = 256 * 1024;
  // A no-access page below each fiber stack, so an overflow faults at once,
  // while the kernel's mappings are plentiful: guarded stacks of all runners
  // together take at most a quarter of vm.max_map_count; further stacks have
  // a canary instead, checked at every switch. False: canaries only.
  bool guard_pages = true;
  // The loop thread's name (also used in messages).
  std::string name = "threaded_async";
  // Print a line to stderr naming the stuck task when the loop is forced down.
  bool report_forced_stop = true;
  // A watchdog: when the loop has been busy without completing an iteration
  // for this long, on_stuck is called (on the watchdog's thread) naming the
  // task that holds it. For ever (the default): no watchdog.
  Timeout watchdog_after = Timeout::forever();
  // Default: a line on stderr.
  StuckLoopCallback on_stuck;
};

// Options for one task.
struct TaskOptions {
  std::string name;  // default: "task-<n>"
};

class AsyncRunner {
 public:
  using Options = RunnerOptions;

  // Starts the loop thread. Blocks until the loop has completed one iteration.
  AsyncRunner() : AsyncRunner(RunnerOptions{}) {}
  explicit AsyncRunner(RunnerOptions options);
  AsyncRunner(const AsyncRunner&) = delete;
  AsyncRunner& operator=(const AsyncRunner&) = delete;
  // Leaves the runner like close(); throws ExceptionGroup unless an exception is in flight.
  ~AsyncRunner() noexcept(false);

  // Starts fn(args...) as a task on the loop and returns its handle at once.
  // Arguments are copied (or moved) into the task, as std::thread does.
  // Any thread, tasks included; never blocks.
  template <class F, class... Args>
  auto create_task(F&& f, Args&&... args) {
    return detail::spawn(*loop_, {}, std::forward<F>(f), std::forward<Args>(args)...);
  }
  template <class F, class... Args>
  auto create_task(TaskOptions options, F&& f, Args&&... args) {
    return detail::spawn(*loop_, std::move(options.name), std::forward<F>(f),
                         std::forward<Args>(args)...);
  }

  // Creates a task and blocks until it finished; one deadline covers both.
  template <class F>
  auto run(F&& f, Timeout timeout = {}) {
    loop_->check_thread_side("AsyncRunner::run", "create_task(...).result()");
    return create_task(std::forward<F>(f)).wait(timeout);
  }

  // Runs fn() on the loop thread and blocks for its result (or rethrows what it
  // threw). On the loop thread itself it just calls fn.
  template <class F>
  auto call_in_loop(F&& fn, Timeout timeout = {}) -> std::invoke_result_t<std::decay_t<F>&> {
    using R = std::invoke_result_t<std::decay_t<F>&>;
    // Shared, because a call that timed out still runs later.
    struct State {
      std::decay_t<F> fn;
      std::optional<std::conditional_t<std::is_void_v<R>, int, R>> result;
    };
    auto state = std::make_shared<State>(State{std::forward<F>(fn), std::nullopt});
    if constexpr (std::is_void_v<R>) {
      loop_->call([state] { state->fn(); }, timeout, "call_in_loop");
    } else {
      loop_->call([state] { state->result.emplace(state->fn()); }, timeout, "call_in_loop");
      return std::move(*state->result);
    }
  }

  // Blocks until the loop has run everything queued before this call.
  // Throws EventLoopTimeoutError if it does not get there in time.
  void wait_for_next_eventloop_iteration(Timeout timeout = {});

  // True only on this runner's loop thread.
  bool in_runner_loop() const noexcept { return loop_->on_loop_thread(); }
  // The loop thread is alive and leaving has not finished.
  bool is_running() const noexcept { return loop_->is_running(); }
  ShutdownType shutdown_type() const noexcept { return loop_->shutdown_type(); }
  const RunnerOptions& options() const noexcept { return options_; }

  // Leaves the runner now (see the class comment). Blocks for at most about
  // twice exit_timeout. Throws ExceptionGroup for unretrieved task errors.
  // Calling it again does nothing.
  void close();

  // Settable timeouts (the server exposes them as properties).
  void set_call_in_loop_timeout(Timeout timeout);
  void set_exit_timeout(Timeout timeout);

  // For the library's primitives.
  const std::shared_ptr<detail::EventLoop>& loop() const noexcept { return loop_; }

 private:
  void leave(bool may_throw);
  RunnerOptions options_;
  std::shared_ptr<detail::EventLoop> loop_;
};

}  // namespace threaded_async
