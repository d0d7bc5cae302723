// How tasks and threads wait: a task suspends, handing the loop to the
// scheduler, to the next ready task, or to itself when its own wake-up is all
// that comes (wait_in_place); it sleeps and yields; a plain thread spins, then
// sleeps on its hand-over word. The loop's iterations: event_loop.cpp.
#include <mutex>

#include "loop_context.hpp"
#include "threaded_async/detail/clock.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/spin_wait.hpp"
#include "threaded_async/errors.hpp"

namespace threaded_async::detail {
namespace {

// Waits for a task's timeout on the loop's timer heap.
struct WaitTimer final : Timer {
  TaskBase* task;
  Waiter* waiter;
  WaitTimer(TaskBase* t, Waiter* w) : task(t), waiter(w) {}
  void fire(EventLoop& loop) override {
    if (waiter->claim(WaitStatus::kTimedOut)) loop.wake(task);
  }
};

}  // namespace

void EventLoop::deliver_cancellation(TaskBase& task) {
  if (!task.cancel_pending_) return;
  if (!shutting_down_) {
    task.cancel_pending_ = false;
  } else {
    forced_stop_point();  // a task that swallows its cancellation and yields on
  }
  throw CancelledError();
}

void EventLoop::forced_stop_point() {
  // A task that swallows its cancellation and waits or yields on is taken at the next.
  if (shutting_down_ && thread_->take_forced_stop()) throw ForcedThreadShutdown();
}

WaitStatus EventLoop::suspend(Waiter& waiter, Clock::time_point deadline) {
  LibraryCode library;
  TaskBase* task = tls_task;
  // Room for the timer before the wait can be claimed; wait() made it before
  // it published the waiter, so that a failure there loses no hand-over.
  if (deadline != Clock::time_point::max()) timers_.reserve_one();
  if (waiter.cancellable && task->cancel_pending_ && waiter.claim(WaitStatus::kCancelled)) {
    if (!shutting_down_) task->cancel_pending_ = false;
    return WaitStatus::kCancelled;
  }
  WaitTimer timer(task, &waiter);
  if (deadline != Clock::time_point::max() && waiter.status.load() == WaitStatus::kWaiting) {
    timers_.arm(&timer, deadline);
  }
  task->waiter_ = &waiter;
  if (!wait_in_place(task)) hand_on(task);
  task->waiter_ = nullptr;
  timers_.disarm(&timer);
  const WaitStatus status = waiter.status.load(std::memory_order_acquire);
  if (status == WaitStatus::kCancelled && !shutting_down_) task->cancel_pending_ = false;
  return status;
}

// A task that suspends with nothing else ready waits for its own wake-up in
// place, spinning on the inbox as the idle loop would (idle_wait): when what
// arrives is its wake-up alone, it runs on as a new iteration of its own,
// without the two switches through the scheduler fiber (in WebAssembly each
// unwinds and rewinds both stacks, and costs more than the rest of a
// hand-over). False when the scheduler has to run next: anything else in the
// inbox, a timer due, I/O, threads to wake, leaving, or a spin that ran out.
bool EventLoop::wait_in_place(TaskBase* task) noexcept {
  if (!ready_.empty() || stop_when_idle_ || shutting_down_ || wake_relay_.head_pending()) {
    return false;
  }
  if (Reactor* reactor = reactor_.load(std::memory_order_acquire); reactor && reactor->pending()) {
    return false;
  }
  const auto deadline = timers_.next_deadline();
  if (!spin_until([this] { return !inbox_.empty(); }, deadline)) {
    idle_spun_ = true;  // the scheduler's idle wait does not spin again
    return false;
  }
  if (inbox_.front() != task || inbox_.pop() != task) return false;
  if (!inbox_.empty() || (deadline != Clock::time_point::max() && clock_now() >= deadline)) {
    ready_.push(task);  // what draining the inbox would have done
    return false;
  }
  // What run() and run_ready() would do: an iteration that runs this task alone.
  iteration_.store(iteration_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  running_since_.store(kUnstamped, std::memory_order_relaxed);
  return true;
}

// The ready task that a yielding task may switch to directly, skipping the
// scheduler fiber (one switch instead of two), taken off the ready queue; or
// nullptr when the scheduler has to run next: the front item is not a task, or
// the iteration's batch is over and the loop has more to do than start the
// next batch (inbox items, timers, I/O, leaving).
TaskBase* EventLoop::take_successor() {
  ReadyItem* front = ready_.front();
  if (front == nullptr || !front->is_task) return nullptr;
  if (batch_last_ == nullptr) {
    if (!inbox_.empty() || !timers_.empty() || stop_when_idle_) return nullptr;
    if (Reactor* reactor = reactor_.load(std::memory_order_acquire);
        reactor && reactor->pending()) {
      return nullptr;  // the scheduler polls the reactor first
    }
    // What run() would do next: an iteration with nothing to drain or fire.
    // Without a clock read: two tasks yielding to each other start a batch
    // every other switch, and the first observer to look stamps it instead.
    iteration_.store(iteration_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    batch_last_ = ready_.back();
    running_since_.store(kUnstamped, std::memory_order_relaxed);
  }
  if (front == batch_last_) batch_last_ = nullptr;
  ready_.pop();
  auto* next = static_cast<TaskBase*>(front);
  if (!next->started_ && !start_fiber(next)) return nullptr;
  return next;
}

// Switches from a task that suspends or yields to the next ready task
// directly, when there is one to take (take_successor), else to the
// scheduler. The caller is in the library's code (its depth above zero) and
// sets the depth back after it: the fiber that runs next restores its own
// library-code depth (a task that starts sets it to zero, task_entry).
void EventLoop::switch_on(TaskBase* task) {
  if (TaskBase* next = take_successor()) {
    if (next == task) return;  // alone in the batch: it runs on
    tls_task = next;
    running_task_.store(next, std::memory_order_release);
    fiber_switch(task->fiber_, next->fiber_);
  } else {
    fiber_switch(task->fiber_, scheduler_fiber_);
  }
}

// switch_on from the library's code: the thread stays in it through the
// switch, so that a forced stop never takes it half-way, and this task gets
// its own depth back when it is resumed.
void EventLoop::hand_on(TaskBase* task) {
  const int depth = tls_library_depth;
  switch_on(task);
  tls_library_depth = depth;
}

void EventLoop::sleep_until(Clock::time_point deadline) {
  Waiter waiter;
  waiter.task = tls_task;
  if (suspend(waiter, deadline) == WaitStatus::kCancelled) {
    forced_stop_point();
    throw CancelledError();
  }
}

void EventLoop::yield_now() {
  TaskBase* task = tls_task;
  if (task == nullptr) require_task("yield", "std::this_thread::yield");
  tls_loop->yield_task(task);  // the task's loop, without a load through the task
}

// As hand_on(task) between two deliver_cancellation(*task) in the library's
// code (LibraryCode), with the thread's library-code depth written once each
// way: the task's own depth, `depth + 1` through the switch, and back. A yield
// ping-pong spends a good part of its switch on those reads and writes of
// thread-local storage.
void EventLoop::yield_task(TaskBase* task) {
  const int depth = tls_library_depth;
  if (task->cancel_pending_) cancel_at_yield(*task, depth);
  tls_library_depth = depth + 1;
  ready_.push(task);
  switch_on(task);
  if (task->cancel_pending_) cancel_at_yield(*task, depth);
  tls_library_depth = depth;
}

void EventLoop::cancel_at_yield(TaskBase& task, int depth) {
  tls_library_depth = depth;
  LibraryCode library;
  deliver_cancellation(task);
}

WaitStatus EventLoop::wait(std::unique_lock<WaitLock>& lock, WaitList& list, Waiter& waiter,
                           Clock::time_point deadline) {
  LibraryCode library;
  if (TaskBase* task = tls_task) {
    // The wait's timer cannot fail for lack of memory once the waiter is published.
    if (deadline != Clock::time_point::max()) task->loop().timers_.reserve_one();
    waiter.task = task;
    waiter.list_lock = lock.mutex();
    waiter.list = &list;
    list.push_back(&waiter);
    lock.unlock();
    const WaitStatus status = task->loop().suspend(waiter, deadline);
    // A notifier unlinked the waiter and was done with it before it queued the task.
    if (status == WaitStatus::kNotified) return status;
    lock.lock();
    list.remove(&waiter);
    // The caller's lock is released as this unwinds, as when it throws CancelledError.
    if (status == WaitStatus::kCancelled) task->loop().forced_stop_point();
    return status;
  }
  list.push_back(&waiter);
  const WaitStatus status = wait_thread(lock, waiter, deadline);
  if (status != WaitStatus::kNotified) list.remove(&waiter);
  return status;
}

WaitStatus EventLoop::wait_thread(std::unique_lock<WaitLock>& lock, Waiter& waiter,
                                  Clock::time_point deadline) noexcept {
  ThreadParking parking;
  parking.loop = this;
  waiter.parking = &parking;
  lock.unlock();
  auto settled = [&] { return parking.done() || stopped(); };
  if (!spin_until(settled, deadline) && register_parking(&parking)) {
    std::uint32_t spinning = ThreadParking::kSpinning;
    if (parking.word.compare_exchange_strong(spinning, ThreadParking::kSleeping,
                                             std::memory_order_seq_cst)) {
      while (parking.word.load(std::memory_order_acquire) == ThreadParking::kSleeping &&
             !stopped() && clock_now() < deadline) {
        futex_wait(parking.word, ThreadParking::kSleeping, deadline);
      }
    }
    unregister_parking(&parking);
  }
  // Handed over: the notifier filled the slot and is done with the waiter.
  if (parking.done()) {
    drain_if_head(parking);
    return WaitStatus::kNotified;
  }
  lock.lock();             // a notifier holds this lock while it touches the waiter
  drain_if_head(parking);  // handed over while it was giving up
  if (waiter.status.load(std::memory_order_acquire) == WaitStatus::kWaiting) {
    waiter.claim(stopped() ? WaitStatus::kCancelled : WaitStatus::kTimedOut);
  }
  return waiter.status.load(std::memory_order_acquire);
}

void EventLoop::drain_if_head(const ThreadParking& parking) noexcept {
  if (parking.word.load(std::memory_order_acquire) == ThreadParking::kDoneHead) {
    wake_relay_.drain();
  }
}

bool EventLoop::register_parking(ThreadParking* parking) {
  std::lock_guard<std::mutex> guard(registry_mutex_);
  if (stopped()) return false;
  parking->registry_prev = nullptr;
  parking->registry_next = parked_head_;
  if (parked_head_) parked_head_->registry_prev = parking;
  parked_head_ = parking;
  return true;
}

void EventLoop::unregister_parking(ThreadParking* parking) {
  std::lock_guard<std::mutex> guard(registry_mutex_);
  if (parking->registry_prev)
    parking->registry_prev->registry_next = parking->registry_next;
  else
    parked_head_ = parking->registry_next;
  if (parking->registry_next) parking->registry_next->registry_prev = parking->registry_prev;
}

}  // namespace threaded_async::detail
