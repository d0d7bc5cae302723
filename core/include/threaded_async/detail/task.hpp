// Task<T, F>: a task that runs one callable with its arguments and keeps its result.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "threaded_async/detail/task_base.hpp"

namespace threaded_async::detail {

// Storage for a result; void results store nothing.
template <class T>
struct ResultSlot {
  std::optional<T> value;
  template <class F>
  void produce(F&& f) {
    value.emplace(std::forward<F>(f)());
  }
  T get() const { return *value; }
};
template <>
struct ResultSlot<void> {
  template <class F>
  void produce(F&& f) {
    std::forward<F>(f)();
  }
  void get() const {}
};

template <class T>
class TaskOf : public TaskBase {
 public:
  using TaskBase::TaskBase;
  T result() const { return slot_.get(); }

 protected:
  ResultSlot<T> slot_;
};

template <class T, class F, class... Args>
class Task final : public TaskOf<T> {
 public:
  Task(std::shared_ptr<EventLoop> loop, std::string name, std::uint64_t sequence, F f, Args... args)
      : TaskOf<T>(std::move(loop), std::move(name), sequence),
        fn_(std::move(f)),
        args_(std::move(args)...) {}

 protected:
  void run_body() override {
    this->slot_.produce([this]() -> T { return std::apply(fn_, std::move(args_)); });
  }

 private:
  F fn_;
  std::tuple<Args...> args_;
};

}  // namespace threaded_async::detail
