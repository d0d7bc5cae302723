// Event.
#include "threaded_async/event.hpp"

#include <mutex>

#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/waiter.hpp"
#include "threaded_async/errors.hpp"

namespace threaded_async {
namespace detail {

struct EventState {
  std::shared_ptr<EventLoop> loop;
  WaitLock lock;
  WaitList waiters;
  bool flag = false;

  void set() {
    loop->check_running("Event::set");
    std::lock_guard<WaitLock> guard(lock);
    flag = true;
    waiters.notify_all();
  }

  bool is_set() {
    std::lock_guard<WaitLock> guard(lock);
    return flag;
  }

  void wait(Timeout timeout, const char* what) {
    loop->check_running(what);
    std::unique_lock<WaitLock> guard(lock);
    if (flag) return;
    Waiter waiter;
    switch (loop->wait(guard, waiters, waiter, timeout.deadline())) {
      case WaitStatus::kNotified:
        return;
      case WaitStatus::kTimedOut:
        throw EventLoopTimeoutError(std::string(what) + " timed out after " + timeout.describe());
      default:
        throw CancelledError();
    }
  }
};

}  // namespace detail

Event::Event(const AsyncRunner& runner) : Event(runner.loop()) {}

Event::Event(std::shared_ptr<detail::EventLoop> loop)
    : state_(std::make_shared<detail::EventState>()) {
  state_->loop = std::move(loop);
}

void Event::set() { state_->set(); }

void Event::clear() {
  std::lock_guard<detail::WaitLock> guard(state_->lock);
  state_->flag = false;
}

bool Event::is_set() const { return state_->is_set(); }

void Event::wait(Timeout timeout) const {
  state_->loop->check_thread_side("Event::wait", "Event::as_async_event().wait()");
  state_->wait(state_->loop->resolve(timeout), "Event::wait");
}

void Event::AsyncView::wait(Timeout timeout) const {
  detail::EventLoop::require_task("Event::as_async_event().wait", "Event::wait");
  state_->wait(timeout, "Event::as_async_event().wait");
}

void Event::AsyncView::set() const { state_->set(); }
bool Event::AsyncView::is_set() const { return state_->is_set(); }

}  // namespace threaded_async
