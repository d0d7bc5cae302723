// Parker: how the idle loop thread sleeps until something arrives or its next
// timer is due. unpark() may come from any thread, before or during park.
#pragma once

#include <condition_variable>
#include <mutex>

#include "threaded_async/timeout.hpp"

namespace threaded_async::detail {

class Parker {
 public:
  void unpark() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      permit_ = true;
    }
    cv_.notify_one();  // outside the lock, so the woken loop does not block on it at once
  }

  // Blocks until unpark() or `deadline`; consumes the permit.
  void park_until(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!permit_) {
      if (deadline == Clock::time_point::max()) {
        cv_.wait(lock);
      } else if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
        break;
      }
    }
    permit_ = false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool permit_ = false;
};

}  // namespace threaded_async::detail
