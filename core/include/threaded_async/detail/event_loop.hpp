// EventLoop: the loop a runner's thread runs, and everything that touches it.
//
// Three separate pieces feed it: the ready queue (tasks and markers to run
// now, loop thread only), the timer heap (deadlines, loop thread only) and the
// inbox (lock-free, where other threads post work). One iteration: take
// everything out of the inbox, fire due timers, run what is ready, and, when
// nothing is, spin briefly and then sleep until the inbox or a timer wakes it.
// A reactor (detail/reactor.hpp) may be installed: while it has I/O pending,
// each iteration also polls it, and the idle wait is its wait instead.
// docs/scheduler.md draws the states.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "threaded_async/detail/fiber.hpp"
#include "threaded_async/detail/inbox.hpp"
#include "threaded_async/detail/loop_thread.hpp"
#include "threaded_async/detail/parker.hpp"
#include "threaded_async/detail/reactor.hpp"
#include "threaded_async/detail/ready_queue.hpp"
#include "threaded_async/detail/task_base.hpp"
#include "threaded_async/detail/timer_heap.hpp"
#include "threaded_async/detail/waiter.hpp"
#include "threaded_async/detail/wake_relay.hpp"
#include "threaded_async/shutdown_type.hpp"
#include "threaded_async/timeout.hpp"
#include "threaded_async/watchdog.hpp"

namespace threaded_async::detail {

class Watchdog;

struct LoopOptions {
  Timeout exit_timeout;
  Timeout call_in_loop_timeout;
  FiberPoolOptions fiber;
  std::string name;
  bool report_forced_stop = true;
  Timeout watchdog_after = Timeout::forever();  // for ever: no watchdog
  StuckLoopCallback on_stuck;
};

class EventLoop : public std::enable_shared_from_this<EventLoop> {
 public:
  explicit EventLoop(LoopOptions options);
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // Starts the loop thread; blocks until the loop has completed one iteration.
  void start();
  // Leaves the runner (see SEMANTICS.md, "Leaving the runner"). Blocks up to
  // about twice exit_timeout. Idempotent. Returns how it ended.
  ShutdownType close();
  ShutdownType shutdown_type() const noexcept { return shutdown_type_.load(); }
  // Errors of failed tasks that nobody retrieved, in task order; empties the list.
  std::vector<std::exception_ptr> take_unretrieved_errors();

  const LoopOptions& options() const noexcept { return options_; }
  const std::string& name() const noexcept { return options_.name; }

  // --- Where are we? -------------------------------------------------------
  // The loop whose thread (or adopted thread) this is, or nullptr.
  static EventLoop* current() noexcept;
  // The task running on this thread now, or nullptr outside tasks.
  static TaskBase* current_task() noexcept;
  // The running task's name for a crash report, or nullptr. Async-signal-safe.
  static const char* current_task_name_for_report() noexcept;
  bool on_loop_thread() const noexcept { return current() == this; }
  // The loop thread is alive and leaving has not finished.
  bool is_running() const noexcept { return running_.load(std::memory_order_acquire); }
  // Leaving has finished: primitives of this runner can no longer be used.
  bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }

  // --- Checks that turn misuse into clear errors ---------------------------
  // The checks run on every call of a primitive, so each is inline and calls
  // out only to throw: in WebAssembly a call that may throw, made where the
  // caller has a destructor to run, goes out through JavaScript and back.
  // WouldDeadlockError if called on this loop's thread (or on a browser's main
  // thread, which may not block). `what` names the call, `instead` what to use
  // inside a task.
  void check_thread_side(const char* what, const char* instead) const {
    if (!platform_may_block() || on_loop_thread()) [[unlikely]] {
      refuse_thread_side(what, instead);
    }
  }
  // RunnerStoppedError once the runner has stopped.
  void check_running(const char* what) const {
    if (stopped()) [[unlikely]]
      refuse_stopped(what);
  }
  // The current task, or NotInTaskError naming `what` and the thread-side `instead`.
  static TaskBase& require_task(const char* what, const char* instead) {
    TaskBase* task = current_task();
    if (task == nullptr) [[unlikely]]
      refuse_outside_task(what, instead);
    return *task;
  }

  // The deadline of `timeout`, "the runner's default" read as call_in_loop_timeout.
  Clock::time_point deadline(Timeout timeout) const noexcept;
  Timeout resolve(Timeout timeout) const noexcept {
    return timeout.or_default(decode(call_in_loop_timeout_.load(std::memory_order_relaxed)));
  }
  Timeout exit_timeout() const noexcept {
    return decode(exit_timeout_.load(std::memory_order_relaxed));
  }
  // Changes the two timeouts of `options` (the rest is fixed once started). Any thread.
  void set_timeouts(const LoopOptions& options) noexcept {
    call_in_loop_timeout_.store(encode(options.call_in_loop_timeout));
    exit_timeout_.store(encode(options.exit_timeout));
  }

  // --- Tasks ----------------------------------------------------------------
  std::uint64_t next_task_sequence() noexcept { return task_sequence_.fetch_add(1) + 1; }
  // Puts a new task on the loop; takes over one reference. Any thread; never blocks.
  void start_task(TaskBase* task);
  // Makes a suspended task ready again. Any thread.
  void wake(TaskBase* task) noexcept;
  // Hands an item to the loop. Any thread; never blocks.
  void post(InboxItem* item) noexcept;

  // --- I/O ------------------------------------------------------------------
  // Installs `reactor` unless one is installed already; returns the installed
  // one, which lives as long as the loop. Any thread; never blocks.
  Reactor* install_reactor(std::unique_ptr<Reactor> reactor);
  // The installed reactor, or nullptr. Any thread.
  Reactor* reactor() const noexcept { return reactor_.load(std::memory_order_acquire); }

  // --- Waiting --------------------------------------------------------------
  // Waits on `list` (guarded by `lock`, held on entry and on return) until the
  // waiter is notified, `deadline` passes, or the wait is cancelled. In a task
  // this suspends the task; on a plain thread it blocks the thread (the caller
  // has checked it is not this loop's thread). On return the waiter is unlinked.
  WaitStatus wait(std::unique_lock<WaitLock>& lock, WaitList& list, Waiter& waiter,
                  Clock::time_point deadline);
  // Suspends the current task (loop thread) until `waiter` is claimed.
  WaitStatus suspend(Waiter& waiter, Clock::time_point deadline);
  // Suspends the current task until `deadline`. Throws CancelledError.
  void sleep_until(Clock::time_point deadline);
  // Lets every other ready task of the current task's loop run once. Throws
  // CancelledError, or NotInTaskError outside a task.
  static void yield_now();
  // Throws CancelledError if the current task has a cancellation to deliver.
  void deliver_cancellation(TaskBase& task);
  // A task's wait ended cancelled: during a forced stop that wants the task,
  // throws ForcedThreadShutdown (the caller then throws CancelledError).
  void forced_stop_point();

  // --- Thread-side calls into the loop --------------------------------------
  // Runs `fn` on the loop thread and blocks until it returned; rethrows what it threw.
  void call(std::function<void()> fn, Timeout timeout, const char* what);
  // Blocks until the loop has run everything queued before this call.
  // False if `deadline` passed first.
  bool wait_next_iteration(Clock::time_point deadline);

  // The threads this loop thread hands over to are woken through it.
  WakeRelay& wake_relay() noexcept { return wake_relay_; }

  // Sleeping threads register here so that leaving the runner can wake them.
  bool register_parking(ThreadParking* parking);
  void unregister_parking(ThreadParking* parking);

  // Counts of loop iterations, for observers (watchdog, stuck reports).
  std::uint64_t iteration() const noexcept { return iteration_.load(std::memory_order_relaxed); }
  // True while the loop sleeps for lack of work.
  bool idle() const noexcept { return sleeping_.load(std::memory_order_relaxed) != kAwake; }
  // Who holds the loop now and since when, and with `with_stack` where its
  // code is (the loop thread is sampled: blocks up to 100 ms). Any thread.
  StuckLoopReport stuck_report(bool with_stack = false);
  // Stamps the batch of ready items that the loop runs now with the time, if
  // the loop left it unstamped (a batch a yielding task started), so that a
  // stuck report says it has held the loop at least since then; returns the
  // batch's stamp. Any thread.
  Clock::time_point stamp_batch() noexcept;

 private:
  friend class TaskBase;
  friend struct CancelRequest;
  friend struct CallRequest;
  friend void task_entry(void* arg);
  struct ShutdownRequest;
  struct IterationMarker;

  // What the checks above throw, out of line.
  [[noreturn]] void refuse_thread_side(const char* what, const char* instead) const;
  [[noreturn]] void refuse_stopped(const char* what) const;
  [[noreturn]] static void refuse_outside_task(const char* what, const char* instead);

  static void thread_body(void* self);
  // Makes `loop` this thread's current loop (adopting a forced-down one); returns the previous.
  static EventLoop* exchange_current(EventLoop* loop) noexcept;
  void run();
  void yield_task(TaskBase* task);
  // Delivers the task's pending cancellation from yield_task, in the
  // library's code, leaving the thread's library-code depth at `depth`.
  void cancel_at_yield(TaskBase& task, int depth);
  void drain_inbox();
  void fire_timers();
  void run_ready();
  bool idle_wait(bool spun);  // true if it waited in the reactor; `spun`: skip the spin
  bool wait_in_place(TaskBase* task) noexcept;
  void switch_on(TaskBase* task);
  void hand_on(TaskBase* task);
  void resume(TaskBase* task);
  bool start_fiber(TaskBase* task) noexcept;
  TaskBase* take_successor();
  void finish(TaskBase* task);
  void register_task(TaskBase* task);
  void cancel_on_loop(TaskBase* task);
  void begin_shutdown();
  ForceOutcome force_down(Timeout exit_timeout);
  void after_stop(bool loop_thread_gone, bool abandoned);
  void abandon_running_call();
  void adopt_and_unwind();
  TaskRef<TaskBase> probe_running_task();
  WaitStatus wait_thread(std::unique_lock<WaitLock>& lock, Waiter& waiter,
                         Clock::time_point deadline) noexcept;
  // Wakes the threads noted in the wake relay if `parking` was made its head.
  void drain_if_head(const ThreadParking& parking) noexcept;

  static std::int64_t encode(Timeout t) noexcept {
    return t.is_forever() ? -1 : static_cast<std::int64_t>(t.duration().count());
  }
  static Timeout decode(std::int64_t v) noexcept {
    return v < 0 ? Timeout::forever() : Timeout(Clock::duration(v));
  }

  LoopOptions options_;
  std::atomic<std::int64_t> call_in_loop_timeout_;
  std::atomic<std::int64_t> exit_timeout_;
  std::unique_ptr<LoopThread> thread_;
  FiberPool* pool_ = nullptr;

  // Loop thread only.
  ReadyQueue ready_;
  ReadyItem* batch_last_ = nullptr;  // the iteration's last ready item; nullptr once it ran
  TimerHeap timers_;
  Fiber* scheduler_fiber_ = nullptr;
  TaskBase* live_head_ = nullptr;      // every task started and not finished
  InboxItem* running_call_ = nullptr;  // the call_in_loop request running now
  std::size_t live_count_ = 0;
  bool shutting_down_ = false;
  bool stop_when_idle_ = false;
  bool idle_spun_ = false;  // a task's wait_in_place just spun on the inbox in vain

  // Cross-thread. Each group on cache lines of its own, so that what the loop
  // writes all the time does not evict what threads read on every call.
  Inbox inbox_;
  Parker parker_;
  // Read on every thread-side call and post; written rarely. How the loop
  // sleeps says how a post wakes it: the parker, or the reactor's interrupt.
  static constexpr std::uint8_t kAwake = 0;
  static constexpr std::uint8_t kParked = 1;
  static constexpr std::uint8_t kInReactor = 2;
  alignas(64) std::atomic<std::uint8_t> sleeping_{kAwake};
  std::atomic<Reactor*> reactor_{nullptr};  // owned; deleted with the loop
  std::atomic<bool> running_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<ShutdownType> shutdown_type_{ShutdownType::NOT_SHUT_DOWN};
  // Written by the loop on every iteration and resume; read by observers.
  alignas(64) std::atomic<std::uint64_t> iteration_{0};
  std::atomic<TaskBase*> running_task_{nullptr};
  std::atomic<bool> probing_{false};  // another thread is taking a reference to running_task_
  // Clock ticks when the batch of ready items running now began, or
  // kUnstamped until an observer stamps it (stamp_batch).
  std::atomic<std::int64_t> running_since_{0};
  static constexpr std::int64_t kUnstamped = INT64_MIN;
  // Written by every create_task.
  alignas(64) std::atomic<std::uint64_t> task_sequence_{0};
  alignas(64) std::unique_ptr<Watchdog> watchdog_;
  std::mutex close_mutex_;
  bool closing_ = false;

  std::mutex registry_mutex_;
  ThreadParking* parked_head_ = nullptr;
  WakeRelay wake_relay_;

  // Tasks that failed, each with a reference held, newest first, linked
  // through live_next_ (free once a task has left the live list): keeping
  // one never allocates on the loop thread.
  std::mutex failed_mutex_;
  TaskBase* failed_head_ = nullptr;
};

// Blocks on a completion that the loop signals: for call() and markers.
struct Completion {
  WaitLock lock;
  WaitList waiters;
  bool done = false;
  std::exception_ptr error;
  void signal(std::exception_ptr e = nullptr);
};

}  // namespace threaded_async::detail
