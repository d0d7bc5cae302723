// Control inversion: a task (the client) makes requests that a plain thread
// (the server, e.g. a game's update loop) answers when it chooses.
//
//   class Stub : public ta::Client {              // typed stubs over execute()
//    public:
//     using ta::Client::Client;
//     int increment(int n) { return execute<int>(&Stub::increment, n); }
//   };
//   class MyServer : public ta::Server {          // the thread's side
//     void handle_request(ta::ExecutionRequest& request, ta::Promise& future) override;
//   };
//
// Server::process() hands one queued request to handle_request() and returns
// once the client has reacted to the answer (run until it waits again), so
// what the two sides print interleaves the same way every run.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeindex>
#include <typeinfo>
#include <utility>

#include "threaded_async/async_runner.hpp"
#include "threaded_async/detail/value_slot.hpp"
#include "threaded_async/errors.hpp"
#include "threaded_async/future.hpp"
#include "threaded_async/queue.hpp"
#include "threaded_async/timeout.hpp"

namespace threaded_async {

class Server;

namespace detail {

std::string type_name(const std::type_info& type);

// Which member function a request asked for: its type and its bytes.
class FunctionId {
 public:
  FunctionId() = default;
  template <class M>
  explicit FunctionId(M fn) : type_(&typeid(M)), size_(sizeof(M)) {
    static_assert(sizeof(M) <= sizeof(bytes_), "member function pointer too large");
    std::memcpy(bytes_, &fn, sizeof(M));
  }
  bool operator==(const FunctionId& o) const noexcept {
    return type_ != nullptr && o.type_ != nullptr && *type_ == *o.type_ && size_ == o.size_ &&
           std::memcmp(bytes_, o.bytes_, size_) == 0;
  }

 private:
  const std::type_info* type_ = nullptr;
  std::size_t size_ = 0;
  unsigned char bytes_[2 * sizeof(void*)] = {};
};

template <class M>
struct MemberTraits;
template <class R, class C, class... A>
struct MemberTraits<R (C::*)(A...)> {
  using Result = R;
  using Class = C;
  using Params = std::tuple<std::decay_t<A>...>;
};
template <class R, class C, class... A>
struct MemberTraits<R (C::*)(A...) const> : MemberTraits<R (C::*)(A...)> {};

// "(int, std::string)".
template <class... T>
std::string type_names(const std::tuple<T...>*) {
  std::string out = "(";
  bool first = true;
  ((out += first ? "" : ", ", out += type_name(typeid(T)), first = false), ...);
  return out + ")";
}
template <class Tuple>
std::string tuple_type_names() {
  return type_names(static_cast<const Tuple*>(nullptr));
}

// "Stub::increment" for fn = &Stub::increment, read off the compiler's name of this function.
template <auto Fn>
std::string member_name() {
  const std::string pretty = __PRETTY_FUNCTION__;
  const auto at = pretty.find("Fn = &");
  if (at == std::string::npos) return pretty;
  const auto begin = at + 6;
  const auto end = pretty.find_first_of(";]", begin);
  return pretty.substr(begin, end - begin);
}

// The typed end of a Promise: a Future<R> the client waits on.
class PromiseSlot {
 public:
  virtual ~PromiseSlot() = default;
  virtual const std::type_info& result_type() const noexcept = 0;
  // Sets the result from a value of type `type` at `value` (moved from; left
  // untouched if the type is wrong).
  virtual void set_value(const std::type_info& type, void* value) = 0;
  virtual void set_void() = 0;
  virtual void set_exception(std::exception_ptr error) = 0;
  virtual bool done() const = 0;
};

template <class R>
class PromiseSlotOf final : public PromiseSlot {
 public:
  PromiseSlotOf(Future<R> future, std::string request_name)
      : future_(std::move(future)), name_(std::move(request_name)) {}
  const std::type_info& result_type() const noexcept override { return typeid(R); }
  void set_value(const std::type_info& type, void* value) override {
    if constexpr (std::is_void_v<R>) {
      mismatch(type);
    } else {
      if (type == typeid(R)) {
        future_.set_result(std::move(*static_cast<std::remove_const_t<R>*>(value)));
      } else if constexpr (std::is_same_v<R, std::string>) {
        if (type != typeid(const char*)) mismatch(type);
        future_.set_result(std::string(*static_cast<const char**>(value)));
      } else {
        mismatch(type);
      }
    }
  }
  void set_void() override {
    if constexpr (std::is_void_v<R>) {
      future_.set_result();
    } else {
      mismatch(typeid(void));
    }
  }
  void set_exception(std::exception_ptr error) override { future_.set_exception(std::move(error)); }
  bool done() const override { return future_.done(); }

 private:
  [[noreturn]] void mismatch(const std::type_info& got) const {
    throw TypeMismatchError("the answer to " + name_ + " must be of type " + type_name(typeid(R)) +
                            ", not " + type_name(got));
  }
  Future<R> future_;
  std::string name_;
};

}  // namespace detail

// One request from a client: which stub function was asked for, and its arguments.
// Copies share the arguments.
class ExecutionRequest {
 public:
  // True if the request was made for `fn` (compared as the seed compares functions).
  template <class M>
  bool is(M fn) const {
    return detail::FunctionId(fn) == function_;
  }
  // A readable name for messages: "Stub::increment".
  const std::string& name() const noexcept { return name_; }
  // The arguments, typed; TypeMismatchError if they are not exactly A...
  // Read like a task's result: copyable arguments stay readable, each read
  // copies them; move-only ones are moved out by the first read. Never blocks.
  template <class... A>
  std::tuple<A...> args() const& {
    return slot<A...>().read("ExecutionRequest::args", "the argument tuple of request", name_);
  }
  // The same, moving the arguments out (no copy); later reads throw InvalidStateError.
  template <class... A>
  std::tuple<A...> args() && {
    return slot<A...>().take("ExecutionRequest::args", "the argument tuple of request", name_);
  }
  // How many arguments the request carries.
  std::size_t arg_count() const noexcept { return arg_count_; }
  // "(int)": the types of the arguments.
  const std::string& arg_types() const noexcept { return args_names_; }

  // For the library's own use: the arguments are built in place from `args`.
  template <class Tuple, class... Args>
  ExecutionRequest(detail::FunctionId function, std::string name, std::in_place_type_t<Tuple>,
                   Args&&... args)
      : function_(function),
        name_(std::move(name)),
        args_(std::make_shared<detail::ValueSlot<Tuple>>()),
        args_type_(&typeid(Tuple)),
        args_names_(detail::tuple_type_names<Tuple>()),
        arg_count_(std::tuple_size_v<Tuple>) {
    static_cast<detail::ValueSlot<Tuple>*>(args_.get())->emplace(std::forward<Args>(args)...);
  }

 private:
  template <class... A>
  detail::ValueSlot<std::tuple<A...>>& slot() const {
    using Tuple = std::tuple<A...>;
    if (*args_type_ != typeid(Tuple)) {
      throw TypeMismatchError("the arguments of " + name_ + " are " + args_names_ + ", not " +
                              detail::tuple_type_names<Tuple>());
    }
    return *static_cast<detail::ValueSlot<Tuple>*>(args_.get());
  }

  detail::FunctionId function_;
  std::string name_;
  std::shared_ptr<void> args_;  // a ValueSlot<tuple of the arguments>
  const std::type_info* args_type_;
  std::string args_names_;
  std::size_t arg_count_;
};

// The answer side of a request, handed to Server::handle_request. Typed at
// run time: set_result with a value of another type than the stub's result
// throws TypeMismatchError. Cheap to copy; a handler may keep it and answer
// later, from any thread.
class Promise {
 public:
  // Never blocks. InvalidStateError if already answered. An rvalue answer is
  // moved to the client (no copy); an lvalue is copied once.
  template <class U>
  void set_result(U&& value) {
    using V = std::decay_t<U>;
    if constexpr (std::is_array_v<std::remove_reference_t<U>> || std::is_same_v<V, char*>) {
      const char* text = value;
      slot_->set_value(typeid(const char*), &text);
    } else if constexpr (std::is_same_v<U&&, V&&>) {
      slot_->set_value(typeid(V), std::addressof(value));
    } else {
      static_assert(std::is_copy_constructible_v<V>,
                    "Promise::set_result: the answer is an lvalue of a move-only type; pass "
                    "std::move(answer)");
      if constexpr (std::is_copy_constructible_v<V>) {
        V copy(value);
        slot_->set_value(typeid(V), std::addressof(copy));
      }
    }
  }
  // Answers a request whose client expects no value. Any thread; never blocks.
  void set_result() { slot_->set_void(); }
  // Answers with an exception, which the client's call rethrows. Any thread; never blocks.
  void set_exception(std::exception_ptr error) { slot_->set_exception(std::move(error)); }
  // True once answered. Never blocks.
  bool done() const { return slot_->done(); }
  // The type the client expects.
  const std::type_info& result_type() const noexcept { return slot_->result_type(); }

  // For the library's own use.
  explicit Promise(std::shared_ptr<detail::PromiseSlot> slot) : slot_(std::move(slot)) {}

 private:
  std::shared_ptr<detail::PromiseSlot> slot_;
};

namespace detail {
struct PendingRequest {
  std::shared_ptr<ExecutionRequest> request;
  Promise promise;
};
}  // namespace detail

// The task side: makes requests and suspends until the server answers.
// Subclass it with typed stub methods. A cheap handle: copies share the server.
class Client {
 public:
  // A client of `server`, whose runner runs the client's tasks.
  explicit Client(Server& server);

 protected:
  // Inside a task: sends a request for `fn` with `args` to the server and
  // suspends until it is answered; returns the answer or rethrows the error
  // the handler set or threw. R defaults to fn's result type. The arguments
  // are moved (copied, from lvalues) into the request once; the answer is
  // moved to the caller, never copied.
  template <class R = void, class M, class... Args>
  auto execute(M fn, Args&&... args) {
    using Traits = detail::MemberTraits<M>;
    using Result = std::conditional_t<std::is_void_v<R>, typename Traits::Result, R>;
    using Tuple = typename Traits::Params;
    if constexpr (can_send<Tuple, Args...>()) {
      return execute_as<Result, Tuple>(detail::FunctionId(fn),
                                       detail::type_name(typeid(typename Traits::Class)) + "::<" +
                                           detail::type_name(typeid(typename Traits::Result)) +
                                           " " + detail::tuple_type_names<Tuple>() + ">",
                                       std::forward<Args>(args)...);
    }
  }
  // The same, with the stub function as a template argument: execute<&Stub::increment>(n).
  // Requests then carry the function's own name ("Stub::increment") for messages.
  template <auto Fn, class... Args>
  auto execute(Args&&... args) {
    using Traits = detail::MemberTraits<decltype(Fn)>;
    using Tuple = typename Traits::Params;
    if constexpr (can_send<Tuple, Args...>()) {
      return execute_as<typename Traits::Result, Tuple>(
          detail::FunctionId(Fn), detail::member_name<Fn>(), std::forward<Args>(args)...);
    }
  }

 private:
  // True if `args` make the stub's parameters; otherwise a static_assert says what to change.
  template <class Tuple, class... Args>
  static constexpr bool can_send() {
    constexpr bool value = std::is_constructible_v<Tuple, Args&&...>;
    static_assert(value,
                  "execute: the arguments do not match the stub function's parameters; pass one "
                  "per parameter, each convertible to it (std::move(x) for a move-only one)");
    return value;
  }
  template <class Result, class Tuple, class... Args>
  Result execute_as(detail::FunctionId id, std::string name, Args&&... args);
  std::shared_ptr<detail::EventLoop> loop_;
  Queue<detail::PendingRequest> requests_;
};

// The thread side: owns a runner and a bounded queue of requests.
class Server {
 public:
  // Starts the server's runner (blocks until its loop completed one iteration).
  explicit Server(std::size_t queue_size = 10, RunnerOptions options = {});
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  // Leaves the runner: tasks waiting on requests are cancelled.
  virtual ~Server() noexcept(false) = default;

  // If a request is queued, takes it, hands it to handle_request, and, if it
  // was answered, blocks until the client has reacted (run until it waits
  // again; at most `timeout`). Returns false at once if no request is queued.
  // A handler that throws fails that request's client with the error.
  bool process(Timeout timeout = {});

  // Creates a task and waits for the loop to catch up, so requests the task
  // issues at once are already queued when this returns.
  template <class F, class... Args>
  auto create_background_task(F&& f, Args&&... args) {
    if constexpr (detail::can_spawn<F, Args...>()) {
      auto task = runner_.create_task(std::forward<F>(f), std::forward<Args>(args)...);
      runner_.wait_for_next_eventloop_iteration();
      return task;
    }
  }
  // A plain client of this server (subclasses of Client add typed stubs).
  Client create_client() { return Client(*this); }
  // A future whose waiting tasks run on this server's runner.
  template <class T>
  Future<T> create_future() {
    return Future<T>(runner_);
  }

  // The runner's call_in_loop_timeout and exit_timeout, under the seed's names.
  Timeout event_loop_timeout() const { return runner_.options().call_in_loop_timeout; }
  // Sets the runner's call_in_loop_timeout.
  void set_event_loop_timeout(Timeout timeout) { runner_.set_call_in_loop_timeout(timeout); }
  // The runner's exit_timeout.
  Timeout event_loop_exit_timeout() const { return runner_.options().exit_timeout; }
  // Sets the runner's exit_timeout.
  void set_event_loop_exit_timeout(Timeout timeout) { runner_.set_exit_timeout(timeout); }
  // The bound of the request queue (0: none).
  std::size_t queue_size() const noexcept { return requests_.maxsize(); }

  // The runner that runs the server's tasks.
  AsyncRunner& runner() noexcept { return runner_; }
  // Leaves the runner now (throws ExceptionGroup for unretrieved task errors).
  void close() { runner_.close(); }

 protected:
  // The server's part: answer `future` now, or keep it and answer later.
  virtual void handle_request(ExecutionRequest& request, Promise& future) = 0;

 private:
  friend class Client;
  AsyncRunner runner_;
  Queue<detail::PendingRequest> requests_;
};

template <class Result, class Tuple, class... Args>
Result Client::execute_as(detail::FunctionId id, std::string name, Args&&... args) {
  detail::EventLoop::require_task("Client::execute",
                                  "Server::create_background_task to run the client in a task");
  Future<Result> answer(loop_);
  auto request = std::make_shared<ExecutionRequest>(id, name, std::in_place_type<Tuple>,
                                                    std::forward<Args>(args)...);
  Promise promise(std::make_shared<detail::PromiseSlotOf<Result>>(answer, std::move(name)));
  requests_.put(detail::PendingRequest{std::move(request), std::move(promise)});
  return std::move(answer).result();
}

}  // namespace threaded_async
