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
#include <string>
#include <type_traits>
#include <utility>

#include "threaded_async/background_task.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/value_slot.hpp"
#include "threaded_async/shutdown_type.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

// How an AsyncRunner runs: its timeouts, its tasks' stacks, its name, and
// what it does about a stuck loop. Every field has a default.
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

// A background thread running an event loop of tasks (stackful fibers), and
// the blocking handles on it that ordinary threads use. Leaving it (close(),
// or the destructor) cancels the tasks that are still running, waits up to
// exit_timeout for the loop to end, and forces a stuck loop down
// (docs/stuck_loops.md). Not copyable or movable.
class AsyncRunner {
 public:
  // The seed's name for RunnerOptions.
  using Options = RunnerOptions;

  // Starts the loop thread. Blocks until the loop has completed one iteration.
  AsyncRunner() : AsyncRunner(RunnerOptions{}) {}
  // The same, with options. Throws ResourceError if the loop thread cannot be
  // started (ulimit -u, memory), and then leaves nothing behind.
  explicit AsyncRunner(RunnerOptions options);
  AsyncRunner(const AsyncRunner&) = delete;
  AsyncRunner& operator=(const AsyncRunner&) = delete;
  // Leaves the runner like close(); throws ExceptionGroup unless an exception is in flight.
  ~AsyncRunner() noexcept(false);

  // Starts fn(args...) as a task on the loop and returns its handle at once.
  // The function and its arguments are moved (or copied, from lvalues) into
  // the task once, as std::thread does; fn gets them as rvalues. A result
  // returned as a prvalue is built in place in the task. Misuse (fn not
  // callable with the arguments, an lvalue of a move-only type, a reference
  // result) is a static_assert that says what to do.
  // Any thread, tasks included; never blocks.
  template <class F, class... Args>
  auto create_task(F&& f, Args&&... args) {
    return detail::spawn(*loop_, {}, std::forward<F>(f), std::forward<Args>(args)...);
  }
  // The same, with options (the task's name, used in reports).
  template <class F, class... Args>
  auto create_task(TaskOptions options, F&& f, Args&&... args) {
    return detail::spawn(*loop_, std::move(options.name), std::forward<F>(f),
                         std::forward<Args>(args)...);
  }

  // Creates a task and blocks until it finished; one deadline covers both.
  // Returns the task's result moved out, never copied.
  template <class F>
  auto run(F&& f, Timeout timeout = {}) {
    loop_->check_thread_side("AsyncRunner::run", "create_task(...).result()");
    if constexpr (detail::can_spawn<F>()) return create_task(std::forward<F>(f)).wait(timeout);
  }

  // Runs fn() on the loop thread and blocks for its result (or rethrows what it
  // threw). On the loop thread itself it just calls fn. The result is built in
  // place and moved out to the caller once, never copied.
  template <class F>
  auto call_in_loop(F&& fn, Timeout timeout = {}) {
    using Fn = std::decay_t<F>;
    if constexpr (!std::is_invocable_v<Fn&>) {
      static_assert(std::is_invocable_v<Fn&>,
                    "call_in_loop: fn must be callable with no arguments; bind arguments in a "
                    "lambda: [x] { return f(x); }");
    } else if constexpr (std::is_reference_v<std::invoke_result_t<Fn&>>) {
      static_assert(!std::is_reference_v<std::invoke_result_t<Fn&>>,
                    "call_in_loop: fn returns a reference, which would leave the loop thread; "
                    "return a value, a pointer, or std::ref(x) (a std::reference_wrapper)");
    } else {
      using R = std::invoke_result_t<Fn&>;
      // Shared, because a call that timed out still runs later.
      struct State {
        explicit State(F&& f) : fn(std::forward<F>(f)) {}
        Fn fn;
        detail::ValueSlot<R> result;
      };
      auto state = std::make_shared<State>(std::forward<F>(fn));
      loop_->call([state] { state->result.produce(state->fn); }, timeout, "call_in_loop");
      return state->result.take("call_in_loop", "the result of the call");
    }
  }

  // Blocks until the loop has run everything queued before this call.
  // Throws EventLoopTimeoutError if it does not get there in time.
  void wait_for_next_eventloop_iteration(Timeout timeout = {});

  // True only on this runner's loop thread.
  bool in_runner_loop() const noexcept { return loop_->on_loop_thread(); }
  // The loop thread is alive and leaving has not finished.
  bool is_running() const noexcept { return loop_->is_running(); }
  // How leaving ended: STOPPED, FORCE_STOPPED or FAILED_FORCE_STOPPED (not
  // yet left: NOT_STOPPED). Never blocks.
  ShutdownType shutdown_type() const noexcept { return loop_->shutdown_type(); }
  // The options the runner was made with.
  const RunnerOptions& options() const noexcept { return options_; }

  // Leaves the runner now (see the class comment). Blocks for at most about
  // twice exit_timeout. Throws ExceptionGroup for unretrieved task errors.
  // Calling it again does nothing.
  void close();

  // Sets the default timeout of blocking calls given none (the server exposes it as a property).
  void set_call_in_loop_timeout(Timeout timeout);
  // Sets how long leaving waits for the loop before forcing it down.
  void set_exit_timeout(Timeout timeout);

  // For the library's primitives.
  const std::shared_ptr<detail::EventLoop>& loop() const noexcept { return loop_; }

 private:
  void leave(bool may_throw);
  RunnerOptions options_;
  std::shared_ptr<detail::EventLoop> loop_;
};

}  // namespace threaded_async
