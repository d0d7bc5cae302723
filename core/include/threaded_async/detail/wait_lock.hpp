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
//
// The lock itself is a word of its own (free, held, held with sleepers) that a
// thread that finds it held watches for a few hundred looks before it sleeps
// on it (a futex): a primitive's lock is held for a few instructions, and in a
// hand-over the other side is often still inside it. A std::mutex put that
// thread to sleep at once, and had its holder make a futex wake on the way
// out: a sleep and a wake-up of microseconds for a wait of nanoseconds.
#pragma once

#include <atomic>
#include <cstdint>

#include "threaded_async/detail/futex.hpp"
#include "threaded_async/detail/spin_wait.hpp"

namespace threaded_async::detail {

class WaitLock {
 public:
  // Blocks until the lock is free. The count goes up first and down last, so
  // that it is never below the number of WaitLocks the thread really holds:
  // a forced stop reads it (held_by_this_thread) to keep out of them.
  void lock() {
    ++tls_held_;
    if (!take_if_free()) lock_contended();
  }
  // Never blocks.
  bool try_lock() {
    ++tls_held_;
    if (take_if_free()) return true;
    --tls_held_;
    return false;
  }
  // Makes the wakes collected meanwhile if this was the last WaitLock held.
  void unlock() {
    if (word_.exchange(kFree, std::memory_order_release) == kContended) futex_wake_one(&word_);
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
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kHeld = 1;
  static constexpr std::uint32_t kContended = 2;  // held, and a thread may sleep on the word
  // How many times a thread that finds the lock held looks at it before it sleeps.
  static constexpr int kSpinLooks = 256;
  static constexpr int kMaxPending = 16;  // more are woken at once

  // Takes the lock if it is free, at once. Never blocks.
  bool take_if_free() noexcept {
    std::uint32_t expected = kFree;
    return word_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire,
                                         std::memory_order_relaxed);
  }
  // Watches the word until it is free, then takes it; sleeps on it after
  // kSpinLooks looks. A thread that has slept takes the lock as kContended,
  // so that its unlock wakes the next sleeper, if any.
  void lock_contended() noexcept {
    for (int i = 0; i < kSpinLooks; ++i) {
      cpu_relax();
      std::uint32_t w = word_.load(std::memory_order_relaxed);
      if (w == kFree && word_.compare_exchange_weak(w, kHeld, std::memory_order_acquire,
                                                    std::memory_order_relaxed)) {
        return;
      }
    }
    while (word_.exchange(kContended, std::memory_order_acquire) != kFree) {
      futex_wait(word_, kContended, Clock::time_point::max());
    }
  }
  static void flush() noexcept {
    const int n = tls_pending_count_;
    tls_pending_count_ = 0;
    for (int i = 0; i < n; ++i) futex_wake_one(tls_pending_[i]);
  }

  static inline thread_local int tls_held_ = 0;
  static inline thread_local int tls_pending_count_ = 0;
  static inline thread_local FutexWord* tls_pending_[kMaxPending];

  FutexWord word_{kFree};
};

}  // namespace threaded_async::detail
