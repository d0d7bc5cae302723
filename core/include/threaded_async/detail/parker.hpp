// Parker: how the idle loop thread sleeps until something arrives or its next
// timer is due. unpark() may come from any thread, before or during park; a
// permit given before park_until() makes it return at once.
#pragma once

#include "threaded_async/detail/clock.hpp"
#include "threaded_async/detail/futex.hpp"
#include "threaded_async/detail/wait_lock.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

class Parker {
 public:
  // Gives the permit; wakes the loop if it is the first since the last park
  // (once the caller lets go of a primitive's lock it holds). Never blocks.
  void unpark() noexcept {
    if (permit_.exchange(1, std::memory_order_seq_cst) == 0) WaitLock::wake_one(&permit_);
  }

  // Blocks until unpark() or `deadline`; consumes the permit.
  void park_until(Clock::time_point deadline) noexcept {
    while (permit_.exchange(0, std::memory_order_acquire) == 0) {
      if (deadline != Clock::time_point::max() && clock_now() >= deadline) return;
      futex_wait(permit_, 0, deadline);
    }
  }

 private:
  FutexWord permit_{0};
};

}  // namespace threaded_async::detail
