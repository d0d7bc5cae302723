// The untyped part of Future.
#include "threaded_async/future.hpp"

namespace threaded_async::detail {

void FutureCore::await(Timeout timeout, const char* what) {
  loop_->check_running(what);
  std::unique_lock<WaitLock> lock(lock_);
  if (!done_) {
    Waiter waiter;
    switch (loop_->wait(lock, waiters_, waiter, timeout.deadline())) {
      case WaitStatus::kNotified:
        break;
      case WaitStatus::kTimedOut:
        throw EventLoopTimeoutError(std::string(what) + " timed out after " + timeout.describe());
      default:
        throw CancelledError();
    }
  }
  if (error_) std::rethrow_exception(error_);
}

}  // namespace threaded_async::detail
