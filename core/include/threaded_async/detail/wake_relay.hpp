// WakeRelay: lets threads that a loop wakes make the loop's further wake-ups
// for it, so that the loop thread does not spend its time in the kernel.
//
// Waking a sleeping thread is a system call of microseconds (more in a
// virtual machine, where the other core has to be kicked awake), and under
// contention the loop thread would make one for every item: each item a task
// takes from a full queue lets a blocked putter thread in, each item it puts
// hands over to a blocked getter thread. With one loop thread for many
// threads, those system calls become what limits the whole program.
//
// So the loop wakes the first thread itself and makes it the relay's head
// (its parking word says kDoneHead instead of kDone); the threads it hands
// over to while the head has not run yet are only noted here, and the head,
// once it runs, wakes them all; so does the loop itself when it has nothing
// else to do. Only the loop thread notes wake-ups; anyone may drain. A noted word belongs to a
// thread that was handed over to (its word is kDone) and was asleep: waking it late costs it time,
// never the hand-over, and waking its address after it returned is harmless
// (see futex_wake_one).
#pragma once

#include <atomic>
#include <cstdint>

#include "threaded_async/detail/futex.hpp"

namespace threaded_async::detail {

class WakeRelay {
 public:
  // Loop thread only. Notes `word` for the head to wake; false if there is no
  // head (or no room), and the caller must wake it itself.
  bool note(FutexWord* word) noexcept {
    std::uint64_t state = state_.load(std::memory_order_acquire);
    while ((state & kHead) != 0) {
      const std::uint64_t free = ~state & kSlots;
      if (free == 0) return false;
      const int slot = __builtin_ctzll(free);
      words_[slot].store(word, std::memory_order_relaxed);
      // Fails only if a head drained meanwhile: then `state` is reloaded.
      if (state_.compare_exchange_weak(state, state | (std::uint64_t{1} << slot),
                                       std::memory_order_release, std::memory_order_acquire)) {
        return true;
      }
    }
    return false;
  }

  // True while a head has been woken and has not drained yet. Any thread.
  bool head_pending() const noexcept {
    return (state_.load(std::memory_order_acquire) & kHead) != 0;
  }

  // Loop thread only, when it wakes a thread itself: true if that thread is to
  // be the head (there was none), which the caller tells it by its word.
  bool start_head() noexcept {
    std::uint64_t none = 0;
    return state_.compare_exchange_strong(none, kHead, std::memory_order_seq_cst);
  }

  // A head once it runs, or the idle loop: wakes every thread noted, and ends
  // the head's turn. Any thread.
  void drain() noexcept {
    std::uint64_t state = state_.load(std::memory_order_acquire);
    FutexWord* noted[kCapacity];
    for (;;) {
      int n = 0;
      for (std::uint64_t bits = state & kSlots; bits != 0; bits &= bits - 1) {
        noted[n++] = words_[__builtin_ctzll(bits)].load(std::memory_order_relaxed);
      }
      // The loop only adds slots while a head is pending, and writes only free
      // ones: the slots read stay as they were until this clears them.
      if (state_.compare_exchange_weak(state, 0, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
        for (int i = 0; i < n; ++i) futex_wake_one(noted[i]);
        return;
      }
    }
  }

 private:
  static constexpr int kCapacity = 63;
  static constexpr std::uint64_t kHead = std::uint64_t{1} << kCapacity;
  static constexpr std::uint64_t kSlots = kHead - 1;
  // kHead: a head has been woken and not drained yet; bit i: words_[i] is noted.
  alignas(64) std::atomic<std::uint64_t> state_{0};
  std::atomic<FutexWord*> words_[kCapacity] = {};
};

}  // namespace threaded_async::detail
