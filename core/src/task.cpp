// Calls made from inside tasks, and waking waiters.
#include "threaded_async/task.hpp"

namespace threaded_async {

void yield() {
  auto& task = detail::EventLoop::require_task("yield", "std::this_thread::yield");
  task.loop().yield_now();
}

bool in_task() noexcept { return detail::EventLoop::current_task() != nullptr; }

const std::string& current_task_name() {
  return detail::EventLoop::require_task("current_task_name", "nothing (threads have no task)")
      .name();
}

namespace detail {

void Waiter::wake() noexcept {
  if (task != nullptr) {
    task->loop().wake(task);
  } else {
    std::lock_guard<std::mutex> guard(parking->mutex);
    parking->cv.notify_one();
  }
}

}  // namespace detail
}  // namespace threaded_async
