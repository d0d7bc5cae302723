// The watchdog's thread.
#include "threaded_async/detail/watchdog.hpp"

#include <cstdio>

#include "threaded_async/detail/clock.hpp"
#include "threaded_async/detail/event_loop.hpp"

namespace threaded_async {

std::string StuckLoopReport::describe() const {
  char held[32];
  std::snprintf(held, sizeof held, "%.3f s", std::chrono::duration<double>(held_for).count());
  const std::string who =
      task.empty() ? std::string("a function given to call_in_loop") : "task '" + task + "'";
  return "the loop of runner '" + runner + "' is stuck: " + who + " has held it for " + held +
         " without suspending";
}

std::string StuckLoopReport::describe_stack() const {
  std::string out;
  for (std::size_t i = 0; i < stack.size(); ++i) {
    out += "  #" + std::to_string(i) + " " + stack[i] + "\n";
  }
  return out;
}

namespace detail {

Watchdog::Watchdog(EventLoop& loop, Clock::duration after, StuckLoopCallback callback)
    : loop_(loop), after_(after), callback_(std::move(callback)), thread_([this] { watch(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stop_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

void Watchdog::watch() {
  const auto period = std::max<Clock::duration>(after_ / 4, std::chrono::milliseconds(1));
  // Each look at the iteration stamps the batch running then, if the loop
  // left it unstamped (it began before the look): a report on that batch then
  // says it has held the loop at least since busy_since.
  std::uint64_t last_iteration = loop_.iteration();
  loop_.stamp_batch();
  auto busy_since = clock_now();
  bool reported = false;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
    const std::uint64_t iteration = loop_.iteration();
    loop_.stamp_batch();
    const auto now = clock_now();
    if (iteration != last_iteration || loop_.idle()) {
      last_iteration = iteration;
      busy_since = now;
      reported = false;
      continue;
    }
    if (reported || now - busy_since < after_) continue;
    reported = true;
    StuckLoopReport report = loop_.stuck_report(true);
    lock.unlock();
    callback_(report);
    lock.lock();
  }
}

}  // namespace detail
}  // namespace threaded_async
