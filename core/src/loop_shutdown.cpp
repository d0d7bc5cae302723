// Leaving the runner: the shutdown request, waiting for the loop, forcing a
// stuck loop down (docs/stuck_loops.md), and taking over a loop whose thread
// was forced down in the middle of it.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "threaded_async/detail/clock.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/watchdog.hpp"
#include "threaded_async/errors.hpp"

namespace threaded_async::detail {
namespace {

// How long a forced stop waits for a safe moment in the stuck code.
constexpr Clock::duration kForcedStopGrace = std::chrono::seconds(1);
// How many times a loop that unwound and got stuck again is unwound again.
constexpr int kMaxUnwindRounds = 4;
// How long a stuck report waits for the loop thread's stack.
constexpr Clock::duration kStackSampleTimeout = std::chrono::milliseconds(100);

}  // namespace

struct EventLoop::ShutdownRequest final : InboxItem {
  void on_loop(EventLoop& loop) override {
    loop.begin_shutdown();
    delete this;
  }
};

void EventLoop::begin_shutdown() {
  shutting_down_ = true;
  stop_when_idle_ = true;
  for (TaskBase* task = live_head_; task != nullptr; task = task->live_next_) {
    cancel_on_loop(task);
  }
}

ShutdownType EventLoop::close() {
  check_thread_side("AsyncRunner::close", "nothing: a runner cannot be left from its own loop");
  {
    std::lock_guard<std::mutex> guard(close_mutex_);
    if (closing_) return shutdown_type();
    closing_ = true;
  }
  const Timeout exit_timeout = this->exit_timeout();
  stamp_batch();  // a loop stuck from now on is reported as stuck at least since now
  bool stopped_in_time = false;
  try {
    const auto deadline = exit_timeout.deadline();
    const bool iterated = wait_next_iteration(deadline);
    post(new ShutdownRequest);  // also reaches a loop that comes unstuck later
    stopped_in_time = iterated && thread_->join_until(deadline);
  } catch (...) {
    stopped_in_time = false;
  }
  ShutdownType type = ShutdownType::STOPPED;
  bool gone = stopped_in_time;
  bool abandoned = false;
  if (!stopped_in_time) {
    const ForceOutcome outcome = force_down(exit_timeout);
    gone = outcome != ForceOutcome::kFailed;
    abandoned = outcome == ForceOutcome::kAbandoned;
    type = gone ? ShutdownType::FORCE_STOPPED : ShutdownType::FAILED_FORCE_STOPPED;
    if (!gone) thread_->detach();
  }
  watchdog_.reset();
  after_stop(gone, abandoned);
  shutdown_type_.store(type);
  running_.store(false, std::memory_order_release);
  return type;
}

// Forces the stuck loop down: reports it, then interrupts the stuck code until
// it unwinds, the thread is gone, or the grace runs out. Code that unwinds may
// hold the loop again on its way out (another task's cleanup, a catch (...)
// that swallowed the stop): each time it has exit_timeout to finish, then is
// forced again, a few times; the last time its stack is abandoned.
ForceOutcome EventLoop::force_down(Timeout exit_timeout) {
  const bool report = options_.report_forced_stop;
  for (int round = 0;; ++round) {
    if (report) {
      StuckLoopReport stuck = stuck_report(true);
      std::fprintf(stderr, "threaded_async: %s; forcing the loop thread down\n%s",
                   stuck.describe().c_str(), stuck.describe_stack().c_str());
    }
    const bool may_unwind = round < kMaxUnwindRounds;
    const ForceOutcome outcome = thread_->force_stop(clock_now() + kForcedStopGrace, may_unwind);
    if (outcome != ForceOutcome::kUnwound) {
      if (outcome == ForceOutcome::kFailed && report) {
        std::fprintf(
            stderr,
            "threaded_async: the loop thread of runner '%s' could not be forced down "
            "(no safe moment came in %lld ms); it is left running on its own\n",
            options_.name.c_str(),
            static_cast<long long>(
                std::chrono::duration_cast<std::chrono::milliseconds>(kForcedStopGrace).count()));
      }
      return outcome;
    }
    if (thread_->join_until(exit_timeout.deadline())) return ForceOutcome::kEnded;
  }
}

TaskRef<TaskBase> EventLoop::probe_running_task() {
  probing_.store(true, std::memory_order_seq_cst);
  TaskBase* task = running_task_.load(std::memory_order_seq_cst);
  if (task != nullptr) task->add_ref();
  probing_.store(false, std::memory_order_release);
  return TaskRef<TaskBase>(task);
}

StuckLoopReport EventLoop::stuck_report(bool with_stack) {
  StuckLoopReport report;
  report.runner = options_.name;
  if (TaskRef<TaskBase> task = probe_running_task()) report.task = task->name();
  const auto since = stamp_batch();
  report.held_for = clock_now() - since;
  if (with_stack) report.stack = thread_->sample_stack(kStackSampleTimeout);
  return report;
}

void EventLoop::after_stop(bool loop_thread_gone, bool abandoned) {
  stopped_.store(true, std::memory_order_seq_cst);
  {
    std::lock_guard<std::mutex> guard(registry_mutex_);
    for (ThreadParking* p = parked_head_; p != nullptr; p = p->registry_next) {
      std::uint32_t sleeping = ThreadParking::kSleeping;
      if (p->word.compare_exchange_strong(sleeping, ThreadParking::kStopping)) {
        futex_wake_one(&p->word);
      }
    }
  }
  if (!loop_thread_gone) return;
  // The loop thread is gone (joined): this thread may touch the loop's state.
  // If it was abandoned in the middle of the loop, its tasks unwind on this
  // thread where fibers may move between threads.
  if (abandoned && running_call_ != nullptr) {
    // A call_in_loop function held the loop; its frame was abandoned with the loop's stack.
    abandon_running_call();
  }
  if (abandoned && platform_fibers_may_change_threads()) {
    adopt_and_unwind();
  } else if (abandoned) {
    // Where a killed thread ends asynchronously (a Web Worker), it may still be
    // running the stuck task's code for a while: the task's stack, and the task
    // itself with its callable and what that holds, are never freed or reused.
    if (TaskBase* stuck = running_task_.load(std::memory_order_acquire)) {
      stuck->fiber_ = nullptr;
      stuck->add_ref();
    }
  }
  // Tasks that never finished are abandoned on their stacks and reported cancelled.
  while (InboxItem* item = inbox_.pop()) {
    if (auto* task = dynamic_cast<TaskBase*>(item)) {
      if (!task->registered_) register_task(task);  // a start that never ran; wake-ups need nothing
    } else {
      item->on_loop(*this);
    }
  }
  while (ReadyItem* item = ready_.pop()) {
    if (dynamic_cast<TaskBase*>(item) == nullptr) item->run(*this);
  }
  while (TaskBase* task = live_head_) {
    if (task->outcome_ == Outcome::kPending) task->outcome_ = Outcome::kCancelled;
    if (Waiter* waiter = task->waiter_; waiter != nullptr && waiter->list != nullptr) {
      // Its waiter lives on the stack about to be freed: take it off the primitive's list.
      std::lock_guard<WaitLock> guard(*waiter->list_lock);
      waiter->claim(WaitStatus::kCancelled);
      waiter->list->remove(waiter);
    }
    task->waiter_ = nullptr;
    if (task->fiber_ != nullptr) {
      fiber_destroy(pool_, task->fiber_);
      task->fiber_ = nullptr;
    }
    finish(task);
  }
}

// After a forced stop: the stuck task (if a task was stuck) is abandoned on its
// stack; this thread then runs the loop in the dead thread's place until every
// other task has unwound from CancelledError, so their destructors run.
void EventLoop::adopt_and_unwind() {
  if (TaskBase* stuck = running_task_.exchange(nullptr)) {
    stuck->outcome_ = Outcome::kCancelled;
    finish(stuck);
  }
  EventLoop* previous_loop = exchange_current(this);
  fiber_release_thread(scheduler_fiber_);  // the dead thread's, which never got to release it
  scheduler_fiber_ = fiber_for_thread();
  begin_shutdown();
  run();
  fiber_release_thread(scheduler_fiber_);
  scheduler_fiber_ = nullptr;
  exchange_current(previous_loop);
}

std::vector<std::exception_ptr> EventLoop::take_unretrieved_errors() {
  TaskBase* chain = nullptr;
  {
    std::lock_guard<std::mutex> guard(failed_mutex_);
    chain = std::exchange(failed_head_, nullptr);
  }
  std::size_t count = 0;
  for (TaskBase* task = chain; task != nullptr; task = task->live_next_) ++count;
  std::vector<TaskRef<TaskBase>> failed;
  try {
    failed.reserve(count);
  } catch (...) {
    // Nothing taken: the errors stay for the next call.
    std::lock_guard<std::mutex> guard(failed_mutex_);
    TaskBase** tail = &chain;
    while (*tail != nullptr) tail = &(*tail)->live_next_;
    *tail = failed_head_;
    failed_head_ = chain;
    throw;
  }
  while (chain != nullptr) {
    TaskBase* next = chain->live_next_;
    failed.emplace_back(chain);  // adopts the reference that the list held
    chain = next;
  }
  std::sort(failed.begin(), failed.end(),
            [](const auto& a, const auto& b) { return a->sequence() < b->sequence(); });
  std::vector<std::exception_ptr> errors;
  for (auto& task : failed) {
    if (!task->error_retrieved_.load()) errors.push_back(task->error_);
  }
  return errors;
}

}  // namespace threaded_async::detail
