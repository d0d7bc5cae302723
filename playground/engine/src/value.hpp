// Values of the scenario language, and the errors scenarios raise.
//
// Scalars (None, bool, int, float, str) behave as in Python; tuples are
// immutable; handles (tasks, events, queues, futures, runners, clients,
// promises) are shared, so copying a value never copies the thing it names.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace playground {

struct Value;
using Tuple = std::vector<Value>;

// An immutable tuple; `weight` bounds the work of printing or comparing it
// (one per item, plus the length of each string, counted through nesting).
struct TupleValue {
  Tuple items;
  std::size_t weight = 0;
};

// An exception as the scenario sees it: a type name and a message
// (ValueError('This is an error')); an ExceptionGroup also has members.
struct ErrorValue {
  std::string type;
  std::string message;
  std::vector<Value> members;
};

struct TaskHandle;
struct EventHandle;
struct QueueHandle;
struct FutureHandle;
struct RunnerHandle;
struct ClientHandle;
struct PromiseHandle;
struct ThreadHandle;

struct Value {
  using Storage = std::variant<
      std::monostate, bool, std::int64_t, double, std::string, std::shared_ptr<const TupleValue>,
      std::shared_ptr<const ErrorValue>, std::shared_ptr<TaskHandle>, std::shared_ptr<EventHandle>,
      std::shared_ptr<QueueHandle>, std::shared_ptr<FutureHandle>, std::shared_ptr<RunnerHandle>,
      std::shared_ptr<ClientHandle>, std::shared_ptr<PromiseHandle>, std::shared_ptr<ThreadHandle>>;
  Storage v;

  Value() = default;
  template <class T>
  Value(T x) : v(std::move(x)) {}  // NOLINT: values convert implicitly, as in Python

  template <class T>
  const T* get() const {
    return std::get_if<T>(&v);
  }
  bool is_none() const { return std::holds_alternative<std::monostate>(v); }
};

Value make_tuple(Tuple items);
// The weight of a value inside a tuple (see TupleValue).
std::size_t weight(const Value& value);
Value make_error(std::string type, std::string message, std::vector<Value> members = {});

// Python's type(x).__name__ for the scenario's values: "int", "Queue", ...
std::string type_name(const Value& value);
// Python's str(x) and repr(x).
std::string str(const Value& value);
std::string repr(const Value& value);
// Python's truth value.
bool truthy(const Value& value);
// Python's ==.
bool equal(const Value& a, const Value& b);

// Thrown by scenario code (raise, and the engine's own runtime errors such as
// TypeError): carries the scenario's type name and message, and the JSON
// Pointer of the step that raised it.
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string type, std::string message, std::string path = {},
                std::vector<Value> members = {});
  const std::string& type() const noexcept { return type_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& path() const noexcept { return path_; }
  const std::vector<Value>& members() const noexcept { return members_; }
  Value value() const;

 private:
  std::string type_;
  std::string message_;
  std::string path_;
  std::vector<Value> members_;
};

// A bound of the run was hit, or the run is being aborted because another
// thread hit one. Scenario code cannot catch it.
class LimitError : public std::runtime_error {
 public:
  LimitError(std::string path, const std::string& message)
      : std::runtime_error(message), path_(std::move(path)) {}
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace playground
