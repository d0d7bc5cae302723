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
    if (!parking->may_sleep.load(std::memory_order_seq_cst)) return;
    // Taking the thread's mutex orders the claim before its check; notifying
    // after releasing it spares the woken thread from blocking on it at once.
    // The parking stays alive meanwhile: the thread re-takes the primitive's
    // lock, which the caller holds, before it returns.
    { std::lock_guard<std::mutex> guard(parking->mutex); }
    parking->cv.notify_one();
  }
}

}  // namespace detail
}  // namespace threaded_async
