// Compiling a scenario document: parse the JSON, check every part against the
// language (docs/scenarios.md), and build the Program the interpreter runs.
// Problems are collected with the JSON Pointer of the place they belong to.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "playground/engine.hpp"
#include "program.hpp"

namespace playground {
namespace {

using json = nlohmann::json;

// Where a step may appear.
enum Where : unsigned { kThread = 1, kTask = 2, kBoth = 3 };

struct OpSpec {
  const char* name;
  Op op;
  unsigned where;
  std::vector<const char*> fields;  // besides "op" and "comment"
  const char* instead;              // what to use in the other place, for the error message
};

const std::vector<OpSpec>& op_specs() {
  static const std::vector<OpSpec> specs = {
      {"set", Op::kSet, kBoth, {"var", "value"}, ""},
      {"print", Op::kPrint, kBoth, {"value", "values"}, ""},
      {"if", Op::kIf, kBoth, {"cond", "then", "else"}, ""},
      {"while", Op::kWhile, kBoth, {"cond", "body"}, ""},
      {"for", Op::kFor, kBoth, {"var", "range", "body"}, ""},
      {"break", Op::kBreak, kBoth, {}, ""},
      {"continue", Op::kContinue, kBoth, {}, ""},
      {"pass", Op::kPass, kBoth, {}, ""},
      {"try", Op::kTry, kBoth, {"body", "except", "finally"}, ""},
      {"raise", Op::kRaise, kBoth, {"type", "message", "error"}, ""},
      {"assert", Op::kAssert, kBoth, {"cond", "message"}, ""},
      {"return", Op::kReturn, kBoth, {"value"}, ""},
      {"with_runner",
       Op::kWithRunner,
       kThread,
       {"as", "options", "body"},
       "create_task (a task runs on its runner already)"},
      {"with_server",
       Op::kWithServer,
       kThread,
       {"as", "queue_size", "options", "body"},
       "request (tasks are the server's clients)"},
      {"create_task", Op::kCreateTask, kBoth, {"task", "args", "name", "as"}, ""},
      {"create_background_task",
       Op::kCreateBackgroundTask,
       kThread,
       {"task", "args", "name", "as"},
       "create_task"},
      {"wait",
       Op::kWait,
       kThread,
       {"task", "event", "timeout", "as"},
       "result (for a task) or wait_async (for an event)"},
      {"result",
       Op::kResult,
       kTask,
       {"task", "future", "timeout", "as"},
       "wait (for a task) or result_wait (for a future)"},
      {"cancel", Op::kCancel, kBoth, {"task"}, ""},
      {"sleep", Op::kSleep, kBoth, {"seconds"}, ""},
      {"yield", Op::kYield, kTask, {}, "sleep"},
      {"spin", Op::kSpin, kBoth, {"seconds"}, ""},
      {"event", Op::kEvent, kBoth, {"as"}, ""},
      {"set_event", Op::kSetEvent, kBoth, {"event"}, ""},
      {"clear_event", Op::kClearEvent, kBoth, {"event"}, ""},
      {"wait_async", Op::kWaitAsync, kTask, {"event", "timeout"}, "wait"},
      {"queue", Op::kQueue, kBoth, {"as", "maxsize"}, ""},
      {"get", Op::kGet, kTask, {"queue", "timeout", "as"}, "get_wait"},
      {"put", Op::kPut, kTask, {"queue", "value", "timeout"}, "put_wait"},
      {"get_wait", Op::kGetWait, kThread, {"queue", "timeout", "as"}, "get"},
      {"put_wait", Op::kPutWait, kThread, {"queue", "value", "timeout"}, "put"},
      {"try_get", Op::kTryGet, kBoth, {"queue", "as"}, ""},
      {"try_put", Op::kTryPut, kBoth, {"queue", "value", "as"}, ""},
      {"future", Op::kFuture, kBoth, {"as"}, ""},
      {"set_result", Op::kSetResult, kBoth, {"future", "value"}, ""},
      {"set_exception", Op::kSetException, kBoth, {"future", "type", "message"}, ""},
      {"result_wait", Op::kResultWait, kThread, {"future", "timeout", "as"}, "result"},
      {"wait_for_next_eventloop_iteration",
       Op::kWaitForNextIteration,
       kThread,
       {"timeout"},
       "yield"},
      {"client", Op::kClient, kThread, {"as"}, "a client passed in as an argument"},
      {"request",
       Op::kRequest,
       kTask,
       {"client", "function", "args", "as"},
       "process (threads answer requests)"},
      {"process", Op::kProcess, kThread, {"timeout", "as"}, "request"},
      {"start_thread", Op::kStartThread, kThread, {"thread", "args", "name", "as"}, "create_task"},
      {"join", Op::kJoin, kThread, {"thread", "as"}, "result (for a task)"},
  };
  return specs;
}

struct ExprSpec {
  const char* name;
  ExprKind kind;
  int arity;  // operands; 0 = names a handle (a string); -1 = takes `true`
};

const std::vector<ExprSpec>& expr_specs() {
  static const std::vector<ExprSpec> specs = {
      {"var", ExprKind::kVar, 0},
      {"add", ExprKind::kAdd, 2},
      {"sub", ExprKind::kSub, 2},
      {"mul", ExprKind::kMul, 2},
      {"div", ExprKind::kDiv, 2},
      {"floordiv", ExprKind::kFloorDiv, 2},
      {"mod", ExprKind::kMod, 2},
      {"eq", ExprKind::kEq, 2},
      {"ne", ExprKind::kNe, 2},
      {"lt", ExprKind::kLt, 2},
      {"le", ExprKind::kLe, 2},
      {"gt", ExprKind::kGt, 2},
      {"ge", ExprKind::kGe, 2},
      {"and", ExprKind::kAnd, 2},
      {"or", ExprKind::kOr, 2},
      {"not", ExprKind::kNot, 1},
      {"neg", ExprKind::kNeg, 1},
      {"str", ExprKind::kStr, 1},
      {"repr", ExprKind::kRepr, 1},
      {"type_name", ExprKind::kTypeName, 1},
      {"exceptions", ExprKind::kExceptions, 1},
      {"done", ExprKind::kDone, 0},
      {"cancelled", ExprKind::kCancelled, 0},
      {"is_set", ExprKind::kIsSet, 0},
      {"qsize", ExprKind::kQsize, 0},
      {"empty", ExprKind::kEmpty, 0},
      {"full", ExprKind::kFull, 0},
      {"shutdown_type", ExprKind::kShutdownType, 0},
      {"is_running", ExprKind::kIsRunning, 0},
      {"in_task", ExprKind::kInTask, -1},
  };
  return specs;
}

std::string pointer_token(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

std::string json_kind(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

// Deepest nesting of arrays and objects in the text, without parsing it.
std::size_t nesting_depth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// The kinds of named bodies.
enum class Body { kTask, kHandler, kThread };

// What the compiler knows at one point of a body.
struct Scope {
  unsigned where = kThread;
  bool in_body = false;  // a task, handler or thread body (not the main program)
  bool in_handler = false;
  int loops = 0;
  int runners = 0;  // enclosing with_runner / with_server (thread side)
  int servers = 0;  // enclosing with_server (thread side)
  int excepts = 0;  // enclosing except clauses (a bare raise re-raises)
  std::set<std::string>* defined = nullptr;
};

class Compiler {
 public:
  Compiler(const Limits& limits, std::vector<Error>& errors) : limits_(limits), errors_(errors) {}

  std::unique_ptr<Program> run(const std::string& text) {
    if (text.size() > limits_.max_document_bytes) {
      fail("", "the document is " + std::to_string(text.size()) + " bytes; the limit is " +
                   std::to_string(limits_.max_document_bytes));
      return nullptr;
    }
    // The depth also bounds the engine's recursion, which runs on task stacks.
    const std::size_t max_depth = std::min<std::size_t>(limits_.max_depth, 64);
    if (nesting_depth(text) > max_depth) {
      fail("", "the document nests arrays and objects deeper than " + std::to_string(max_depth) +
                   " levels; flatten it");
      return nullptr;
    }
    json doc;
    try {
      doc = json::parse(text);
    } catch (const json::exception& e) {
      // "[json.exception.parse_error.101] parse error at line 1, column 9: ..." without the tag.
      const std::string what = e.what();
      const auto tag_end = what.find("] ");
      fail("",
           "not valid JSON: " + (tag_end == std::string::npos ? what : what.substr(tag_end + 2)));
      return nullptr;
    }
    if (!doc.is_object()) {
      fail("",
           "expected an object with \"main\" (and optionally \"tasks\", \"handlers\", "
           "\"globals\"), got " +
               json_kind(doc));
      return nullptr;
    }
    program_ = std::make_unique<Program>();
    check_fields(
        doc, "",
        {"$schema", "title", "description", "globals", "tasks", "handlers", "threads", "main"});
    for (const char* text_field : {"title", "description"}) {
      if (doc.contains(text_field) && !doc[text_field].is_string()) {
        fail(std::string("/") + text_field, "expected a string");
      }
    }
    compile_globals(doc);
    declare_defs(doc, "tasks", program_->tasks);
    declare_defs(doc, "handlers", program_->handlers);
    declare_defs(doc, "threads", program_->threads);
    compile_defs(doc, "tasks", program_->tasks, Body::kTask);
    compile_defs(doc, "handlers", program_->handlers, Body::kHandler);
    compile_defs(doc, "threads", program_->threads, Body::kThread);
    if (!doc.contains("main")) {
      fail("", "missing \"main\": the steps the main thread runs");
    } else {
      std::set<std::string> defined;
      Scope scope;
      scope.defined = &defined;
      compile_block(doc["main"], "/main", scope, program_->main);
    }
    if (!errors_.empty()) return nullptr;
    return std::move(program_);
  }

 private:
  void fail(const std::string& path, const std::string& message) {
    if (errors_.size() < 100) errors_.push_back(Error{path, message});
  }

  void check_fields(const json& obj, const std::string& path,
                    const std::vector<std::string>& allowed) {
    for (const auto& [key, value] : obj.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(path + "/" + pointer_token(key),
             "unknown field \"" + key + "\"; expected one of " + join(allowed));
      }
    }
  }

  bool is_global(const std::string& name) const { return program_->globals.count(name) != 0; }

  // A name that the scenario defines (a variable, task, queue...).
  bool check_identifier(const json& j, const std::string& path, const char* what) {
    if (!j.is_string() || j.get_ref<const std::string&>().empty()) {
      fail(path, std::string("expected ") + what + " (a non-empty string), got " + json_kind(j));
      return false;
    }
    return true;
  }

  std::optional<Value> literal(const json& j, const std::string& path) {
    switch (j.type()) {
      case json::value_t::null:
        return Value();
      case json::value_t::boolean:
        return Value(j.get<bool>());
      case json::value_t::number_integer:
        return Value(j.get<std::int64_t>());
      case json::value_t::number_unsigned:
        if (j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
          fail(path, "integer too large; integers are 64-bit signed");
          return std::nullopt;
        }
        return Value(static_cast<std::int64_t>(j.get<std::uint64_t>()));
      case json::value_t::number_float:
        return Value(j.get<double>());
      case json::value_t::string:
        return Value(j.get<std::string>());
      case json::value_t::array: {
        Tuple items;
        for (std::size_t i = 0; i < j.size(); ++i) {
          auto item = literal(j[i], path + "/" + std::to_string(i));
          if (!item) return std::nullopt;
          items.push_back(std::move(*item));
        }
        return make_tuple(std::move(items));
      }
      default:
        fail(path, "expected a literal value (null, boolean, number, string or array), got " +
                       json_kind(j));
        return std::nullopt;
    }
  }

  void compile_globals(const json& doc) {
    if (!doc.contains("globals")) return;
    const json& g = doc["globals"];
    if (!g.is_object()) {
      fail("/globals",
           "expected an object of global variables and their first values, got " + json_kind(g));
      return;
    }
    for (const auto& [name, value] : g.items()) {
      if (auto v = literal(value, "/globals/" + pointer_token(name))) {
        program_->globals[name] = std::move(*v);
      }
    }
  }

  void declare_defs(const json& doc, const char* key,
                    std::map<std::string, std::unique_ptr<TaskDef>>& defs) {
    if (!doc.contains(key)) return;
    const json& d = doc[key];
    const std::string path = std::string("/") + key;
    if (!d.is_object()) {
      fail(path, "expected an object of named bodies, got " + json_kind(d));
      return;
    }
    for (const auto& [name, def] : d.items()) {
      auto t = std::make_unique<TaskDef>();
      t->name = name;
      t->path = path + "/" + pointer_token(name);
      defs[name] = std::move(t);
    }
  }

  void compile_defs(const json& doc, const char* key,
                    std::map<std::string, std::unique_ptr<TaskDef>>& defs, Body kind) {
    const bool handlers = kind == Body::kHandler;
    for (auto& [name, def] : defs) {
      const json& d = doc[key][name];
      if (!d.is_object()) {
        fail(def->path, "expected an object with \"params\" and \"body\", got " + json_kind(d));
        continue;
      }
      check_fields(d, def->path, {"params", "body", "comment"});
      std::set<std::string> defined;
      if (handlers) defined.insert("future");
      if (d.contains("params")) {
        const json& p = d["params"];
        if (!p.is_array()) {
          fail(def->path + "/params", "expected an array of parameter names, got " + json_kind(p));
        } else {
          for (std::size_t i = 0; i < p.size(); ++i) {
            const std::string at = def->path + "/params/" + std::to_string(i);
            if (!check_identifier(p[i], at, "a parameter name")) continue;
            const auto& param = p[i].get_ref<const std::string&>();
            if (defined.count(param)) {
              fail(at, "parameter \"" + param + "\" is listed twice" +
                           (handlers && param == "future"
                                ? " (\"future\" is the handler's own parameter already)"
                                : ""));
            }
            defined.insert(param);
            def->params.push_back(param);
          }
        }
      }
      if (!d.contains("body")) {
        fail(def->path, "missing \"body\": the steps it runs");
        continue;
      }
      // A thread body uses the runners of the step that starts it; a handler, its server's.
      Scope scope;
      scope.where = kind == Body::kTask ? kTask : kThread;
      scope.in_body = true;
      scope.in_handler = handlers;
      scope.runners = kind == Body::kTask ? 0 : 1;
      scope.servers = handlers ? 1 : 0;
      scope.defined = &defined;
      compile_block(d["body"], def->path + "/body", scope, def->body);
    }
  }

  void compile_block(const json& j, const std::string& path, Scope& scope, Block& out) {
    if (!j.is_array()) {
      fail(path, "expected an array of steps, got " + json_kind(j));
      return;
    }
    for (std::size_t i = 0; i < j.size(); ++i) {
      out.emplace_back();
      compile_step(j[i], path + "/" + std::to_string(i), scope, out.back());
    }
  }

  // A variable that must have been assigned earlier (or be a global).
  void use_var(const json& j, const std::string& path, const Scope& scope, std::string& out,
               const char* what) {
    if (!check_identifier(j, path, what)) return;
    out = j.get<std::string>();
    if (!scope.defined->count(out) && !is_global(out)) {
      fail(path, "undefined variable \"" + out + "\"; " + what +
                     " must be assigned earlier (with \"as\", \"set\", or a parameter)" +
                     (scope.defined->empty() ? "" : "; defined here: " + defined_list(scope)));
    }
  }

  std::string defined_list(const Scope& scope) const {
    std::vector<std::string> names(scope.defined->begin(), scope.defined->end());
    for (const auto& [name, value] : program_->globals) names.push_back(name);
    return join(names);
  }

  void bind_var(const json& j, const std::string& path, Scope& scope, std::string& out) {
    if (!check_identifier(j, path, "a variable name")) return;
    out = j.get<std::string>();
    scope.defined->insert(out);
  }

  std::optional<Expr> expr(const json& j, const std::string& path, const Scope& scope) {
    Expr e;
    e.path = path;
    if (j.is_array()) {
      e.kind = ExprKind::kTuple;
      for (std::size_t i = 0; i < j.size(); ++i) {
        auto item = expr(j[i], path + "/" + std::to_string(i), scope);
        if (!item) return std::nullopt;
        e.args.push_back(std::move(*item));
      }
      return e;
    }
    if (!j.is_object()) {
      auto v = literal(j, path);
      if (!v) return std::nullopt;
      e.literal = std::move(*v);
      return e;
    }
    if (j.size() != 1) {
      fail(path,
           "an expression object has exactly one key, the operator (e.g. {\"var\": \"x\"} "
           "or {\"add\": [1, 2]}); got " +
               std::to_string(j.size()) + " keys");
      return std::nullopt;
    }
    const std::string key = j.begin().key();
    const json& arg = j.begin().value();
    const std::string at = path + "/" + pointer_token(key);
    const auto& specs = expr_specs();
    auto spec =
        std::find_if(specs.begin(), specs.end(), [&](const ExprSpec& s) { return key == s.name; });
    if (spec == specs.end()) {
      fail(at, "unknown operator \"" + key + "\"; expected one of " + join(expr_names()));
      return std::nullopt;
    }
    e.kind = spec->kind;
    if (spec->arity == -1) {
      if (!arg.is_boolean() || !arg.get<bool>()) {
        fail(at, std::string("write {\"") + spec->name + "\": true}");
        return std::nullopt;
      }
    } else if (spec->arity == 0) {
      use_var(arg, at, scope, e.name,
              spec->kind == ExprKind::kVar ? "a variable" : "the variable it queries");
      if (e.name.empty()) return std::nullopt;
    } else if (spec->arity == 1) {
      auto operand = expr(arg, at, scope);
      if (!operand) return std::nullopt;
      e.args.push_back(std::move(*operand));
    } else {
      if (!arg.is_array() || arg.size() != 2) {
        fail(at, std::string("\"") + spec->name + "\" takes an array of two operands, got " +
                     (arg.is_array() ? std::to_string(arg.size()) + " items" : json_kind(arg)));
        return std::nullopt;
      }
      for (std::size_t i = 0; i < 2; ++i) {
        auto operand = expr(arg[i], at + "/" + std::to_string(i), scope);
        if (!operand) return std::nullopt;
        e.args.push_back(std::move(*operand));
      }
    }
    return e;
  }

  void optional_expr(const json& step, const char* key, const std::string& path, const Scope& scope,
                     std::optional<Expr>& out) {
    if (step.contains(key)) out = expr(step[key], path + "/" + key, scope);
  }

  void required_expr(const json& step, const char* key, const std::string& path, const Scope& scope,
                     std::optional<Expr>& out, const char* op) {
    if (!step.contains(key)) {
      fail(path, std::string("missing \"") + key + "\" in " + op);
      return;
    }
    optional_expr(step, key, path, scope, out);
  }

  void exprs(const json& j, const std::string& path, const Scope& scope, std::vector<Expr>& out) {
    if (!j.is_array()) {
      fail(path, "expected an array of values, got " + json_kind(j));
      return;
    }
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (auto e = expr(j[i], path + "/" + std::to_string(i), scope)) out.push_back(std::move(*e));
    }
  }

  void required_ref(const json& step, const char* key, const std::string& path, const Scope& scope,
                    std::string& out, const char* op) {
    if (!step.contains(key)) {
      fail(path,
           std::string("missing \"") + key + "\" in " + op + ": the variable holding the " + key);
      return;
    }
    use_var(step[key], path + "/" + key, scope, out, "the variable it names");
  }

  void optional_as(const json& step, const std::string& path, Scope& scope, Step& out) {
    if (step.contains("as")) bind_var(step["as"], path + "/as", scope, out.as);
  }

  void sub_block(const json& step, const char* key, const std::string& path, Scope& scope,
                 Block& out, const char* op) {
    if (!step.contains(key)) {
      fail(path, std::string("missing \"") + key + "\" in " + op + ": an array of steps");
      return;
    }
    compile_block(step[key], path + "/" + key, scope, out);
  }

  void runner_options(const json& step, const std::string& path, RunnerSpec& spec) {
    if (!step.contains("options")) return;
    const json& o = step["options"];
    const std::string at = path + "/options";
    if (!o.is_object()) {
      fail(at, "expected an object of runner options, got " + json_kind(o));
      return;
    }
    check_fields(o, at, {"exit_timeout", "call_in_loop_timeout", "name"});
    auto seconds = [&](const char* key, std::optional<RunnerSpec::Seconds>& out) {
      if (!o.contains(key)) return;
      const json& v = o[key];
      if (v.is_null()) {
        out = RunnerSpec::Seconds{true, 0};
      } else if (v.is_number() && v.get<double>() >= 0 && v.get<double>() <= limits_.wall_time_s) {
        out = RunnerSpec::Seconds{false, v.get<double>()};
      } else {
        fail(at + "/" + key, "expected seconds between 0 and the run's wall-time limit (" +
                                 std::to_string(limits_.wall_time_s) + "), or null for no limit");
      }
    };
    seconds("exit_timeout", spec.exit_timeout);
    seconds("call_in_loop_timeout", spec.call_in_loop_timeout);
    if (o.contains("name")) {
      if (o["name"].is_string()) {
        spec.name = o["name"].get<std::string>();
      } else {
        fail(at + "/name", "expected a string");
      }
    }
  }

  // create_task, create_background_task (key "task") and start_thread (key "thread").
  void body_call(const json& step, const std::string& path, const Scope& scope, Step& out,
                 const char* op, const char* key,
                 const std::map<std::string, std::unique_ptr<TaskDef>>& defs) {
    const std::string section = std::string(key) + "s";
    if (!step.contains(key)) {
      fail(path, std::string("missing \"") + key + "\" in " + op + ": the name of a body in \"" +
                     section + "\"");
    } else if (check_identifier(step[key], path + "/" + key, "a body's name")) {
      const auto& name = step[key].get_ref<const std::string&>();
      auto it = defs.find(name);
      if (it == defs.end()) {
        std::vector<std::string> names;
        for (const auto& [n, d] : defs) names.push_back(n);
        fail(path + "/" + key, "undefined " + std::string(key) + " \"" + name + "\"; " +
                                   (names.empty() ? "\"" + section + "\" defines none"
                                                  : "expected one of " + join(names)));
      } else {
        out.task = it->second.get();
      }
    }
    if (step.contains("args")) exprs(step["args"], path + "/args", scope, out.args);
    if (out.task && out.args.size() != out.task->params.size()) {
      fail(path + (step.contains("args") ? "/args" : ""),
           std::string(key) + " \"" + out.task->name + "\" takes " +
               std::to_string(out.task->params.size()) + " argument(s) (" + join(out.task->params) +
               "), got " + std::to_string(out.args.size()));
    }
    optional_expr(step, "name", path, scope, out.name);
  }

  void compile_step(const json& j, const std::string& path, Scope& scope, Step& out) {
    out.path = path;
    if (!j.is_object()) {
      fail(path, "expected a step (an object with \"op\"), got " + json_kind(j));
      return;
    }
    if (!j.contains("op")) {
      fail(path, "missing \"op\"; expected one of " + join(op_names()));
      return;
    }
    const json& opj = j["op"];
    const auto& specs = op_specs();
    auto spec = specs.end();
    if (opj.is_string()) {
      spec = std::find_if(specs.begin(), specs.end(), [&](const OpSpec& s) {
        return opj.get_ref<const std::string&>() == s.name;
      });
    }
    if (spec == specs.end()) {
      fail(path + "/op", (opj.is_string() ? "unknown op \"" + opj.get<std::string>() + "\""
                                          : "\"op\" must be a string") +
                             "; expected one of " + join(op_names()));
      return;
    }
    out.op = spec->op;
    const char* op = spec->name;
    std::vector<std::string> allowed = {"op", "comment"};
    for (const char* f : spec->fields) allowed.push_back(f);
    check_fields(j, path, allowed);
    if (!(spec->where & scope.where)) {
      const bool thread = scope.where == kThread;
      fail(path + "/op", std::string("\"") + op + "\" " +
                             (thread ? "runs inside a task, not on a thread"
                                     : "runs on a thread, not inside a task") +
                             (scope.in_handler ? " (handlers run on the server's thread)" : "") +
                             "; use " + spec->instead);
      return;
    }
    const bool thread = scope.where == kThread;
    auto need_runner = [&] {
      if (thread && scope.runners == 0) {
        fail(path + "/op", std::string("\"") + op +
                               "\" needs a runner: put it inside the body of with_runner or "
                               "with_server");
      }
    };
    auto need_server = [&] {
      if (thread && scope.servers == 0) {
        fail(path + "/op",
             std::string("\"") + op + "\" needs a server: put it inside the body of with_server");
      }
    };

    switch (out.op) {
      case Op::kSet:
        required_expr(j, "value", path, scope, out.value, op);
        if (!j.contains("var")) {
          fail(path, "missing \"var\" in set: the variable to assign");
        } else {
          bind_var(j["var"], path + "/var", scope, out.var);
        }
        break;
      case Op::kPrint:
        if (j.contains("value") == j.contains("values")) {
          fail(path,
               "print takes \"value\" (one value) or \"values\" (an array, printed "
               "separated by spaces), not both or neither");
        } else if (j.contains("value")) {
          if (auto e = expr(j["value"], path + "/value", scope)) out.args.push_back(std::move(*e));
        } else {
          exprs(j["values"], path + "/values", scope, out.args);
        }
        break;
      case Op::kIf:
        required_expr(j, "cond", path, scope, out.cond, op);
        sub_block(j, "then", path, scope, out.body, op);
        if (j.contains("else")) compile_block(j["else"], path + "/else", scope, out.orelse);
        break;
      case Op::kWhile:
        required_expr(j, "cond", path, scope, out.cond, op);
        ++scope.loops;
        sub_block(j, "body", path, scope, out.body, op);
        --scope.loops;
        break;
      case Op::kFor: {
        if (!j.contains("range")) {
          fail(path, "missing \"range\" in for: a stop, or [start, stop] or [start, stop, step]");
        } else if (j["range"].is_array()) {
          if (j["range"].empty() || j["range"].size() > 3) {
            fail(path + "/range", "expected [stop], [start, stop] or [start, stop, step]");
          }
          exprs(j["range"], path + "/range", scope, out.args);
        } else if (auto e = expr(j["range"], path + "/range", scope)) {
          out.args.push_back(std::move(*e));
        }
        if (!j.contains("var")) {
          fail(path, "missing \"var\" in for: the loop variable");
        } else {
          bind_var(j["var"], path + "/var", scope, out.var);
        }
        ++scope.loops;
        sub_block(j, "body", path, scope, out.body, op);
        --scope.loops;
        break;
      }
      case Op::kBreak:
      case Op::kContinue:
        if (scope.loops == 0) fail(path + "/op", std::string("\"") + op + "\" outside a loop");
        break;
      case Op::kPass:
        break;
      case Op::kTry:
        compile_try(j, path, scope, out);
        break;
      case Op::kRaise:
        if (j.contains("type")) {
          if (check_identifier(j["type"], path + "/type", "an exception type name")) {
            out.error_type = j["type"].get<std::string>();
          }
          if (j.contains("error")) fail(path + "/error", "give \"type\" or \"error\", not both");
          optional_expr(j, "message", path, scope, out.message);
        } else if (j.contains("error")) {
          optional_expr(j, "error", path, scope, out.error);
          if (j.contains("message")) fail(path + "/message", "\"message\" goes with \"type\"");
        } else if (scope.excepts == 0) {
          fail(path,
               "raise needs \"type\" (and \"message\"), or \"error\"; a bare raise "
               "re-raises only inside an except body");
        }
        break;
      case Op::kAssert:
        required_expr(j, "cond", path, scope, out.cond, op);
        optional_expr(j, "message", path, scope, out.message);
        break;
      case Op::kReturn:
        if (!scope.in_body) {
          fail(path + "/op",
               "\"return\" ends a task, handler or thread body; the main program "
               "just ends after its last step");
        }
        optional_expr(j, "value", path, scope, out.value);
        break;
      case Op::kStartThread:
        body_call(j, path, scope, out, op, "thread", program_->threads);
        optional_as(j, path, scope, out);
        break;
      case Op::kJoin:
        required_ref(j, "thread", path, scope, out.target, op);
        optional_as(j, path, scope, out);
        break;
      case Op::kWithRunner:
      case Op::kWithServer: {
        if (scope.in_handler) {
          fail(path + "/op", std::string("\"") + op + "\" cannot run inside a handler");
        }
        runner_options(j, path, out.runner);
        if (out.op == Op::kWithServer && j.contains("queue_size")) {
          const json& q = j["queue_size"];
          if (!q.is_number_integer() || q.get<std::int64_t>() < 1 ||
              q.get<std::uint64_t>() > limits_.max_queue_items) {
            fail(path + "/queue_size",
                 "expected an integer from 1 to " + std::to_string(limits_.max_queue_items));
          } else {
            out.runner.queue_size = q.get<std::size_t>();
          }
        }
        optional_as(j, path, scope, out);
        ++scope.runners;
        if (out.op == Op::kWithServer) ++scope.servers;
        sub_block(j, "body", path, scope, out.body, op);
        --scope.runners;
        if (out.op == Op::kWithServer) --scope.servers;
        break;
      }
      case Op::kCreateTask:
        need_runner();
        body_call(j, path, scope, out, op, "task", program_->tasks);
        optional_as(j, path, scope, out);
        break;
      case Op::kCreateBackgroundTask:
        need_server();
        body_call(j, path, scope, out, op, "task", program_->tasks);
        optional_as(j, path, scope, out);
        break;
      case Op::kWait:
        if (j.contains("task") == j.contains("event")) {
          fail(path, "wait takes \"task\" or \"event\" (one of them)");
        } else {
          out.second_kind = j.contains("event");
          required_ref(j, j.contains("task") ? "task" : "event", path, scope, out.target, op);
        }
        optional_expr(j, "timeout", path, scope, out.timeout);
        optional_as(j, path, scope, out);
        break;
      case Op::kResult:
        if (j.contains("task") == j.contains("future")) {
          fail(path, "result takes \"task\" or \"future\" (one of them)");
        } else {
          out.second_kind = j.contains("future");
          required_ref(j, out.second_kind ? "future" : "task", path, scope, out.target, op);
        }
        optional_expr(j, "timeout", path, scope, out.timeout);
        optional_as(j, path, scope, out);
        break;
      case Op::kCancel:
        required_ref(j, "task", path, scope, out.target, op);
        break;
      case Op::kSleep:
        required_expr(j, "seconds", path, scope, out.seconds, op);
        break;
      case Op::kYield:
        break;
      case Op::kSpin:
        optional_expr(j, "seconds", path, scope, out.seconds);
        break;
      case Op::kEvent:
      case Op::kQueue:
      case Op::kFuture:
        need_runner();
        if (out.op == Op::kQueue) optional_expr(j, "maxsize", path, scope, out.maxsize);
        if (!j.contains("as")) {
          fail(path, std::string("missing \"as\" in ") + op + ": the variable that will hold it");
        }
        optional_as(j, path, scope, out);
        break;
      case Op::kSetEvent:
      case Op::kClearEvent:
        required_ref(j, "event", path, scope, out.target, op);
        break;
      case Op::kWaitAsync:
        required_ref(j, "event", path, scope, out.target, op);
        optional_expr(j, "timeout", path, scope, out.timeout);
        break;
      case Op::kGet:
      case Op::kGetWait:
      case Op::kTryGet:
        required_ref(j, "queue", path, scope, out.target, op);
        if (out.op != Op::kTryGet) optional_expr(j, "timeout", path, scope, out.timeout);
        optional_as(j, path, scope, out);
        break;
      case Op::kPut:
      case Op::kPutWait:
      case Op::kTryPut:
        required_ref(j, "queue", path, scope, out.target, op);
        required_expr(j, "value", path, scope, out.value, op);
        if (out.op != Op::kTryPut) optional_expr(j, "timeout", path, scope, out.timeout);
        optional_as(j, path, scope, out);
        break;
      case Op::kSetResult:
        required_ref(j, "future", path, scope, out.target, op);
        optional_expr(j, "value", path, scope, out.value);
        break;
      case Op::kSetException:
        required_ref(j, "future", path, scope, out.target, op);
        if (!j.contains("type")) {
          fail(path, "missing \"type\" in set_exception: the exception's type name");
        } else if (check_identifier(j["type"], path + "/type", "an exception type name")) {
          out.error_type = j["type"].get<std::string>();
        }
        optional_expr(j, "message", path, scope, out.message);
        break;
      case Op::kResultWait:
        required_ref(j, "future", path, scope, out.target, op);
        optional_expr(j, "timeout", path, scope, out.timeout);
        optional_as(j, path, scope, out);
        break;
      case Op::kWaitForNextIteration:
        need_runner();
        optional_expr(j, "timeout", path, scope, out.timeout);
        break;
      case Op::kClient:
        need_server();
        if (!j.contains("as"))
          fail(path, "missing \"as\" in client: the variable that will hold it");
        optional_as(j, path, scope, out);
        break;
      case Op::kRequest:
        required_ref(j, "client", path, scope, out.target, op);
        if (!j.contains("function")) {
          fail(path, "missing \"function\" in request: the name of a handler in \"handlers\"");
        } else if (check_identifier(j["function"], path + "/function", "a handler name")) {
          out.function = j["function"].get<std::string>();
          auto it = program_->handlers.find(out.function);
          if (it == program_->handlers.end()) {
            std::vector<std::string> names;
            for (const auto& [n, d] : program_->handlers) names.push_back(n);
            fail(path + "/function", "undefined handler \"" + out.function + "\"; " +
                                         (names.empty() ? std::string("\"handlers\" defines none")
                                                        : "expected one of " + join(names)));
          }
        }
        if (j.contains("args")) exprs(j["args"], path + "/args", scope, out.args);
        optional_as(j, path, scope, out);
        break;
      case Op::kProcess:
        need_server();
        optional_expr(j, "timeout", path, scope, out.timeout);
        optional_as(j, path, scope, out);
        break;
    }
  }

  void compile_try(const json& j, const std::string& path, Scope& scope, Step& out) {
    sub_block(j, "body", path, scope, out.body, "try");
    if (!j.contains("except") && !j.contains("finally")) {
      fail(path, "try needs \"except\" (an array of handlers) or \"finally\" (steps), or both");
    }
    if (j.contains("except")) {
      const json& ex = j["except"];
      if (!ex.is_array()) {
        fail(path + "/except",
             "expected an array of {\"type\", \"as\", \"body\"}, got " + json_kind(ex));
      } else {
        for (std::size_t i = 0; i < ex.size(); ++i) {
          const std::string at = path + "/except/" + std::to_string(i);
          Except e;
          e.path = at;
          const json& c = ex[i];
          if (!c.is_object()) {
            fail(at, "expected {\"type\": \"ValueError\", \"as\": \"e\", \"body\": [...]}, got " +
                         json_kind(c));
            continue;
          }
          check_fields(c, at, {"type", "as", "body", "comment"});
          if (!c.contains("type")) {
            fail(at,
                 "missing \"type\": the exception type (or an array of types) it catches; "
                 "\"Exception\" catches every error except CancelledError");
          } else if (c["type"].is_array()) {
            for (std::size_t k = 0; k < c["type"].size(); ++k) {
              if (check_identifier(c["type"][k], at + "/type/" + std::to_string(k),
                                   "an exception type name")) {
                e.types.push_back(c["type"][k].get<std::string>());
              }
            }
          } else if (check_identifier(c["type"], at + "/type", "an exception type name")) {
            e.types.push_back(c["type"].get<std::string>());
          }
          if (c.contains("as")) bind_var(c["as"], at + "/as", scope, e.as);
          ++scope.excepts;
          sub_block(c, "body", at, scope, e.body, "except");
          --scope.excepts;
          out.excepts.push_back(std::move(e));
        }
      }
    }
    if (j.contains("finally")) compile_block(j["finally"], path + "/finally", scope, out.finally);
  }

  const Limits& limits_;
  std::vector<Error>& errors_;
  std::unique_ptr<Program> program_;
};

}  // namespace

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (const auto& s : op_specs()) names.push_back(s.name);
  return names;
}

std::vector<std::string> expr_names() {
  std::vector<std::string> names;
  for (const auto& s : expr_specs()) names.push_back(s.name);
  return names;
}

std::unique_ptr<Program> compile(const std::string& json_text, const Limits& limits,
                                 std::vector<Error>& errors) {
  return Compiler(limits, errors).run(json_text);
}

}  // namespace playground
