// AsyncRunner: options, starting, leaving.
#include "threaded_async/async_runner.hpp"

#include <cstdio>
#include <exception>

#include "threaded_async/errors.hpp"

namespace threaded_async {
namespace {

detail::LoopOptions loop_options(const RunnerOptions& o) {
  if (o.exit_timeout.is_runner_default()) {
    throw UsageError("RunnerOptions::exit_timeout must be a duration or Timeout::forever()");
  }
  if (o.call_in_loop_timeout.is_runner_default()) {
    throw UsageError(
        "RunnerOptions::call_in_loop_timeout must be a duration or Timeout::forever(); it is "
        "itself the runner's default");
  }
  if (o.stack_size < 16 * 1024) {
    throw UsageError("RunnerOptions::stack_size must be at least 16 KiB (got " +
                     std::to_string(o.stack_size) + " bytes)");
  }
  detail::LoopOptions l;
  l.exit_timeout = o.exit_timeout;
  l.call_in_loop_timeout = o.call_in_loop_timeout;
  l.fiber.stack_size = o.stack_size;
  l.fiber.guard_pages = o.guard_pages;
  l.name = o.name;
  l.report_forced_stop = o.report_forced_stop;
  if (o.watchdog_after.is_runner_default()) {
    throw UsageError(
        "RunnerOptions::watchdog_after must be a duration or Timeout::forever() (off)");
  }
  l.watchdog_after = o.watchdog_after;
  l.on_stuck = o.on_stuck;
  return l;
}

}  // namespace

AsyncRunner::AsyncRunner(RunnerOptions options)
    : options_(std::move(options)),
      loop_(std::make_shared<detail::EventLoop>(loop_options(options_))) {
  loop_->start();
}

AsyncRunner::~AsyncRunner() noexcept(false) { leave(std::uncaught_exceptions() == 0); }

void AsyncRunner::close() { leave(true); }

void AsyncRunner::leave(bool may_throw) {
  loop_->close();
  std::vector<std::exception_ptr> errors = loop_->take_unretrieved_errors();
  if (errors.empty()) return;
  ExceptionGroup group(std::move(errors));
  if (may_throw) throw group;
  std::fprintf(stderr,
               "threaded_async: runner '%s' left while another exception was in flight; "
               "dropping %s\n",
               options_.name.c_str(), group.what());
}

void AsyncRunner::wait_for_next_eventloop_iteration(Timeout timeout) {
  loop_->check_thread_side("AsyncRunner::wait_for_next_eventloop_iteration",
                           "threaded_async::yield");
  loop_->check_running("AsyncRunner::wait_for_next_eventloop_iteration");
  const Timeout resolved = loop_->resolve(timeout);
  if (!loop_->wait_next_iteration(resolved.deadline())) {
    throw EventLoopTimeoutError("wait_for_next_eventloop_iteration timed out after " +
                                resolved.describe() + ": the loop of runner '" + options_.name +
                                "' did not complete an iteration");
  }
}

void AsyncRunner::set_call_in_loop_timeout(Timeout timeout) {
  RunnerOptions o = options_;
  o.call_in_loop_timeout = timeout;
  loop_->set_timeouts(loop_options(o));
  options_ = o;
}

void AsyncRunner::set_exit_timeout(Timeout timeout) {
  RunnerOptions o = options_;
  o.exit_timeout = timeout;
  loop_->set_timeouts(loop_options(o));
  options_ = o;
}

}  // namespace threaded_async
