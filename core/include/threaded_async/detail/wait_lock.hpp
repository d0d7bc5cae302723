// WaitLock: the lock of a primitive (Queue, Event, Future, a task's
// completion), which wakes the threads it hands over to only once it is let go.
//
// Waking a thread while holding a lock is a classic waste: on a busy machine
// the woken thread often runs at once on the waker's core and needs the lock,
// or the waker's progress, and goes straight back to sleep. So while a thread
// holds a WaitLock, the futex wakes it decides on (a thread waiter handed an
// item, the loop given work) are collected, and made when it releases the
// last WaitLock it holds. Nothing suspends or blocks while holding one: waits
// release the lock first.
#pragma once

#include <mutex>

#include "threaded_async/detail/futex.hpp"

namespace threaded_async::detail {

class WaitLock {
 public:
  // Blocks until the lock is free. The count goes up first and down last, so
  // that it is never below the number of WaitLocks the thread really holds:
  // a forced stop reads it (held_by_this_thread) to keep out of them.
  void lock() {
    ++tls_held_;
    mutex_.lock();
  }
  // Never blocks.
  bool try_lock() {
    ++tls_held_;
    if (mutex_.try_lock()) return true;
    --tls_held_;
    return false;
  }
  // Makes the wakes collected meanwhile if this was the last WaitLock held.
  void unlock() {
    mutex_.unlock();
    if (--tls_held_ == 0 && tls_pending_count_ != 0) flush();
  }

  // True while the calling thread holds (or is taking) a WaitLock. Async-signal-safe.
  static bool held_by_this_thread() noexcept { return tls_held_ != 0; }

  // Wakes one thread sleeping on `word`: when the calling thread lets go of the
  // last WaitLock it holds, or now if it holds none. Only the address is used
  // (see futex_wake_one), so the word's owner may go meanwhile.
  static void wake_one(FutexWord* word) noexcept {
    if (tls_held_ == 0 || tls_pending_count_ == kMaxPending) {
      futex_wake_one(word);
    } else {
      tls_pending_[tls_pending_count_++] = word;
    }
  }

 private:
  static constexpr int kMaxPending = 16;  // more are woken at once
  static void flush() noexcept {
    const int n = tls_pending_count_;
    tls_pending_count_ = 0;
    for (int i = 0; i < n; ++i) futex_wake_one(tls_pending_[i]);
  }

  static inline thread_local int tls_held_ = 0;
  static inline thread_local int tls_pending_count_ = 0;
  static inline thread_local FutexWord* tls_pending_[kMaxPending];

  std::mutex mutex_;
};

}  // namespace threaded_async::detail
