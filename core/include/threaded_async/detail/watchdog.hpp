// Watchdog: a thread that watches a running loop and reports when it has not
// completed an iteration for a given time while busy (not idle), naming the
// task that holds it. One report per stuck episode.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "threaded_async/timeout.hpp"
#include "threaded_async/watchdog.hpp"

namespace threaded_async::detail {

class EventLoop;

class Watchdog {
 public:
  // Starts watching; `loop` must outlive the watchdog.
  Watchdog(EventLoop& loop, Clock::duration after, StuckLoopCallback callback);
  // Stops the watchdog's thread; blocks until it has ended (and any report it is making).
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void watch();
  EventLoop& loop_;
  Clock::duration after_;
  StuckLoopCallback callback_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace threaded_async::detail
