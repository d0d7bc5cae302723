// TaskBase: the shared state of one task (its fiber, its outcome, who waits
// for it). Owned jointly, by intrusive count, by the loop while it runs and by
// every BackgroundTask handle.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include "threaded_async/detail/inbox.hpp"
#include "threaded_async/detail/ready_queue.hpp"
#include "threaded_async/detail/waiter.hpp"

namespace threaded_async::detail {

class EventLoop;
class Fiber;

enum class Outcome : std::uint8_t { kPending, kResult, kError, kCancelled };

class TaskBase : public InboxItem, public ReadyItem {
 public:
  // An empty name gives the task "task-<sequence>".
  TaskBase(std::shared_ptr<EventLoop> loop, std::string name, std::uint64_t sequence);
  TaskBase(const TaskBase&) = delete;
  TaskBase& operator=(const TaskBase&) = delete;
  virtual ~TaskBase();

  void add_ref() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  EventLoop& loop() const noexcept { return *loop_; }
  const std::string& name() const noexcept { return name_; }
  std::uint64_t sequence() const noexcept { return sequence_; }

  // Any thread.
  bool done() const noexcept { return done_.load(std::memory_order_acquire); }
  // Valid once done().
  Outcome outcome() const noexcept { return outcome_; }
  // Requests cancellation; any thread; does not block.
  void cancel();

  // Blocks the calling plain thread until done or `deadline`; false on timeout.
  // Throws CancelledError if the runner stopped while waiting.
  bool wait_done_thread(Clock::time_point deadline);
  // Suspends the calling task until done or `deadline`; false on timeout.
  bool wait_done_task(Clock::time_point deadline);

  // Valid once done(): rethrows the error (marking it retrieved) or CancelledError.
  void rethrow_if_failed();

 protected:
  // Runs the task's function and stores its result. Runs on the task's fiber.
  virtual void run_body() = 0;

 private:
  friend class EventLoop;
  void on_loop(EventLoop& loop) override;  // arrives in the inbox: start or wake
  void run(EventLoop& loop) override;      // reaches the front of the ready queue

  std::atomic<int> refs_{1};
  std::shared_ptr<EventLoop> loop_;  // keeps the loop's state alive for handles
  std::string name_;
  std::uint64_t sequence_;

  // Loop thread only.
  Fiber* fiber_ = nullptr;
  Waiter* waiter_ = nullptr;  // what the task is suspended on
  TaskBase* live_prev_ = nullptr;
  TaskBase* live_next_ = nullptr;
  bool registered_ = false;
  bool started_ = false;
  bool finished_ = false;
  bool cancel_pending_ = false;
  bool cancel_posted_ = false;

  // Guarded by mutex_.
  WaitLock mutex_;
  WaitList done_waiters_;
  std::atomic<bool> done_{false};
  Outcome outcome_ = Outcome::kPending;
  std::exception_ptr error_;
  std::atomic<bool> error_retrieved_{false};

  friend void task_entry(void* arg);
  friend struct CancelRequest;
};

// A counted reference to a task.
template <class T>
class TaskRef {
 public:
  TaskRef() = default;
  explicit TaskRef(T* adopt) noexcept : p_(adopt) {}
  TaskRef(const TaskRef& o) noexcept : p_(o.p_) {
    if (p_) p_->add_ref();
  }
  TaskRef(TaskRef&& o) noexcept : p_(o.p_) { o.p_ = nullptr; }
  TaskRef& operator=(TaskRef o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~TaskRef() {
    if (p_) p_->release();
  }
  T* get() const noexcept { return p_; }
  T* operator->() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

 private:
  T* p_ = nullptr;
};

}  // namespace threaded_async::detail
