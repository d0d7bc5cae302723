// The loop: iterations, the idle wait, tasks and thread-side calls. How tasks
// and threads wait: waits.cpp. Leaving the runner and taking over a
// forced-down loop: loop_shutdown.cpp.
#include "threaded_async/detail/event_loop.hpp"

#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include "loop_context.hpp"
#include "threaded_async/detail/clock.hpp"
#include "threaded_async/detail/spin_wait.hpp"
#include "threaded_async/detail/watchdog.hpp"
#include "threaded_async/errors.hpp"

namespace threaded_async::detail {
namespace {

// Clock ticks now, for running_since_ (stuck reports, read as "at least this
// long"), once per batch of ready items that the scheduler starts: the coarse
// clock (detail/clock.hpp).
std::int64_t batch_start_ticks() noexcept { return clock_now_coarse().time_since_epoch().count(); }

}  // namespace

struct EventLoop::IterationMarker final : InboxItem, ReadyItem {
  std::shared_ptr<Completion> completion = std::make_shared<Completion>();
  void on_loop(EventLoop& loop) override { loop.ready_.push(this); }
  void run(EventLoop&) override {
    completion->signal();
    delete this;
  }
};

struct CallRequest final : InboxItem {
  std::function<void()> fn;
  std::shared_ptr<Completion> completion = std::make_shared<Completion>();
  void on_loop(EventLoop& loop) override {
    std::exception_ptr error;
    loop.running_call_ = this;  // freed by after_stop if the loop is forced down in fn()
    try {
      UserCode user_code;
      fn();
    } catch (const ForcedThreadShutdown&) {
      error = std::make_exception_ptr(CancelledError("the loop was forced down during this call"));
    } catch (...) {
      error = std::current_exception();
    }
    loop.running_call_ = nullptr;
    // Moved, not copied: the exception's reference count lives in libstdc++,
    // which ThreadSanitizer cannot see, so the loop keeps no reference that it
    // could drop last while the waiting thread still reads the exception.
    completion->signal(std::move(error));
    delete this;
  }
};

void Completion::signal(std::exception_ptr e) {
  std::lock_guard<WaitLock> guard(lock);
  error = std::move(e);
  done = true;
  waiters.notify_all();
}

EventLoop::EventLoop(LoopOptions options)
    : options_(std::move(options)),
      call_in_loop_timeout_(encode(options_.call_in_loop_timeout)),
      exit_timeout_(encode(options_.exit_timeout)) {
  cancelled_error_prototype();  // built here, so that cancelling on the loop never allocates
  pool_ = fiber_pool_create(options_.fiber);
}

EventLoop::~EventLoop() {
  // Items still in the inbox were posted after the loop stopped.
  while (InboxItem* item = inbox_.pop()) {
    if (auto* task = dynamic_cast<TaskBase*>(item)) {
      task->release();
    } else {
      item->on_loop(*this);  // markers and calls signal their completions; shutdown deletes itself
    }
  }
  while (ReadyItem* item = ready_.pop()) item->run(*this);
  while (TaskBase* task = failed_head_) {
    failed_head_ = task->live_next_;
    task->release();
  }
  // After the callbacks: what they hold may refer to the reactor.
  delete reactor_.load(std::memory_order_acquire);
  if (pool_ != nullptr) fiber_pool_destroy(pool_);
}

EventLoop* EventLoop::current() noexcept { return tls_loop; }
EventLoop* EventLoop::exchange_current(EventLoop* loop) noexcept {
  return std::exchange(tls_loop, loop);
}
TaskBase* EventLoop::current_task() noexcept { return tls_task; }
bool loop_is_running_user_code() noexcept {
  return tls_user_code && tls_library_depth == 0 && !WaitLock::held_by_this_thread();
}
const char* EventLoop::current_task_name_for_report() noexcept {
  return tls_task != nullptr ? tls_task->name().c_str() : nullptr;
}

void EventLoop::refuse_thread_side(const char* what, const char* instead) const {
  if (!platform_may_block()) {
    throw WouldDeadlockError(std::string(what) +
                             " would block the browser's main thread (runner '" + options_.name +
                             "'), which may not block: run this code in a worker, for example "
                             "by linking with -sPROXY_TO_PTHREAD so that main() runs on a "
                             "pthread, or from a std::thread");
  }
  throw WouldDeadlockError(std::string(what) + " was called on the loop thread of runner '" +
                           options_.name + "', where it would wait for itself for ever; " +
                           "inside a task use " + instead + " instead");
}

void EventLoop::refuse_stopped(const char* what) const {
  throw RunnerStoppedError(std::string(what) + ": runner '" + options_.name +
                           "' has stopped; create the primitive on a running runner");
}

void EventLoop::refuse_outside_task(const char* what, const char* instead) {
  throw NotInTaskError(std::string(what) +
                       " can only be called inside a task (a function started with "
                       "create_task); from a plain thread use " +
                       instead + " instead");
}

Clock::time_point EventLoop::stamp_batch() noexcept {
  // A plain load first: the watchdog calls this every period, and a
  // compare-exchange would take the loop's cache line even when the batch is
  // stamped already, as it mostly is.
  std::int64_t since = running_since_.load(std::memory_order_relaxed);
  if (since == kUnstamped) {
    const std::int64_t now = clock_now().time_since_epoch().count();
    if (running_since_.compare_exchange_strong(since, now, std::memory_order_relaxed)) since = now;
  }
  return Clock::time_point(Clock::duration(since));  // on failure, the stamp found
}

Clock::time_point EventLoop::deadline(Timeout timeout) const noexcept {
  return resolve(timeout).deadline();
}

// --- Starting and running --------------------------------------------------

void EventLoop::start() {
  check_thread_side("Constructing an AsyncRunner", "nothing");
  thread_ = LoopThread::start(options_.name, &EventLoop::thread_body, this, shared_from_this());
  running_.store(true, std::memory_order_release);
  wait_next_iteration(Clock::time_point::max());
  if (!options_.watchdog_after.is_forever()) {
    StuckLoopCallback callback = options_.on_stuck;
    if (!callback) {
      callback = [](const StuckLoopReport& report) {
        std::fprintf(stderr, "threaded_async: watchdog: %s\n%s", report.describe().c_str(),
                     report.describe_stack().c_str());
      };
    }
    watchdog_ =
        std::make_unique<Watchdog>(*this, options_.watchdog_after.duration(), std::move(callback));
  }
}

void EventLoop::thread_body(void* self) {
  auto* loop = static_cast<EventLoop*>(self);
  tls_loop = loop;
  loop->scheduler_fiber_ = fiber_for_thread();
  loop->run();
  fiber_release_thread(loop->scheduler_fiber_);
  loop->scheduler_fiber_ = nullptr;
  tls_loop = nullptr;
}

void EventLoop::run() {
  tls_spin_floor = kLoopMinSpin;  // detail/spin_wait.hpp
  bool reactor_waited = false;    // the idle wait just ran the reactor
  for (;;) {
    // Only this thread writes it: a plain store is enough, and cheaper than an atomic add.
    iteration_.store(iteration_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    drain_inbox();
    if (!timers_.empty()) fire_timers();
    // Right after the idle wait ran the reactor, what it made ready runs
    // first: a poll now would find nothing new (a ping-pong over a socket
    // would make two reactor calls per hand-over, as many as Asio's own loop
    // makes per round trip). What the wait left queued runs at the next poll.
    if (Reactor* reactor = reactor_.load(std::memory_order_acquire);
        !std::exchange(reactor_waited, false) && reactor && reactor->pending()) {
      reactor->poll();
    }
    run_ready();
    if (stop_when_idle_ && live_count_ == 0 && ready_.empty()) return;
    if (ready_.empty()) reactor_waited = idle_wait(idle_spun_);
    idle_spun_ = false;
  }
}

void EventLoop::drain_inbox() {
  while (InboxItem* item = inbox_.pop()) item->on_loop(*this);
}

void EventLoop::fire_timers() {
  const auto now = clock_now();
  while (Timer* timer = timers_.pop_expired(now)) timer->fire(*this);
}

void EventLoop::run_ready() {
  batch_last_ = ready_.back();
  if (batch_last_ == nullptr) return;
  running_since_.store(batch_start_ticks(), std::memory_order_relaxed);
  while (batch_last_ != nullptr) {
    ReadyItem* item = ready_.pop();
    if (item == batch_last_) batch_last_ = nullptr;
    item->run(*this);  // a yielding task may run more of the batch itself: take_successor()
  }
}

bool EventLoop::idle_wait(bool spun) {
  // With nothing else to do, the loop wakes the threads noted in its wake
  // relay itself: a head that has not run yet (descheduled, stopped in a
  // debugger) then holds them up only while the loop is busy.
  if (wake_relay_.head_pending()) wake_relay_.drain();
  const auto deadline = timers_.next_deadline();
  // With I/O pending the reactor's wait is the idle wait, entered at once:
  // readiness then wakes the loop without delay, and a post interrupts it.
  if (Reactor* reactor = reactor_.load(std::memory_order_acquire); reactor && reactor->pending()) {
    reactor->prepare_wait();
    sleeping_.store(kInReactor, std::memory_order_seq_cst);
    const bool waits = inbox_.empty();
    if (waits) reactor->wait_until(deadline);
    sleeping_.store(kAwake, std::memory_order_relaxed);
    return waits;
  }
  // A task that suspended in place has just spun (wait_in_place).
  if (!spun && spin_until([this] { return !inbox_.empty(); }, deadline)) return false;
  if (clock_now() >= deadline) return false;
  sleeping_.store(kParked, std::memory_order_seq_cst);
  if (inbox_.empty()) parker_.park_until(deadline);
  sleeping_.store(kAwake, std::memory_order_relaxed);
  return false;
}

void EventLoop::post(InboxItem* item) noexcept {
  LibraryCode library;
  inbox_.push(item);
  switch (sleeping_.load(std::memory_order_seq_cst)) {
    case kParked:
      parker_.unpark();
      break;
    case kInReactor:
      reactor_.load(std::memory_order_acquire)->interrupt();
      break;
    default:
      break;
  }
}

Reactor* EventLoop::install_reactor(std::unique_ptr<Reactor> reactor) {
  Reactor* expected = nullptr;
  if (reactor_.compare_exchange_strong(expected, reactor.get(), std::memory_order_acq_rel)) {
    return reactor.release();
  }
  return expected;
}

void LoopCallback::on_loop(EventLoop& loop) {
  if (!loop.stopped()) {
    try {
      UserCode user_code;
      invoke();
    } catch (const ForcedThreadShutdown&) {
      // A forced stop unwound the callback; the loop goes on leaving.
    } catch (...) {
      std::fprintf(stderr, "threaded_async: a callback on the loop of runner '%s' threw %s\n",
                   loop.name().c_str(), describe_exception(std::current_exception()).c_str());
      std::terminate();
    }
  }
  delete this;
}

// --- Tasks -------------------------------------------------------------------

void EventLoop::start_task(TaskBase* task) {
  LibraryCode library;
  if (on_loop_thread()) {
    task->on_loop(*this);
  } else {
    post(task);
  }
}

void EventLoop::wake(TaskBase* task) noexcept {
  LibraryCode library;
  if (on_loop_thread()) {
    ready_.push(task);
  } else {
    post(task);
  }
}

void EventLoop::register_task(TaskBase* task) {
  task->registered_ = true;
  task->live_prev_ = nullptr;
  task->live_next_ = live_head_;
  if (live_head_) live_head_->live_prev_ = task;
  live_head_ = task;
  ++live_count_;
}

namespace {
// The task's body, and only it, is the task's own code (tls_library_depth 0):
// back in the library as soon as the body returns or an exception leaves it.
// A forced stop's exception is caught by task_entry below, and its handler is
// the library's: a second stop taken there (one that came in while the first
// stop's exception was still unwinding through a slow cleanup, and landed once
// __cxa_begin_catch had counted the exception caught) threw past task_entry's
// handlers and ended the process in std::terminate.
struct TaskBody {
  TaskBody() noexcept { tls_library_depth = 0; }
  ~TaskBody() { tls_library_depth = 1; }
  TaskBody(const TaskBody&) = delete;
  TaskBody& operator=(const TaskBody&) = delete;
};
}  // namespace

void task_entry(void* arg) {
  tls_library_depth = 1;  // the task's own depth (the fiber that started it had its own)
  auto* task = static_cast<TaskBase*>(arg);
  EventLoop& loop = task->loop();
  try {
    if (task->cancel_pending_) throw CancelledError();
    {
      TaskBody body;
      task->run_body();
    }
    task->outcome_ = Outcome::kResult;
  } catch (const CancelledError&) {
    task->outcome_ = Outcome::kCancelled;
  } catch (const ForcedThreadShutdown&) {
    task->outcome_ = Outcome::kCancelled;  // a forced stop unwound it
  } catch (...) {
    task->error_ = std::current_exception();
    task->outcome_ = Outcome::kError;
  }
  task->finished_ = true;
  fiber_switch(task->fiber_, loop.scheduler_fiber_);
}

// Gives a task that has not run yet its fiber. False if no stack could be
// had: the task has then failed with ResourceError and is finished.
bool EventLoop::start_fiber(TaskBase* task) noexcept {
  task->started_ = true;
  try {
    task->fiber_ = fiber_create(pool_, &task_entry, task);
    return true;
  } catch (...) {
    task->error_ = std::current_exception();
    task->outcome_ = Outcome::kError;
    task->finished_ = true;
    finish(task);
    return false;
  }
}

void EventLoop::resume(TaskBase* task) {
  if (!task->started_ && !start_fiber(task)) return;
  tls_task = task;
  running_task_.store(task, std::memory_order_release);  // a probe reads the task through it
  tls_user_code = true;
  // In the library's code through the switch; the task restores its own depth.
  const int depth = tls_library_depth;
  tls_library_depth = depth + 1;
  fiber_switch(scheduler_fiber_, task->fiber_);
  tls_library_depth = depth;
  TaskBase* back = tls_task;  // `task`, or a task it handed the loop to (yield_now)
  tls_user_code = false;
  running_task_.store(nullptr, std::memory_order_relaxed);
  tls_task = nullptr;
  if (back->finished_) finish(back);
}

void EventLoop::finish(TaskBase* task) {
  if (task->fiber_ != nullptr) {
    fiber_destroy(pool_, task->fiber_);
    task->fiber_ = nullptr;
  }
  if (task->registered_) {
    if (task->live_prev_)
      task->live_prev_->live_next_ = task->live_next_;
    else
      live_head_ = task->live_next_;
    if (task->live_next_) task->live_next_->live_prev_ = task->live_prev_;
    task->registered_ = false;
    --live_count_;
  }
  if (task->outcome_ == Outcome::kPending) task->outcome_ = Outcome::kCancelled;
  if (task->outcome_ == Outcome::kError) {
    task->add_ref();
    std::lock_guard<std::mutex> guard(failed_mutex_);
    task->live_next_ = failed_head_;
    failed_head_ = task;
  }
  {
    std::lock_guard<WaitLock> guard(task->mutex_);
    task->done_.store(true, std::memory_order_release);
    task->done_waiters_.notify_all();
  }
  // A probe (another thread) may be taking a reference to this task right now.
  // Sequentially consistent store and load on both sides (not fences, which
  // ThreadSanitizer does not model): either the probe sees no task, or this sees it probing.
  running_task_.store(nullptr, std::memory_order_seq_cst);
  while (probing_.load(std::memory_order_seq_cst)) cpu_relax();
  task->release();  // the loop's reference
}

void EventLoop::cancel_on_loop(TaskBase* task) {
  if (task->finished_ || task->done()) return;
  task->cancel_pending_ = true;
  if (!task->started_) return;  // it throws CancelledError as soon as it starts
  if (task->waiter_ != nullptr && task->waiter_->cancellable &&
      task->waiter_->claim(WaitStatus::kCancelled)) {
    ready_.push(task);
  }
}

// --- Thread-side calls ---------------------------------------------------------

namespace {
// Blocks a plain thread until `completion` is signalled; false at the deadline.
bool wait_completion(EventLoop& loop, Completion& completion, Clock::time_point deadline) {
  std::unique_lock<WaitLock> lock(completion.lock);
  if (completion.done) return true;
  Waiter waiter;
  const WaitStatus status = loop.wait(lock, completion.waiters, waiter, deadline);
  if (status == WaitStatus::kCancelled) throw CancelledError("the runner stopped while waiting");
  return status == WaitStatus::kNotified;
}
}  // namespace

void EventLoop::call(std::function<void()> fn, Timeout timeout, const char* what) {
  if (on_loop_thread()) {
    fn();
    return;
  }
  check_thread_side(what, "a direct call");
  check_running(what);
  const Timeout resolved = resolve(timeout);
  auto* request = new CallRequest;
  request->fn = std::move(fn);
  std::shared_ptr<Completion> completion = request->completion;
  post(request);
  if (!wait_completion(*this, *completion, resolved.deadline())) {
    throw EventLoopTimeoutError(std::string(what) + " timed out after " + resolved.describe() +
                                ": the loop of runner '" + options_.name +
                                "' did not run the function in time");
  }
  // Taken out, so that the completion, which the loop thread may be the last
  // to release, keeps no reference to the exception this thread goes on to read.
  if (std::exception_ptr error = std::move(completion->error)) std::rethrow_exception(error);
}

void EventLoop::abandon_running_call() {
  auto* call = static_cast<CallRequest*>(running_call_);
  running_call_ = nullptr;
  call->completion->signal(
      std::make_exception_ptr(CancelledError("the loop was forced down during this call")));
  delete call;
}

bool EventLoop::wait_next_iteration(Clock::time_point deadline) {
  auto* marker = new IterationMarker;
  std::shared_ptr<Completion> completion = marker->completion;
  post(marker);
  return wait_completion(*this, *completion, deadline);
}

}  // namespace threaded_async::detail
