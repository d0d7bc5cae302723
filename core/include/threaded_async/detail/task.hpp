// Task<T, F>: a task that runs one callable with its arguments and keeps its result.
#pragma once

#include <memory>
#include <string>
#include <tuple>
#include <utility>

#include "threaded_async/detail/task_base.hpp"
#include "threaded_async/detail/value_slot.hpp"

namespace threaded_async::detail {

template <class T>
class TaskOf : public TaskBase {
 public:
  using TaskBase::TaskBase;
  // The result of a task that finished with one, by the rule of ValueSlot:
  // read_result copies a copyable result and moves a move-only one out (once);
  // take_result moves it out (once). `what` names the call for the error.
  T read_result(const char* what) { return slot_.read(what, "the result of task", name()); }
  T take_result(const char* what) { return slot_.take(what, "the result of task", name()); }

 protected:
  ValueSlot<T> slot_;
};

template <class T, class F, class... Args>
class Task final : public TaskOf<T> {
 public:
  // The function and the arguments are moved (or copied, from lvalues) once, into the task.
  template <class G, class... A>
  Task(std::shared_ptr<EventLoop> loop, std::string name, std::uint64_t sequence, G&& f,
       A&&... args)
      : TaskOf<T>(std::move(loop), std::move(name), sequence),
        fn_(std::forward<G>(f)),
        args_(std::forward<A>(args)...) {}

 protected:
  // Calls the function once, as std::thread does: it and its arguments as rvalues.
  void run_body() override {
    this->slot_.produce([this]() -> T { return std::apply(std::move(fn_), std::move(args_)); });
  }

 private:
  F fn_;
  std::tuple<Args...> args_;
};

}  // namespace threaded_async::detail
