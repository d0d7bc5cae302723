// Waiters: how a task or a thread waits on a primitive (Event, Queue, Future,
// a task's completion).
//
// A primitive keeps its waiters in a WaitList under its own lock. A waiter is
// either a task (a fiber on some loop: waking it queues it on that loop) or a
// plain thread (waking it signals its condition variable). Exactly one of
// "notified", "timed out" and "cancelled" wins, decided by one compare-and-swap
// on the waiter's status, so a hand-over is never lost and never doubled.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

class TaskBase;
class EventLoop;

enum class WaitStatus : std::uint8_t { kWaiting, kNotified, kTimedOut, kCancelled };

// A plain thread's way to sleep while it waits. One per blocking call, on the caller's stack.
struct ThreadParking {
  std::mutex mutex;
  std::condition_variable cv;
  // Set before the thread's last look at its waiter and its sleep. A notifier
  // that finds it false need not signal: the thread is still spinning and will
  // see the claim (both sides use sequentially consistent accesses).
  std::atomic<bool> may_sleep{false};
  ThreadParking* registry_prev = nullptr;  // the loop's list of sleeping threads
  ThreadParking* registry_next = nullptr;
};

class WaitList;

struct Waiter {
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  bool linked = false;  // in a WaitList; guarded by the primitive's lock
  std::atomic<WaitStatus> status{WaitStatus::kWaiting};
  void* slot = nullptr;              // hand-over storage, e.g. a queue item
  TaskBase* task = nullptr;          // set for a task waiter
  std::mutex* list_lock = nullptr;   // a task waiter's list and its lock, to unlink
  WaitList* list = nullptr;          // it if the task is abandoned (forced stop)
  ThreadParking* parking = nullptr;  // set for a thread waiter

  // Claims the waiter for `outcome` if it is still waiting. Whoever claims it
  // must wake it (see wake()), except the waiting task itself.
  bool claim(WaitStatus outcome) noexcept {
    WaitStatus expected = WaitStatus::kWaiting;
    return status.compare_exchange_strong(expected, outcome, std::memory_order_seq_cst);
  }

  // Wakes a waiter that was claimed as notified: queues its task on its loop,
  // or signals its thread. Called with the primitive's lock held.
  void wake() noexcept;

  // Claims the waiter as notified and wakes it. Called with the primitive's
  // lock held. False if the waiter had already timed out or been cancelled.
  bool notify() noexcept {
    if (!claim(WaitStatus::kNotified)) return false;
    wake();
    return true;
  }
};

// Intrusive FIFO of waiters. Guarded by the owning primitive's lock.
class WaitList {
 public:
  bool empty() const noexcept { return head_ == nullptr; }

  void push_back(Waiter* w) noexcept {
    w->prev = tail_;
    w->next = nullptr;
    if (tail_)
      tail_->next = w;
    else
      head_ = w;
    tail_ = w;
    w->linked = true;
  }

  void remove(Waiter* w) noexcept {
    if (!w->linked) return;
    if (w->prev)
      w->prev->next = w->next;
    else
      head_ = w->next;
    if (w->next)
      w->next->prev = w->prev;
    else
      tail_ = w->prev;
    w->prev = w->next = nullptr;
    w->linked = false;
  }

  // The oldest waiter that is still waiting, unlinked; waiters that gave up are dropped.
  Waiter* front_waiting() noexcept {
    while (head_ != nullptr &&
           head_->status.load(std::memory_order_acquire) != WaitStatus::kWaiting)
      remove(head_);
    return head_;
  }

  // Unlinks the oldest waiter still waiting and claims it as notified, for a
  // hand-over: the caller fills its slot, then calls wake(). nullptr if none.
  Waiter* claim_front() noexcept {
    while (Waiter* w = head_) {
      remove(w);
      if (w->claim(WaitStatus::kNotified)) return w;
    }
    return nullptr;
  }

  // Notifies the oldest waiter still waiting and unlinks it. False if none.
  bool notify_one() noexcept {
    while (Waiter* w = head_) {
      remove(w);
      if (w->notify()) return true;
    }
    return false;
  }

  // Notifies every waiter. Returns how many were notified.
  int notify_all() noexcept {
    int n = 0;
    while (notify_one()) ++n;
    return n;
  }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
};

}  // namespace threaded_async::detail
