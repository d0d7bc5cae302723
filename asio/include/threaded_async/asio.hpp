// Asio in tasks, and Asio code on the runner's loop (docs/asio.md).
//
//   RunnerExecutor     an Asio executor whose work runs on a runner's loop thread
//   asio_executor()    the executor of a runner (or of the calling task's runner)
//   use_task           the completion token that makes a task wait for an operation
//
// Inside a task, `std::size_t n = socket.async_read_some(buffer, use_task);`
// suspends only that task until the operation completes and returns its
// result; an error is thrown as asio::system_error (a std::system_error).
// Cancelling the task, or leaving the runner, cancels the operation (Asio's
// per-operation cancellation) and the task sees CancelledError;
// `use_task.within(200ms)` cancels it at the deadline and throws
// EventLoopTimeoutError. I/O objects are made with the runner's executor and
// must be destroyed before the runner is, as with an io_context.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include <asio/async_result.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/execution.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/system_error.hpp>

#include "threaded_async/async_runner.hpp"
#include "threaded_async/detail/event_loop.hpp"
#include "threaded_async/detail/futex.hpp"
#include "threaded_async/detail/reactor.hpp"
#include "threaded_async/errors.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

namespace detail {

// A runner's Asio side: the io_context whose reactor the loop waits on while
// I/O is pending, and the count of operations pending (executors that track
// work). One per runner, made on first use, living as long as the loop.
class AsioBridge final : public Reactor {
 public:
  explicit AsioBridge(EventLoop& loop);
  ~AsioBridge() override;

  EventLoop& loop() const noexcept { return loop_; }
  asio::io_context& context() noexcept { return context_; }
  void work_started() noexcept { work_.fetch_add(1, std::memory_order_relaxed); }
  void work_finished() noexcept { work_.fetch_sub(1, std::memory_order_relaxed); }

  bool pending() const noexcept override { return work_.load(std::memory_order_relaxed) > 0; }
  void poll() override;
  void prepare_wait() override;
  void wait_until(Clock::time_point deadline) override;
  void interrupt() noexcept override;

  // The bridge of `loop`, made and installed on first use. Any thread.
  static AsioBridge& of(EventLoop& loop);

 private:
  EventLoop& loop_;
  std::atomic<long> work_{0};  // before context_: handlers destroyed with it decrement it
  asio::io_context context_{1};
  // Keeps the io_context from running out of work, so that its wait blocks.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running_;
  // What interrupt() changes to end the wait's select() in WebAssembly (asio/src/select_sleep.hpp).
  FutexWord select_wakes_{0};
};

// A function queued by RunnerExecutor::execute.
template <class F>
class ExecutedFunction final : public LoopCallback {
 public:
  template <class G>
  explicit ExecutedFunction(G&& g) : f_(std::forward<G>(g)) {}

 private:
  void invoke() override { std::move(f_)(); }
  F f_;
};

}  // namespace detail

// An Asio executor (the standard executor model of Asio 1.22) whose work runs
// on a runner's loop thread, beside its tasks: callbacks, completion handlers
// and co_spawn coroutines. Its execution context is the runner's io_context,
// so sockets, timers, resolvers, descriptors and signal sets are made with it.
// Never blocks: execute() queues the function on the loop from any thread;
// the blocking.possibly copy that Asio uses for completions and dispatch()
// runs it at once when called on the loop thread outside a task (inside the
// loop's poll of the io_context), as an io_context's executor would. Cheap to copy; a copy that
// tracks work counts as pending I/O, which makes the loop's idle wait the io_context's wait while
// it lives.
class RunnerExecutor {
 public:
  // The executor of `bridge`'s runner; `tracked`: it counts as pending work.
  RunnerExecutor(detail::AsioBridge& bridge, bool tracked) noexcept
      : bridge_(&bridge), tracked_(tracked) {
    if (tracked_) bridge_->work_started();
  }
  // A copy (tracking work if `other` does).
  RunnerExecutor(const RunnerExecutor& other) noexcept
      : RunnerExecutor(*other.bridge_, other.tracked_, other.possibly_) {}
  // Takes over `other`'s tracked work.
  RunnerExecutor(RunnerExecutor&& other) noexcept
      : bridge_(other.bridge_),
        tracked_(std::exchange(other.tracked_, false)),
        possibly_(other.possibly_) {}
  // Copies `other`.
  RunnerExecutor& operator=(const RunnerExecutor& other) noexcept {
    RunnerExecutor copy(other);
    return *this = std::move(copy);
  }
  // Takes over `other`.
  RunnerExecutor& operator=(RunnerExecutor&& other) noexcept {
    if (this != &other) {
      if (tracked_) bridge_->work_finished();
      bridge_ = other.bridge_;
      tracked_ = std::exchange(other.tracked_, false);
      possibly_ = other.possibly_;
    }
    return *this;
  }
  // Ends the work it tracks, if it tracks any.
  ~RunnerExecutor() {
    if (tracked_) bridge_->work_finished();
  }

  // Queues f() to run on the loop thread (from a loop iteration, not inside
  // this call). Any thread; never blocks. Once the runner has stopped, f is
  // destroyed without running. A blocking.possibly executor called on the
  // loop thread outside a task runs f at once instead.
  template <class F>
  void execute(F&& f) const {
    if (possibly_ && bridge_->loop().on_loop_thread() &&
        detail::EventLoop::current_task() == nullptr) {
      std::forward<F>(f)();
      return;
    }
    bridge_->loop().post(new detail::ExecutedFunction<std::decay_t<F>>(std::forward<F>(f)));
  }

  // The execution context: the runner's io_context (for making I/O objects).
  asio::io_context& query(asio::execution::context_t) const noexcept { return bridge_->context(); }
  // blocking.never, or blocking.possibly for the copy that require() made so.
  constexpr asio::execution::blocking_t query(asio::execution::blocking_t) const noexcept {
    return possibly_ ? asio::execution::blocking_t(asio::execution::blocking.possibly)
                     : asio::execution::blocking_t(asio::execution::blocking.never);
  }
  // Whether this executor counts as pending work.
  constexpr asio::execution::outstanding_work_t query(
      asio::execution::outstanding_work_t) const noexcept {
    return tracked_
               ? asio::execution::outstanding_work_t(asio::execution::outstanding_work.tracked)
               : asio::execution::outstanding_work_t(asio::execution::outstanding_work.untracked);
  }
  // A copy whose execute() always queues the function.
  RunnerExecutor require(asio::execution::blocking_t::never_t) const noexcept {
    return RunnerExecutor(*bridge_, tracked_, false);
  }
  // A copy whose execute() runs the function at once on the loop thread outside a task.
  RunnerExecutor require(asio::execution::blocking_t::possibly_t) const noexcept {
    return RunnerExecutor(*bridge_, tracked_, true);
  }
  // A copy that counts as pending work while it lives.
  RunnerExecutor require(asio::execution::outstanding_work_t::tracked_t) const noexcept {
    return RunnerExecutor(*bridge_, true, possibly_);
  }
  // A copy that does not count as pending work.
  RunnerExecutor require(asio::execution::outstanding_work_t::untracked_t) const noexcept {
    return RunnerExecutor(*bridge_, false, possibly_);
  }

  // Equal when they run on the same runner and have the same properties.
  friend bool operator==(const RunnerExecutor& a, const RunnerExecutor& b) noexcept {
    return a.bridge_ == b.bridge_ && a.tracked_ == b.tracked_ && a.possibly_ == b.possibly_;
  }
  // Not operator==.
  friend bool operator!=(const RunnerExecutor& a, const RunnerExecutor& b) noexcept {
    return !(a == b);
  }

 private:
  RunnerExecutor(detail::AsioBridge& bridge, bool tracked, bool possibly) noexcept
      : RunnerExecutor(bridge, tracked) {
    possibly_ = possibly;
  }
  detail::AsioBridge* bridge_;
  bool tracked_;
  bool possibly_ = false;
};

// The Asio executor of `runner`'s loop. Any thread; never blocks. The first
// call on a runner makes its io_context.
RunnerExecutor asio_executor(const AsyncRunner& runner);
// The Asio executor of the calling task's runner. Inside a task only
// (NotInTaskError elsewhere).
RunnerExecutor asio_executor();

// The type of use_task: a completion token that makes the calling task wait
// for the operation (see the file comment). Inside a task only: an operation
// started with it on a plain thread throws NotInTaskError and does not start.
class UseTask {
 public:
  // No deadline.
  constexpr UseTask() noexcept = default;
  // The same token with a deadline: the operation is cancelled once `timeout`
  // has passed since it started, and the task throws EventLoopTimeoutError.
  constexpr UseTask within(Timeout timeout) const noexcept {
    UseTask token;
    token.timeout_ = timeout;
    return token;
  }
  // The deadline's timeout; Timeout::forever() for none.
  constexpr Timeout timeout() const noexcept { return timeout_; }

 private:
  Timeout timeout_ = Timeout::forever();
};

// The completion token: `socket.async_read_some(buffer, use_task)`.
inline constexpr UseTask use_task{};

namespace detail {

// One operation that a task waits for: on the task's stack until its handler ran.
class AsioOperation {
 public:
  explicit AsioOperation(EventLoop& loop, TaskBase& task) noexcept : loop_(loop), task_(task) {}
  asio::cancellation_slot slot() noexcept { return cancel_.slot(); }
  // The handler ran (loop thread): wakes the task.
  void complete() noexcept;
  // Suspends the task until the handler ran. On cancellation or at `deadline`
  // cancels the operation, waits for its handler, then throws CancelledError
  // or EventLoopTimeoutError (naming `timeout`).
  void await(Clock::time_point deadline, Timeout timeout);

 private:
  EventLoop& loop_;
  TaskBase& task_;
  Waiter* waiter_ = nullptr;
  bool completed_ = false;
  asio::cancellation_signal cancel_;
};

template <class... Ts>
struct Values {
  using type = std::tuple<Ts...>;
};
template <class T>
struct Values<T> {
  using type = T;
};
template <>
struct Values<> {
  using type = void;
};

// What use_task returns for a completion signature's arguments: a leading
// error_code or exception_ptr is thrown, not returned; then nothing, the one
// value, or a tuple of them.
template <class... Args>
struct UseTaskResult : Values<Args...> {
  static constexpr std::size_t kSkip = 0;
};
template <class... Rest>
struct UseTaskResult<std::error_code, Rest...> : Values<Rest...> {
  static constexpr std::size_t kSkip = 1;
};
template <class... Rest>
struct UseTaskResult<std::exception_ptr, Rest...> : Values<Rest...> {
  static constexpr std::size_t kSkip = 1;
};

template <class... Args>
struct UseTaskState {
  AsioOperation operation;
  std::optional<std::tuple<Args...>> values;
};

// The completion handler that use_task makes: stores the arguments and wakes
// the task. Its executor is the task's runner's, so it runs on the loop thread.
template <class... Args>
class UseTaskHandler {
 public:
  using executor_type = RunnerExecutor;
  using cancellation_slot_type = asio::cancellation_slot;

  UseTaskHandler(UseTaskState<Args...>& state, RunnerExecutor executor) noexcept
      : state_(&state), executor_(std::move(executor)) {}
  executor_type get_executor() const noexcept { return executor_; }
  cancellation_slot_type get_cancellation_slot() const noexcept { return state_->operation.slot(); }
  void operator()(Args... args) {
    state_->values.emplace(std::move(args)...);
    state_->operation.complete();
  }

 private:
  UseTaskState<Args...>* state_;
  RunnerExecutor executor_;
};

template <std::size_t Skip, class Tuple, std::size_t... I>
auto take_values(Tuple&& values, std::index_sequence<I...>) {
  if constexpr (sizeof...(I) == 1) {
    return std::get<Skip>(std::move(values));
  } else if constexpr (sizeof...(I) > 1) {
    return std::make_tuple(std::get<Skip + I>(std::move(values))...);
  }
}

template <class... Args>
typename UseTaskResult<std::decay_t<Args>...>::type take_result(std::tuple<Args...>&& values) {
  using Result = UseTaskResult<std::decay_t<Args>...>;
  if constexpr (Result::kSkip == 1) {
    auto& first = std::get<0>(values);
    if constexpr (std::is_same_v<std::decay_t<decltype(first)>, std::error_code>) {
      if (first) throw asio::system_error(first);
    } else {
      if (first) std::rethrow_exception(first);
    }
  }
  return take_values<Result::kSkip>(std::move(values),
                                    std::make_index_sequence<sizeof...(Args) - Result::kSkip>());
}

}  // namespace detail
}  // namespace threaded_async

namespace asio {

// How Asio starts an operation with threaded_async::use_task: the task waits
// on its stack for the handler and returns what it was given.
template <class... Args>
class async_result<threaded_async::UseTask, void(Args...)> {
 public:
  // What the operation returns in the task.
  using return_type = typename threaded_async::detail::UseTaskResult<std::decay_t<Args>...>::type;

  // Starts the operation and suspends the calling task until it completed.
  template <class Initiation, class... InitArgs>
  static return_type initiate(Initiation&& initiation, threaded_async::UseTask token,
                              InitArgs&&... args) {
    namespace detail = threaded_async::detail;
    auto& task = detail::EventLoop::require_task("use_task", "asio::use_future");
    detail::EventLoop& loop = task.loop();
    loop.deliver_cancellation(task);
    const threaded_async::Timeout timeout = loop.resolve(token.timeout());
    const auto deadline = timeout.deadline();
    detail::UseTaskState<std::decay_t<Args>...> state{detail::AsioOperation(loop, task), {}};
    std::move(initiation)(
        detail::UseTaskHandler<std::decay_t<Args>...>(
            state, threaded_async::RunnerExecutor(detail::AsioBridge::of(loop), false)),
        std::forward<InitArgs>(args)...);
    state.operation.await(deadline, timeout);
    return detail::take_result(std::move(*state.values));
  }
};

}  // namespace asio
