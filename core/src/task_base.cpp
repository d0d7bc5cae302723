// TaskBase: a task's outcome and the waits on it.
#include "threaded_async/detail/task_base.hpp"

#include <charconv>

#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/errors.hpp"

namespace threaded_async::detail {

struct CancelRequest final : InboxItem {
  TaskRef<TaskBase> task;
  explicit CancelRequest(TaskRef<TaskBase> t) : task(std::move(t)) {}
  void on_loop(EventLoop& loop) override {
    loop.cancel_on_loop(task.get());
    delete this;
  }
};

namespace {
// "task-<sequence>", written in place: a short string, built without the
// temporaries (and the copy that inserts the prefix) of "task-" + std::to_string.
std::string default_task_name(std::uint64_t sequence) {
  char text[32] = "task-";
  const auto end = std::to_chars(text + 5, text + sizeof text, sequence).ptr;
  return std::string(text, end);
}
}  // namespace

TaskBase::TaskBase(std::shared_ptr<EventLoop> loop, std::string name, std::uint64_t sequence)
    : loop_(std::move(loop)),
      name_(name.empty() ? default_task_name(sequence) : std::move(name)),
      sequence_(sequence) {
  is_task = true;
}

TaskBase::~TaskBase() = default;

void TaskBase::on_loop(EventLoop& loop) {
  if (!registered_ && !started_) {
    loop.register_task(this);
    if (loop.shutting_down_) cancel_pending_ = true;
  }
  loop.ready_.push(this);
}

void TaskBase::run(EventLoop& loop) { loop.resume(this); }

void TaskBase::cancel() {
  if (done()) return;
  if (loop_->on_loop_thread()) {
    loop_->cancel_on_loop(this);
    return;
  }
  if (loop_->stopped()) return;
  auto* request = new CancelRequest(TaskRef<TaskBase>());  // a std::bad_alloc changes nothing
  add_ref();
  request->task = TaskRef<TaskBase>(this);
  loop_->post(request);
}

bool TaskBase::wait_done_thread(Clock::time_point deadline) {
  std::unique_lock<WaitLock> lock(mutex_);
  if (done()) return true;
  Waiter waiter;
  switch (loop_->wait(lock, done_waiters_, waiter, deadline)) {
    case WaitStatus::kNotified:
      return true;
    case WaitStatus::kTimedOut:
      return false;
    default:
      if (done()) return true;
      throw CancelledError("the runner stopped before task '" + name_ + "' finished");
  }
}

bool TaskBase::wait_done_task(Clock::time_point deadline) {
  std::unique_lock<WaitLock> lock(mutex_);
  if (done()) return true;
  Waiter waiter;
  switch (loop_->wait(lock, done_waiters_, waiter, deadline)) {
    case WaitStatus::kNotified:
      return true;
    case WaitStatus::kTimedOut:
      return false;
    default:
      throw CancelledError();
  }
}

void TaskBase::rethrow_if_failed() {
  switch (outcome_) {
    case Outcome::kError:
      error_retrieved_.store(true);
      std::rethrow_exception(error_);
    case Outcome::kCancelled:
      throw CancelledError("task '" + name_ + "' was cancelled");
    default:
      return;
  }
}

}  // namespace threaded_async::detail
