// Waiters: how a task or a thread waits on a primitive (Event, Queue, Future,
// a task's completion).
//
// A primitive keeps its waiters in a WaitList under its own lock (a WaitLock). A waiter is
// either a task (a fiber on some loop: waking it queues it on that loop) or a
// plain thread (waking it hands a futex word over). Exactly one of
// "notified", "timed out" and "cancelled" wins, decided by one compare-and-swap
// on the waiter's status, so a hand-over is never lost and never doubled.
#pragma once

#include <atomic>
#include <cstdint>

#include "threaded_async/detail/futex.hpp"
#include "threaded_async/detail/wait_lock.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

class TaskBase;
class EventLoop;

enum class WaitStatus : std::uint8_t { kWaiting, kNotified, kTimedOut, kCancelled };

// A plain thread's way to wait. One per blocking call, on the caller's stack.
//
// `word` is the hand-over: the notifier sets it to kDone after it has filled
// the waiter's slot, and touches nothing of the waiter afterwards, so a thread
// that sees kDone returns at once, without re-taking the primitive's lock. A
// thread that gives up spinning turns kSpinning into kSleeping and sleeps on
// the word (a futex); a notifier that replaces kSleeping wakes it.
struct ThreadParking {
  static constexpr std::uint32_t kSpinning = 0;
  static constexpr std::uint32_t kDone = 1;      // notified; the slot is filled
  static constexpr std::uint32_t kSleeping = 2;  // asleep on `word`, or about to be
  static constexpr std::uint32_t kStopping = 3;  // woken because the runner stopped
  // Notified, and made the head of the wake relay of `loop` (detail/wake_relay.hpp):
  // before it returns, the thread wakes the threads that loop noted there.
  static constexpr std::uint32_t kDoneHead = 4;

  FutexWord word{kSpinning};
  EventLoop* loop = nullptr;               // the loop whose wait this is
  ThreadParking* registry_prev = nullptr;  // the loop's list of sleeping threads
  ThreadParking* registry_next = nullptr;

  bool done() const noexcept {
    const std::uint32_t w = word.load(std::memory_order_acquire);
    return w == kDone || w == kDoneHead;
  }
};

class WaitList;

struct Waiter {
  Waiter* prev = nullptr;
  Waiter* next = nullptr;
  bool linked = false;  // in a WaitList; guarded by the primitive's lock
  std::atomic<WaitStatus> status{WaitStatus::kWaiting};
  void* slot = nullptr;              // hand-over storage, e.g. a queue item
  TaskBase* task = nullptr;          // set for a task waiter
  WaitLock* list_lock = nullptr;     // a task waiter's list and its lock, to unlink
  WaitList* list = nullptr;          // it if the task is abandoned (forced stop)
  ThreadParking* parking = nullptr;  // set for a thread waiter
  // False: cancelling the task does not end the wait, only a notification
  // does (a task waiting for an I/O operation's handler, which uses its frame).
  bool cancellable = true;

  // Claims the waiter for `outcome` if it is still waiting. Whoever claims it
  // must wake it (see wake()), except the waiting task itself.
  bool claim(WaitStatus outcome) noexcept {
    WaitStatus expected = WaitStatus::kWaiting;
    return status.compare_exchange_strong(expected, outcome, std::memory_order_seq_cst);
  }

  // Wakes a waiter that was claimed as notified, once its slot is filled:
  // queues its task on its loop, or hands over to its thread. Called with the
  // primitive's lock held; the waiter may be gone as soon as it returns.
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

  // Undoes claim_front() when the hand-over could not be made (no memory for
  // the item): the waiter waits on, first in line again. Lock held; only the
  // claimer may have changed its status. A timeout or cancellation that came
  // in between found the waiter claimed and did nothing; the waiter's own
  // deadline check (threads) or its next wake-up (tasks) then sees to it.
  void unclaim_front(Waiter* w) noexcept {
    w->status.store(WaitStatus::kWaiting, std::memory_order_seq_cst);
    w->prev = nullptr;
    w->next = head_;
    if (head_)
      head_->prev = w;
    else
      tail_ = w;
    head_ = w;
    w->linked = true;
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
