// A compiled scenario: the document's steps and expressions, checked, each
// with the JSON Pointer it came from.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "value.hpp"

namespace playground {

enum class ExprKind {
  kLiteral,
  kVar,
  kTuple,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kFloorDiv,
  kMod,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kNot,
  kNeg,
  kStr,
  kRepr,
  kTypeName,
  kExceptions,
  kDone,
  kCancelled,
  kIsSet,
  kQsize,
  kEmpty,
  kFull,
  kShutdownType,
  kIsRunning,
  kInTask,
};

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  std::string path;
  Value literal;           // kLiteral
  std::string name;        // kVar and the queries that name a handle
  std::vector<Expr> args;  // operands
};

enum class Op {
  kSet,
  kPrint,
  kIf,
  kWhile,
  kFor,
  kBreak,
  kContinue,
  kPass,
  kTry,
  kRaise,
  kAssert,
  kReturn,
  kWithRunner,
  kWithServer,
  kCreateTask,
  kCreateBackgroundTask,
  kWait,
  kResult,
  kCancel,
  kSleep,
  kYield,
  kSpin,
  kEvent,
  kSetEvent,
  kClearEvent,
  kWaitAsync,
  kQueue,
  kGet,
  kPut,
  kGetWait,
  kPutWait,
  kTryGet,
  kTryPut,
  kFuture,
  kSetResult,
  kSetException,
  kResultWait,
  kWaitForNextIteration,
  kClient,
  kRequest,
  kProcess,
  kStartThread,
  kJoin,
};

struct Step;
using Block = std::vector<Step>;

struct Except {
  std::string path;
  std::vector<std::string> types;  // matches if the error is one of these (or a subclass)
  std::string as;
  Block body;
};

// Runner options; an absent timeout keeps the library's default.
struct RunnerSpec {
  struct Seconds {
    bool forever = false;
    double seconds = 0;
  };
  std::optional<Seconds> exit_timeout;
  std::optional<Seconds> call_in_loop_timeout;
  std::string name;
  std::size_t queue_size = 10;  // servers only
};

struct TaskDef;

struct Step {
  Op op = Op::kPass;
  std::string path;
  std::string target;             // the variable naming the handle the step acts on
  bool second_kind = false;       // wait: an event, result: a future (rather than a task)
  std::string as;                 // the variable the step's result goes to
  std::string var;                // set, for
  std::string error_type;         // raise, set_exception
  const TaskDef* task = nullptr;  // create_task, start_thread: the body it starts
  std::string function;           // request
  std::optional<Expr> value, cond, timeout, message, error, seconds, maxsize, name;
  std::vector<Expr> args;  // create_task, request, print, for's range
  Block body, orelse, finally;
  std::vector<Except> excepts;
  RunnerSpec runner;
};

struct TaskDef {
  std::string name;
  std::string path;
  std::vector<std::string> params;
  Block body;
};

struct Program {
  std::map<std::string, Value> globals;
  std::map<std::string, std::unique_ptr<TaskDef>> tasks;
  std::map<std::string, std::unique_ptr<TaskDef>> handlers;  // the server's, by function name
  std::map<std::string, std::unique_ptr<TaskDef>> threads;   // bodies of plain threads
  Block main;
};

struct Limits;
struct Error;

// Parses and checks the document; the program, or the problems found.
std::unique_ptr<Program> compile(const std::string& json, const Limits& limits,
                                 std::vector<Error>& errors);

// The names the language knows, for error messages and the schema test.
std::vector<std::string> op_names();
std::vector<std::string> expr_names();

}  // namespace playground
