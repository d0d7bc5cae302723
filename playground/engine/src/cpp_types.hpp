// The C++ types of a scenario's values, for the C++ generator (emit_cpp.cpp).
//
// A scenario's values are typed at run time, as in Python; the C++ program a
// user writes needs one type per variable. infer_types() finds them by
// following what flows where: a task's parameters take the types of the
// arguments it is created with, a queue's items the types of what is put into
// it, a future's the type it is set with; None beside an int makes a
// std::optional<int>. Values that no single C++ type fits are reported.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "playground/engine.hpp"
#include "program.hpp"

namespace playground::cpp {

struct Type {
  enum class Kind {
    kUnknown,  // nothing flowed here (yet)
    kNone,
    kBool,
    kInt,
    kFloat,
    kStr,
    kOptional,  // args[0] or None
    kError,     // a caught exception; `error` names the scenario type caught, if one
    kGroup,     // a caught ExceptionGroup
    kErrors,    // the errors of an ExceptionGroup (e.exceptions)
    kShutdown,  // a runner's shutdown type
    kTask,      // of args[0], the task's result
    kEvent,
    kQueue,    // of args[0]
    kFuture,   // of args[0]
    kPromise,  // answers with args[0]
    kRunner,
    kServer,
    kClient,
    kThread,  // returns args[0]
  };
  Kind kind = Kind::kUnknown;
  std::vector<Type> args;
  std::string error;

  static Type of(Kind kind, std::vector<Type> args = {}) { return Type{kind, std::move(args), {}}; }
  bool is(Kind k) const { return kind == k; }
  // The item, result or answer type of a parameterised kind.
  Type item() const { return args.empty() ? Type{} : args[0]; }
  bool operator==(const Type&) const = default;
};

// Where variables live: the key of a function body ("main", "task foo",
// "handler increment", "thread producer") or, for globals, "global".
struct Types {
  std::map<std::string, Type> slots;  // "<body>/<name>", "<body>/return"
  const Program* program = nullptr;

  std::string var_key(const std::string& body, const std::string& name) const;
  Type var(const std::string& body, const std::string& name) const;
  Type result(const std::string& body) const { return get(body + "/return"); }
  Type get(const std::string& key) const;
  // The type of an expression in `body` (kUnknown for what has no C++ form).
  Type of(const Expr& e, const std::string& body) const;
};

// "int", "std::optional<std::string>", "ta::Queue<int>", for messages and declarations.
std::string spell(const Type& type);

// The keys of the program's bodies.
inline std::string task_key(const std::string& name) { return "task " + name; }
inline std::string handler_key(const std::string& name) { return "handler " + name; }
inline std::string thread_key(const std::string& name) { return "thread " + name; }

// Infers every slot's type; problems go to `errors` (path and message).
Types infer_types(const Program& program, std::vector<Error>& errors);

}  // namespace playground::cpp
