// Calls made from inside tasks, and waking waiters.
#include "threaded_async/task.hpp"

namespace threaded_async {

void yield() { detail::EventLoop::yield_now(); }

bool in_task() noexcept { return detail::EventLoop::current_task() != nullptr; }

const std::string& current_task_name() {
  return detail::EventLoop::require_task("current_task_name", "nothing (threads have no task)")
      .name();
}

namespace detail {

void Waiter::wake() noexcept {
  if (task != nullptr) {
    // Read before the task is queued: from then on its loop may resume it.
    task->loop().wake(task);
  } else {
    // After the exchange the thread may return and its parking be gone: only
    // the word's address is used to wake it, once the primitive's lock is let go.
    FutexWord* word = &parking->word;
    EventLoop* loop = parking->loop;
    if (loop != nullptr && loop->on_loop_thread()) {
      // A thread still spinning needs no wake-up, and is not made the relay's
      // head: that would send the relay's line to its core and back.
      std::uint32_t spinning = ThreadParking::kSpinning;
      if (word->compare_exchange_strong(spinning, ThreadParking::kDone,
                                        std::memory_order_seq_cst)) {
        return;
      }
      // The loop thread: a thread it woke before, which has not run yet, may
      // wake this one for it (detail/wake_relay.hpp).
      WakeRelay& relay = loop->wake_relay();
      if (relay.head_pending()) {
        if (word->exchange(ThreadParking::kDone, std::memory_order_seq_cst) ==
                ThreadParking::kSleeping &&
            !relay.note(word)) {
          WaitLock::wake_one(word);
        }
        return;
      }
      if (relay.start_head()) {
        if (word->exchange(ThreadParking::kDoneHead, std::memory_order_seq_cst) ==
            ThreadParking::kSleeping) {
          WaitLock::wake_one(word);
        }
        return;
      }
    }
    if (word->exchange(ThreadParking::kDone, std::memory_order_seq_cst) ==
        ThreadParking::kSleeping) {
      WaitLock::wake_one(word);
    }
  }
}

}  // namespace detail
}  // namespace threaded_async
