// The library's exceptions.
//
//   EventLoopTimeoutError  a blocking call ran out of time (says what and how long)
//   CancelledError         the task was cancelled (by cancel() or by shutdown)
//   ForcedThreadShutdown   thrown into stuck code by a forced stop (not a std::exception)
//   ResourceError          memory, kernel mappings, a thread or a task's stack ran out
//   ExceptionGroup         errors of tasks that nobody retrieved, raised when a runner closes
//   UsageError             wrong use of the API; its subclasses say which kind:
//     WouldDeadlockError   a thread-side wait called on the runner's own loop thread
//     NotInTaskError       a task-side call (sleep, get, put, result...) from outside a task
//     RunnerStoppedError   a primitive or runner used after its runner stopped
//     InvalidStateError    e.g. a Future set twice
//     TypeMismatchError    a value of the wrong type (control inversion)
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace threaded_async {

// A blocking call ran out of time; the message says what and how long.
class EventLoopTimeoutError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
// The message of a CancelledError made without one, built once: copies share
// it, so that cancelling a task never needs memory.
const std::runtime_error& cancelled_error_prototype();
}  // namespace detail

// The task was cancelled (by cancel() or by shutdown).
class CancelledError : public std::runtime_error {
 public:
  // "the task was cancelled". Never allocates once a runner has been made.
  CancelledError() : std::runtime_error(detail::cancelled_error_prototype()) {}
  using std::runtime_error::runtime_error;
};

// A resource ran out: memory, the kernel's mappings, a thread for a runner, a
// stack for a task. The message names what ran out and what changes it (an
// option, a limit). Thrown by the call that needed it; a task whose stack
// could not be made on the loop thread fails with it, and wait() rethrows it.
class ResourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown into the stuck code of a loop that is forced down, so that it unwinds:
// its destructors run and the locks its RAII guards hold are released
// (docs/stuck_loops.md says when a forced stop can do this). Like the seed's
// ForcedThreadShutdown (a SystemExit), it is not a std::exception, so
// `catch (const std::exception&)` lets it pass; a `catch (...)` that does not
// rethrow it keeps the code stuck, and the stop then abandons the stack.
class ForcedThreadShutdown {
 public:
  // "the loop thread is being forced down".
  const char* what() const noexcept { return "the loop thread is being forced down"; }
};

// Wrong use of the API; its subclasses say which kind.
class UsageError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

// A wait that could never end: a thread-side wait on the runner's own loop
// thread, or a blocking call on the browser's main thread.
class WouldDeadlockError : public UsageError {
 public:
  using UsageError::UsageError;
};

// A task-side call (sleep, get, put, result...) from outside a task.
class NotInTaskError : public UsageError {
 public:
  using UsageError::UsageError;
};

// A primitive or runner used after its runner stopped.
class RunnerStoppedError : public UsageError {
 public:
  using UsageError::UsageError;
};

// A call that the object's state does not allow, e.g. a Future set twice.
class InvalidStateError : public UsageError {
 public:
  using UsageError::UsageError;
};

// A value of the wrong type (control inversion).
class TypeMismatchError : public UsageError {
 public:
  using UsageError::UsageError;
};

// "std::invalid_argument('This is an error')": the exception's type and message,
// in the spirit of Python's repr().
std::string describe_exception(const std::exception_ptr& e);

// The errors of tasks that failed and whose errors nobody retrieved, in task order.
class ExceptionGroup : public std::exception {
 public:
  // Holds `exceptions`, in that order.
  explicit ExceptionGroup(std::vector<std::exception_ptr> exceptions);

  // The errors, in task order.
  const std::vector<std::exception_ptr>& exceptions() const noexcept { return exceptions_; }
  // "(std::invalid_argument('This is an error'), std::runtime_error('x'))".
  const std::string& describe() const noexcept { return description_; }
  // "2 unretrieved task errors: " and describe().
  const char* what() const noexcept override { return what_.c_str(); }

 private:
  std::vector<std::exception_ptr> exceptions_;
  std::string description_;
  std::string what_;
};

}  // namespace threaded_async
