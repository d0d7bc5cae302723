// The Asio bridge: a runner's io_context as the loop's reactor, its
// executor, and how a task waits for an operation started with use_task.
#include <memory>
#include <string>

#include "select_sleep.hpp"
#include "threaded_async/asio.hpp"

namespace threaded_async {
namespace detail {

AsioBridge::AsioBridge(EventLoop& loop) : loop_(loop), keep_running_(context_.get_executor()) {}

AsioBridge::~AsioBridge() = default;

// A stop() (an interrupt) left over from a wait that ended otherwise makes
// poll() return early once; what it left runs from the next wait.
void AsioBridge::poll() {
  if (context_.stopped()) context_.restart();
  context_.poll();
}

void AsioBridge::prepare_wait() { context_.restart(); }

void AsioBridge::wait_until(Clock::time_point deadline) {
  const SelectSleep sleep(select_wakes_);
  context_.run_one_until(deadline);
}

// stop() first: a sleeping select() reads the word before it polls Asio's
// interrupter, which stop() writes, so a wake that comes between the two is
// seen by the poll, and one after them changes the word it sleeps on.
void AsioBridge::interrupt() noexcept {
  context_.stop();
  wake_select_sleep(select_wakes_);
}

AsioBridge& AsioBridge::of(EventLoop& loop) {
  if (Reactor* reactor = loop.reactor()) return static_cast<AsioBridge&>(*reactor);
  return static_cast<AsioBridge&>(*loop.install_reactor(std::make_unique<AsioBridge>(loop)));
}

void AsioOperation::complete() noexcept {
  completed_ = true;
  if (waiter_ != nullptr) waiter_->notify();
}

void AsioOperation::await(Clock::time_point deadline, Timeout timeout) {
  if (completed_) return;  // a handler whose executor ran it inside the call
  Waiter waiter;
  waiter.task = &task_;
  waiter_ = &waiter;
  const WaitStatus status = loop_.suspend(waiter, deadline);
  waiter_ = nullptr;
  if (status == WaitStatus::kNotified) return;
  // Cancelled or timed out: the operation still uses this frame (its handler,
  // its buffers) until its handler ran, so it is cancelled and waited for.
  if (!completed_) {
    cancel_.emit(asio::cancellation_type::all);
    Waiter handler_ran;
    handler_ran.task = &task_;
    handler_ran.cancellable = false;
    waiter_ = &handler_ran;
    loop_.suspend(handler_ran, Clock::time_point::max());
    waiter_ = nullptr;
  }
  if (status == WaitStatus::kTimedOut) {
    throw EventLoopTimeoutError("use_task.within(" + timeout.describe() +
                                "): the operation did not complete in time and was cancelled");
  }
  loop_.forced_stop_point();  // a task that swallows its cancellation and waits on
  throw CancelledError();
}

}  // namespace detail

RunnerExecutor asio_executor(const AsyncRunner& runner) {
  return RunnerExecutor(detail::AsioBridge::of(*runner.loop()), false);
}

RunnerExecutor asio_executor() {
  auto& task = detail::EventLoop::require_task("asio_executor()", "asio_executor(runner)");
  return RunnerExecutor(detail::AsioBridge::of(task.loop()), false);
}

}  // namespace threaded_async
