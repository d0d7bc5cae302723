// The C++ generator: a scenario as the program a user of threaded_async would
// write (ta_scenario --emit-cpp, and the page's C++ view).
//
// Tasks, handlers and threads become functions; with_runner and with_server
// become AsyncRunner and Server scopes; the scenario's steps become the
// library's calls, try/catch and std::thread. Types come from cpp_types.cpp.
// What has no faithful C++ form (Python's // on negative numbers, a float
// printed as Python prints it...) stops the generator with a message that
// says where and why: it never writes a program that would behave otherwise.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <utility>

#include "cpp_scoping.hpp"
#include "cpp_text.hpp"
#include "cpp_types.hpp"
#include "playground/engine.hpp"
#include "program.hpp"

namespace playground {

namespace {

using cpp::Decl;
using cpp::duration_literal;
using cpp::library_errors;
using cpp::number;
using cpp::quote;
using cpp::raised_by_python_only;
using cpp::reserved;
using cpp::Scoping;
using cpp::Type;
using cpp::wrap;
using K = Type::Kind;

struct CannotExpress {
  std::string path;
  std::string message;
};

[[noreturn]] void cannot(const std::string& path, const std::string& message) {
  throw CannotExpress{path, message};
}

// --- Expressions -------------------------------------------------------------

struct Code {
  std::string text;
  Type type;
  bool atomic = true;  // needs no parentheses as an operand
  bool literal_str = false;
  std::string raw = {};  // a string literal's text
};

// --- The generator -------------------------------------------------------------

class Emitter {
 public:
  Emitter(const Program& program, const cpp::Types& types, const nlohmann::ordered_json& doc)
      : p_(program), types_(types), doc_(doc) {}

  std::string run() {
    std::string functions;
    for (const auto& name : names_in_order("tasks", p_.tasks)) {
      functions += function(*p_.tasks.at(name), cpp::task_key(name), true);
    }
    for (const auto& name : names_in_order("threads", p_.threads)) {
      functions += function(*p_.threads.at(name), cpp::thread_key(name), false);
    }
    std::string server;
    if (!p_.handlers.empty()) server = server_class();
    const std::string main_fn = main_function();
    std::string globals;
    for (const auto& [name, value] : p_.globals) {
      const Type t = types_.var("main", name);
      globals += spell_decl(t, "/globals/" + name) + " " + ident(name);
      if (!value.is_none()) globals += " = " + literal(value, "/globals/" + name).text;
      globals += ";\n";
    }
    const std::string stub = p_.handlers.empty() ? "" : stub_class();

    std::string out = header();
    out += includes();
    out += "\nnamespace ta = threaded_async;\n";
    if (uses_durations_) out += "using namespace std::chrono_literals;\n";
    for (const auto& type : error_classes_) {
      out += "\nclass " + type + " : public std::runtime_error {\n public:\n" +
             "  using std::runtime_error::runtime_error;\n};\n";
    }
    if (!globals.empty()) out += "\n" + globals;
    out += stub;
    if (forward_) out += "\n" + prototypes_;
    out += functions + server + main_fn;
    return out;
  }

 private:
  // --- Layout of the program

  std::vector<std::string> names_in_order(
      const char* section, const std::map<std::string, std::unique_ptr<TaskDef>>& defs) {
    std::vector<std::string> names;
    if (doc_.contains(section) && doc_[section].is_object()) {
      for (const auto& item : doc_[section].items()) {
        if (defs.count(item.key()) != 0) names.push_back(item.key());
      }
    }
    return names;
  }

  std::string header() const {
    std::string out;
    auto comment = [&](const std::string& text) {
      std::istringstream words(text);
      std::string word, line = "//";
      while (words >> word) {
        if (line.size() + 1 + word.size() > 80 && line != "//") {
          out += line + "\n";
          line = "//";
        }
        line += " " + word;
      }
      out += line + "\n";
    };
    if (doc_.contains("title") && doc_["title"].is_string())
      comment(doc_["title"].get<std::string>());
    if (doc_.contains("description") && doc_["description"].is_string()) {
      if (!out.empty()) out += "//\n";
      comment(doc_["description"].get<std::string>());
    }
    return out;
  }

  std::string includes() const {
    std::set<std::string> std_headers(headers_.begin(), headers_.end());
    std::string out = "\n";
    for (const auto& h : std_headers) out += "#include <" + h + ">\n";
    out += "#include <threaded_async/threaded_async.hpp>\n";
    return out;
  }

  std::string stub_class() {
    std::string out =
        "\n// The client's requests: each one suspends the calling task until the server has\n"
        "// answered it.\nclass Stub : public ta::Client {\n public:\n  using "
        "ta::Client::Client;\n";
    for (const auto& name : names_in_order("handlers", p_.handlers)) {
      const TaskDef& def = *p_.handlers.at(name);
      const std::string key = cpp::handler_key(name);
      const std::string result = spell_result(types_.get(key + "/future").item(), def.path);
      std::string params, args;
      for (const auto& param : def.params) {
        params += (params.empty() ? "" : ", ") +
                  spell_decl(types_.get(key + "/" + param), def.path) + " " + ident(param);
        args += ", " + ident(param);
      }
      const std::string signature = "  " + result + " " + ident(name) + "(" + params + ") {";
      const std::string call = std::string(result == "void" ? "" : "return ") + "execute<" +
                               result + ">(&Stub::" + ident(name) + args + ");";
      if (signature.size() + call.size() + 3 <= 100) {
        out += signature + " " + call + " }\n";
      } else {
        out += signature + "\n" + wrap("    ", call) + "  }\n";
      }
    }
    return out + "};\n";
  }

  std::string server_class() {
    std::string out =
        "\n// The server's side: handle_request runs on the thread that calls process().\n"
        "class MyServer : public ta::Server {\n public:\n  using ta::Server::Server;\n\n"
        " protected:\n"
        "  void handle_request(ta::ExecutionRequest& request, ta::Promise& future) override {\n";
    std::string chain = "    ";
    for (const auto& name : names_in_order("handlers", p_.handlers)) {
      const TaskDef& def = *p_.handlers.at(name);
      const std::string key = cpp::handler_key(name);
      out += chain + "if (request.is(&Stub::" + ident(name) + ")) {\n";
      std::set<std::string> params(def.params.begin(), def.params.end());
      params.insert("future");
      Function f(key, false, true, def.body, params, p_);
      fn_ = &f;
      indent_ = 3;
      if (!def.params.empty()) {
        std::string names, spelled;
        for (const auto& param : def.params) {
          names += (names.empty() ? "" : ", ") + ident(param);
          spelled +=
              (spelled.empty() ? "" : ", ") + spell_decl(types_.get(key + "/" + param), def.path);
        }
        out += "      auto [" + names + "] = request.args<" + spelled + ">();\n";
      }
      out += block(def.body);
      fn_ = nullptr;
      chain = "    } else ";
    }
    headers_.insert("stdexcept");
    out +=
        "    } else {\n      throw std::logic_error(\"Unknown function \" + request.name());\n"
        "    }\n  }\n};\n";
    return out;
  }

  std::string function(const TaskDef& def, const std::string& key, bool task) {
    std::set<std::string> params(def.params.begin(), def.params.end());
    Function f(key, task, false, def.body, params, p_);
    fn_ = &f;
    const std::string result = spell_result(types_.result(key), def.path);
    std::string signature = result + " " + ident(def.name) + "(";
    for (std::size_t i = 0; i < def.params.size(); ++i) {
      signature += (i ? ", " : "") + spell_decl(types_.get(key + "/" + def.params[i]), def.path) +
                   " " + ident(def.params[i]);
    }
    signature += ")";
    prototypes_ += signature + ";\n";
    indent_ = 1;
    std::string body = block(def.body);
    const Type r = types_.result(key);
    if (r.is(K::kOptional) && (def.body.empty() || def.body.back().op != Op::kReturn)) {
      body += "  return std::nullopt;\n";
    }
    fn_ = nullptr;
    defined_.insert(def.name);
    // A one-statement body fits on the signature's line, as clang-format puts it.
    const std::string one = body.size() > 2 ? body.substr(2, body.size() - 3) : "";
    if (!one.empty() && one.find('\n') == std::string::npos &&
        one.find("//") == std::string::npos && signature.size() + one.size() + 5 <= 100) {
      return "\n" + signature + " { " + one + " }\n";
    }
    return "\n" + signature + " {\n" + body + "}\n";
  }

  std::string main_function() {
    Function f("main", false, false, p_.main, {}, p_);
    fn_ = &f;
    indent_ = 1;
    std::string body = block(p_.main);
    fn_ = nullptr;
    return "\nint main() {\n" + body + "}\n";
  }

  // --- Names and types

  // One function being written: its body's key and where its variables are declared.
  struct Function {
    Function(std::string k, bool t, bool h, const Block& root, const std::set<std::string>& params,
             const Program& p)
        : key(std::move(k)),
          task(t),
          handler(h),
          outside(with_globals(params, p)),
          scoping(root, outside) {}
    static std::set<std::string> with_globals(std::set<std::string> s, const Program& p) {
      for (const auto& [name, value] : p.globals) s.insert(name);
      return s;
    }
    std::string key;
    bool task, handler;
    std::set<std::string> outside;
    Scoping scoping;
    std::set<std::string> declared;
    std::vector<std::string> runners;  // thread side: the innermost runner's expression
    std::vector<std::set<std::string>> not_none = {{}};  // variables known not to be None
    std::vector<std::string> catching;  // the variables of the enclosing catch clauses
    std::map<std::string, std::string> thread_results;
  };

  // A function's name: the scenario's, unless C++ reserves it.
  static std::string ident(const std::string& name) {
    return reserved().count(name) != 0 ? name + "_" : name;
  }

  // A variable's name: the scenario's, unless a function or C++ has it.
  std::string var(const std::string& name) const {
    if (fn_ != nullptr && fn_->handler && name == "future") return "future";
    if (p_.tasks.count(name) != 0 || p_.threads.count(name) != 0 || p_.handlers.count(name) != 0) {
      const Type t = fn_ == nullptr ? Type{} : type_of_var(name);
      return name + (t.is(K::kThread) ? "_thread" : t.is(K::kTask) ? "_task" : "_");
    }
    return ident(name);
  }

  Type type_of_var(const std::string& name) const { return types_.var(fn_->key, name); }

  // The declared type of a value slot.
  std::string spell_decl(const Type& t, const std::string& path) {
    switch (t.kind) {
      case K::kUnknown:
        cannot(path, "nothing in the scenario says what type this value has in C++");
      case K::kNone:
        cannot(path, "this value is always None; C++ has no variable of that type");
      case K::kError:
      case K::kGroup:
      case K::kErrors:
        cannot(path, "C++ keeps a caught exception only inside its catch block");
      case K::kOptional:
        headers_.insert("optional");
        spell_decl(t.item(), path);
        break;
      case K::kStr:
        headers_.insert("string");
        break;
      case K::kQueue:
        if (!t.item().is(K::kUnknown)) spell_decl(t.item(), path);
        break;
      case K::kTask:
      case K::kFuture:
        if (!t.item().is(K::kUnknown) && !t.item().is(K::kNone)) spell_decl(t.item(), path);
        break;
      case K::kThread:
        headers_.insert("thread");
        break;
      default:
        break;
    }
    return cpp::spell(t);
  }

  std::string spell_result(const Type& t, const std::string& path) {
    if (t.is(K::kUnknown) || t.is(K::kNone)) return "void";
    return spell_decl(t, path);
  }

  std::string cpp_error(const std::string& type, const std::string& path) {
    auto it = library_errors().find(type);
    if (it != library_errors().end()) return it->second;
    if (raised_by_python_only(type)) {
      cannot(path, type +
                       " is raised by Python's own operations, which C++ does not check; "
                       "this scenario has no faithful C++ form");
    }
    if (type == "Exception" || type == "BaseException") return "std::exception";
    if (type == "AssertionError" || reserved().count(type) == 0) {
      headers_.insert("stdexcept");
      error_classes_.insert(type);
      return type;
    }
    cannot(path, "the exception type " + type + " is a C++ keyword");
  }

  // --- Expressions

  Code literal(const Value& v, const std::string& path) {
    if (v.is_none()) return {"std::nullopt", Type::of(K::kNone)};
    if (auto b = v.get<bool>()) return {*b ? "true" : "false", Type::of(K::kBool)};
    if (auto i = v.get<std::int64_t>()) {
      if (*i > 2147483647 || *i < -2147483647) {
        cannot(path, "this integer does not fit in a C++ int");
      }
      return {std::to_string(*i), Type::of(K::kInt)};
    }
    if (auto d = v.get<double>()) return {number(*d), Type::of(K::kFloat)};
    if (auto s = v.get<std::string>()) {
      Code c{quote(*s), Type::of(K::kStr)};
      c.literal_str = true;
      c.raw = *s;
      return c;
    }
    cannot(path, "tuples have no counterpart in the C++ program; use separate values");
  }

  // The value itself, not an optional holding it.
  Code value(Code c) {
    if (c.type.is(K::kOptional)) {
      c.text = "*" + c.text;
      c.type = c.type.item();
    }
    return c;
  }

  std::string operand(const Code& c) { return c.atomic ? c.text : "(" + c.text + ")"; }

  // The handle a query or a step acts on: "q." or, through an optional, "q->".
  std::string member(const std::string& name) {
    const Type t = type_of_var(name);
    if (t.is(K::kServer)) return var(name) + ".runner().";
    return var(name) + (t.is(K::kOptional) ? "->" : ".");
  }

  Code expr(const Expr& e) {
    auto arg = [&](std::size_t i) { return expr(e.args.at(i)); };
    auto binary = [&](const char* op, Code a, Code b, Type t) {
      return Code{operand(a) + " " + op + " " + operand(b), std::move(t), false};
    };
    switch (e.kind) {
      case ExprKind::kLiteral:
        return literal(e.literal, e.path);
      case ExprKind::kVar: {
        Code c{var(e.name), type_of_var(e.name)};
        if (c.type.is(K::kOptional) && fn_->not_none.back().count(e.name) != 0) c = value(c);
        if (c.type.is(K::kError) || c.type.is(K::kGroup)) {
          if (std::find(fn_->catching.begin(), fn_->catching.end(), e.name) ==
              fn_->catching.end()) {
            cannot(e.path, "C++ keeps a caught exception only inside its catch block");
          }
        }
        return c;
      }
      case ExprKind::kTuple:
        cannot(e.path, "tuples have no counterpart in the C++ program; use separate values");
      case ExprKind::kAdd:
      case ExprKind::kSub:
      case ExprKind::kMul: {
        Code a = value(arg(0)), b = value(arg(1));
        const Type t = types_.of(e, fn_->key);
        if (t.is(K::kStr)) {
          if (a.literal_str && b.literal_str) {
            return Code{a.text.substr(0, a.text.size() - 1) + b.text.substr(1), t};
          }
          if (a.literal_str) a.text = "std::string(" + a.text + ")";
          return binary("+", a, b, t);
        }
        if (t.is(K::kUnknown)) {
          cannot(e.path, "C++ has no " + std::string(e.kind == ExprKind::kMul ? "*" : "+") +
                             " for a " + cpp::spell(a.type) + " and a " + cpp::spell(b.type));
        }
        return binary(e.kind == ExprKind::kAdd   ? "+"
                      : e.kind == ExprKind::kSub ? "-"
                                                 : "*",
                      a, b, t);
      }
      case ExprKind::kDiv: {
        Code a = value(arg(0)), b = value(arg(1));
        if (a.type.is(K::kInt) && b.type.is(K::kInt))
          a.text = "static_cast<double>(" + a.text + ")";
        return binary("/", a, b, Type::of(K::kFloat));
      }
      case ExprKind::kFloorDiv:
      case ExprKind::kMod:
        cannot(e.path,
               "Python's // and % round towards minus infinity, C++'s / and % towards "
               "zero; write this one by hand");
      case ExprKind::kEq:
      case ExprKind::kNe: {
        Code a = arg(0), b = arg(1);
        const char* op = e.kind == ExprKind::kEq ? "==" : "!=";
        if (a.type.is(K::kNone) && !b.type.is(K::kNone)) std::swap(a, b);
        if (b.type.is(K::kNone) && !a.type.is(K::kOptional)) {
          cannot(e.path, "this value is never None in C++ (" + cpp::spell(a.type) + ")");
        }
        return binary(op, a, b, Type::of(K::kBool));
      }
      case ExprKind::kLt:
      case ExprKind::kLe:
      case ExprKind::kGt:
      case ExprKind::kGe: {
        static const std::map<ExprKind, const char*> ops = {{ExprKind::kLt, "<"},
                                                            {ExprKind::kLe, "<="},
                                                            {ExprKind::kGt, ">"},
                                                            {ExprKind::kGe, ">="}};
        return binary(ops.at(e.kind), value(arg(0)), value(arg(1)), Type::of(K::kBool));
      }
      case ExprKind::kAnd:
      case ExprKind::kOr:
        return binary(e.kind == ExprKind::kAnd ? "&&" : "||", condition(e.args.at(0)),
                      condition(e.args.at(1)), Type::of(K::kBool));
      case ExprKind::kNot:
        return Code{"!" + operand(condition(e.args.at(0))), Type::of(K::kBool)};
      case ExprKind::kNeg: {
        Code a = value(arg(0));
        return Code{"-" + operand(a), a.type};
      }
      case ExprKind::kStr: {
        Code a = value(arg(0));
        if (a.type.is(K::kStr)) return a;
        if (a.type.is(K::kInt)) return Code{"std::to_string(" + a.text + ")", Type::of(K::kStr)};
        if (a.type.is(K::kBool)) {
          return Code{"std::string(" + a.text + " ? \"True\" : \"False\")", Type::of(K::kStr)};
        }
        if (a.type.is(K::kError))
          return Code{"std::string(" + a.text + ".what())", Type::of(K::kStr)};
        cannot(e.path,
               "str() of a " + cpp::spell(a.type) + " has no C++ form that prints the same");
      }
      case ExprKind::kRepr: {
        const Code a = arg(0);
        if (a.type.is(K::kError) && e.args[0].kind == ExprKind::kVar &&
            fn_->catching.back() == e.args[0].name) {
          return Code{"ta::describe_exception(std::current_exception())", Type::of(K::kStr)};
        }
        if (a.type.is(K::kInt)) return Code{"std::to_string(" + a.text + ")", Type::of(K::kStr)};
        cannot(e.path, "repr() of a " + cpp::spell(a.type) +
                           " has no C++ form that prints the same (an exception's works in "
                           "its own catch block)");
      }
      case ExprKind::kTypeName: {
        const Code a = arg(0);
        static const std::map<K, std::string> names = {
            {K::kBool, "bool"}, {K::kInt, "int"}, {K::kFloat, "float"}, {K::kStr, "str"}};
        if (names.count(a.type.kind) != 0) return literal(Value(names.at(a.type.kind)), e.path);
        if (a.type.is(K::kError) && leaf_error(a.type.error)) {
          const std::string shown =
              a.type.error == "TimeoutError" ? "EventLoopTimeoutError" : a.type.error;
          return literal(Value(shown), e.path);
        }
        cannot(e.path,
               "type_name of this value is known only when it runs; C++ has no "
               "portable way to print it as the scenario does");
      }
      case ExprKind::kExceptions: {
        const Code a = arg(0);
        if (!a.type.is(K::kGroup))
          cannot(e.path, "exceptions needs an ExceptionGroup caught by name");
        return Code{a.text + ".describe()", Type::of(K::kErrors)};
      }
      case ExprKind::kDone:
        return Code{member(e.name) + "done()", Type::of(K::kBool)};
      case ExprKind::kCancelled:
        return Code{member(e.name) + "cancelled()", Type::of(K::kBool)};
      case ExprKind::kIsSet:
        return Code{member(e.name) + "is_set()", Type::of(K::kBool)};
      case ExprKind::kQsize:
        return Code{member(e.name) + "qsize()", Type::of(K::kInt)};
      case ExprKind::kEmpty:
        return Code{member(e.name) + "empty()", Type::of(K::kBool)};
      case ExprKind::kFull:
        return Code{member(e.name) + "full()", Type::of(K::kBool)};
      case ExprKind::kShutdownType:
        return Code{member(e.name) + "shutdown_type()", Type::of(K::kShutdown)};
      case ExprKind::kIsRunning:
        return Code{member(e.name) + "is_running()", Type::of(K::kBool)};
      case ExprKind::kInTask:
        return Code{"ta::in_task()", Type::of(K::kBool)};
    }
    cannot(e.path, "this expression has no C++ form");
  }

  static bool leaf_error(const std::string& type) {
    return type == "EventLoopTimeoutError" || type == "TimeoutError" || type == "CancelledError" ||
           type == "WouldDeadlockError" || type == "NotInTaskError" ||
           type == "RunnerStoppedError" || type == "InvalidStateError" ||
           type == "TypeMismatchError" ||
           (library_errors().count(type) == 0 && type != "Exception" && type != "BaseException" &&
            !type.empty());
  }

  // The condition's opposite: a == b gives a != b rather than !(a == b).
  std::string negated(const Expr& e) {
    if (e.kind == ExprKind::kEq || e.kind == ExprKind::kNe) {
      Expr flipped = e;
      flipped.kind = e.kind == ExprKind::kEq ? ExprKind::kNe : ExprKind::kEq;
      return condition(flipped).text;
    }
    return "!" + operand(condition(e));
  }

  Code condition(const Expr& e) {
    Code c = expr(e);
    if (c.type.is(K::kBool)) return c;
    if (c.type.is(K::kInt)) return Code{operand(c) + " != 0", Type::of(K::kBool), false};
    if (c.type.is(K::kStr)) return Code{"!" + operand(c) + ".empty()", Type::of(K::kBool)};
    cannot(e.path, "C++ has no truth value for a " + cpp::spell(c.type) + "; compare it instead");
  }

  // A value converted for a slot of type `want` (an int into a std::optional<int> converts itself).
  Code into(const Expr& e, const Type& want) {
    Code c = expr(e);
    if (c.type.is(K::kOptional) && !want.is(K::kOptional)) c = value(c);
    return c;
  }

  // What print shows of one value, as a piece of a std::cout chain; literal text when it is known.
  std::pair<std::string, bool> printed(const Expr& e) {
    if (e.kind == ExprKind::kLiteral) {
      const Value& v = e.literal;
      if (v.is_none()) return {"None", true};
      if (auto b = v.get<bool>()) return {*b ? "True" : "False", true};
      if (auto i = v.get<std::int64_t>()) return {std::to_string(*i), true};
      if (auto s = v.get<std::string>()) return {*s, true};
    }
    if (e.kind == ExprKind::kStr) return printed(e.args.at(0));
    Code c = expr(e);
    if (c.literal_str) return {c.raw, true};
    switch (c.type.kind) {
      case K::kBool:
        return {"(" + c.text + " ? \"True\" : \"False\")", false};
      case K::kInt:
      case K::kStr:
      case K::kShutdown:
      case K::kErrors:
        return {operand(c), false};
      case K::kError:
        return {c.text + ".what()", false};
      case K::kOptional:
        if (c.type.item().is(K::kInt)) {
          headers_.insert("string");
          return {"(" + c.text + " ? std::to_string(*" + c.text + ") : \"None\")", false};
        }
        if (c.type.item().is(K::kStr)) return {c.text + ".value_or(\"None\")", false};
        break;
      default:
        break;
    }
    cannot(e.path, "print shows a " + cpp::spell(c.type) +
                       " as Python does; C++ has no form that prints the same");
  }

  std::string timeout_arg(const std::optional<Expr>& t) {
    if (!t) return "";
    if (t->kind == ExprKind::kLiteral && t->literal.is_none()) return "ta::forever";
    return duration(*t);
  }

  std::string duration(const Expr& e) {
    uses_durations_ = true;
    if (e.kind == ExprKind::kLiteral) {
      if (auto i = e.literal.get<std::int64_t>()) return duration_literal(static_cast<double>(*i));
      if (auto d = e.literal.get<double>()) return duration_literal(*d);
    }
    Code c = value(expr(e));
    if (!c.type.is(K::kInt) && !c.type.is(K::kFloat)) cannot(e.path, "expected seconds");
    return "std::chrono::duration<double>(" + c.text + ")";
  }

  // The statements that set the runner's options on `options`, one per option.
  std::vector<std::string> runner_options(const RunnerSpec& spec, const std::string& options) {
    std::vector<std::string> fields;
    auto seconds = [&](const char* name, const std::optional<RunnerSpec::Seconds>& s) {
      if (!s) return;
      uses_durations_ = true;
      fields.push_back(options + "." + name + " = " +
                       (s->forever ? "ta::forever" : duration_literal(s->seconds)) + ";");
    };
    seconds("exit_timeout", spec.exit_timeout);
    seconds("call_in_loop_timeout", spec.call_in_loop_timeout);
    if (!spec.name.empty()) fields.push_back(options + ".name = " + quote(spec.name) + ";");
    return fields;
  }

  // --- Statements

  std::string pad() const { return std::string(2 * indent_, ' '); }

  std::string line(const std::string& text) const { return wrap(pad(), text); }

  std::string block(const Block& steps) {
    std::string out;
    fn_->not_none.push_back(fn_->not_none.back());
    for (std::size_t i = 0; i < steps.size(); ++i) {
      for (const auto& name : fn_->scoping.before(&steps, i)) out += predeclare(name, steps[i]);
      out += step(steps, i);
    }
    fn_->not_none.pop_back();
    return out;
  }

  // Finds the with_runner / with_server step that makes `name`, inside `s`.
  static const Step* find_with(const Step& s, const std::string& name) {
    if ((s.op == Op::kWithRunner || s.op == Op::kWithServer) && s.as == name) return &s;
    for (const Block* b : {&s.body, &s.orelse, &s.finally}) {
      for (const auto& inner : *b) {
        if (const Step* found = find_with(inner, name)) return found;
      }
    }
    for (const auto& e : s.excepts) {
      for (const auto& inner : e.body) {
        if (const Step* found = find_with(inner, name)) return found;
      }
    }
    return nullptr;
  }

  std::string predeclare(const std::string& name, const Step& at) {
    const std::string& path = at.path;
    const Type t = type_of_var(name);
    if (t.is(K::kRunner) || t.is(K::kServer)) {
      const Step* with = find_with(at, name);
      if (with == nullptr) cannot(path, "a runner is used before its with_runner");
      fn_->declared.insert(name);
      return line("// Declared here, so that it can be asked how it ended after its scope.") +
             runner_declaration(*with, name);
    }
    fn_->declared.insert(name);
    const std::string n = var(name);
    switch (t.kind) {
      case K::kInt:
        return line("int " + n + " = 0;");
      case K::kBool:
        return line("bool " + n + " = false;");
      case K::kStr:
      case K::kOptional:
      case K::kTask:
        return line(spell_decl(t, path) + " " + n + ";");
      default:
        cannot(path, "the variable " + name + " is used outside the block that creates it, and a " +
                         cpp::spell(t) +
                         " cannot be declared before it is made; give it a "
                         "name that is used only where it is made");
    }
  }

  // "auto x = " (declaring it), "x = " (assigning it), or "" (nothing to keep).
  std::string assign(const std::string& name, bool spelled_type = false) {
    if (name.empty()) return "";
    const Type t = type_of_var(name);
    fn_->not_none.back().erase(name);
    if (fn_->declared.count(name) != 0 || fn_->outside.count(name) != 0) return var(name) + " = ";
    fn_->declared.insert(name);
    return (spelled_type ? spell_decl(t, "") : std::string("auto")) + " " + var(name) + " = ";
  }

  std::string thread_runner(const std::string& path) {
    if (fn_->handler) return "runner()";
    if (fn_->runners.empty()) {
      cannot(path,
             "a thread body has no runner in C++: create what it needs on the main thread "
             "and pass it in");
    }
    return fn_->runners.back();
  }

  std::string call_args(const std::vector<Expr>& args, const std::string& key,
                        const std::vector<std::string>& params) {
    std::string out;
    for (std::size_t i = 0; i < args.size(); ++i) {
      out += ", " + into(args[i], types_.get(key + "/" + params[i])).text;
    }
    return out;
  }

  std::string step(const Block& steps, std::size_t index) {
    const Step& s = steps[index];
    std::string out;
    if (!s.path.empty() && doc_comment(s.path)) out += line("// " + *doc_comment(s.path));
    const std::string target = s.target.empty() ? "" : var(s.target);
    const std::string t_member = s.target.empty() ? "" : member(s.target);
    const bool task = fn_->task;
    switch (s.op) {
      case Op::kSet: {
        const Type t = type_of_var(s.var);
        const Code c = into(*s.value, t);
        const bool keep_none = c.type.is(K::kNone);
        out += line(assign(s.var, true) + c.text + ";");
        if (!keep_none && t.is(K::kOptional)) fn_->not_none.back().insert(s.var);
        return out;
      }
      case Op::kPrint: {
        headers_.insert("iostream");
        std::string chain = "std::cout";
        std::string text;
        for (std::size_t i = 0; i < s.args.size(); ++i) {
          auto [piece, is_text] = printed(s.args[i]);
          if (i > 0) text += " ";
          if (is_text) {
            text += piece;
          } else {
            if (!text.empty()) chain += " << " + quote(text);
            text.clear();
            chain += " << " + piece;
          }
        }
        text += "\n";
        chain += " << " + quote(text);
        return out + line(chain + ";");
      }
      case Op::kIf: {
        out += line("if (" + condition(*s.cond).text + ") {");
        ++indent_;
        out += block(s.body);
        --indent_;
        if (!s.orelse.empty()) {
          out += line("} else {");
          ++indent_;
          out += block(s.orelse);
          --indent_;
        }
        out += line("}");
        narrow_after_if(s);
        return out;
      }
      case Op::kWhile:
        out += line("while (" + condition(*s.cond).text + ") {");
        ++indent_;
        out += block(s.body);
        --indent_;
        return out + line("}");
      case Op::kFor: {
        if (fn_->scoping.escapes(s.var)) {
          cannot(s.path + "/var", "the loop variable " + s.var +
                                      " is used outside its loop; C++'s for declares it for the "
                                      "loop only");
        }
        std::string start = "0", stop, step_by;
        if (s.args.size() == 1) {
          stop = value(expr(s.args[0])).text;
        } else {
          start = value(expr(s.args[0])).text;
          stop = value(expr(s.args[1])).text;
          if (s.args.size() == 3) {
            if (s.args[2].kind != ExprKind::kLiteral || !s.args[2].literal.get<std::int64_t>() ||
                *s.args[2].literal.get<std::int64_t>() == 0) {
              cannot(s.args[2].path, "a for step must be a non-zero integer literal in C++");
            }
            const auto by = *s.args[2].literal.get<std::int64_t>();
            step_by = std::to_string(by);
            if (by < 0) {
              const std::string n = var(s.var);
              out += line("for (int " + n + " = " + start + "; " + n + " > " + stop + "; " + n +
                          " -= " + std::to_string(-by) + ") {");
              step_by = "-";
            }
          }
        }
        const std::string n = var(s.var);
        fn_->declared.insert(s.var);
        if (step_by != "-") {
          const std::string inc =
              step_by.empty() || step_by == "1" ? "++" + n : n + " += " + step_by;
          out +=
              line("for (int " + n + " = " + start + "; " + n + " < " + stop + "; " + inc + ") {");
        }
        ++indent_;
        out += block(s.body);
        --indent_;
        fn_->declared.erase(s.var);
        return out + line("}");
      }
      case Op::kBreak:
        return out + line("break;");
      case Op::kContinue:
        return out + line("continue;");
      case Op::kPass:
        return out;
      case Op::kTry:
        return out + try_step(s);
      case Op::kRaise:
        if (!s.error_type.empty()) {
          std::string message = s.message ? into(*s.message, Type::of(K::kStr)).text : "\"\"";
          return out +
                 line("throw " + cpp_error(s.error_type, s.path + "/type") + "(" + message + ");");
        }
        if (s.error) {
          const Code c = expr(*s.error);
          if (!(c.type.is(K::kError) || c.type.is(K::kGroup)) || fn_->catching.empty() ||
              s.error->kind != ExprKind::kVar || fn_->catching.back() != s.error->name) {
            cannot(s.path + "/error", "C++ re-raises only the exception its catch block caught");
          }
        }
        return out + line("throw;");
      case Op::kAssert: {
        const std::string message = s.message ? into(*s.message, Type::of(K::kStr)).text : "\"\"";
        return out + line("if (" + negated(*s.cond) + ") throw " +
                          cpp_error("AssertionError", s.path) + "(" + message + ");");
      }
      case Op::kReturn: {
        const Type r = types_.result(fn_->key);
        if (fn_->handler || r.is(K::kNone) || r.is(K::kUnknown)) return out + line("return;");
        if (!s.value) return out + line("return std::nullopt;");
        return out + line("return " + into(*s.value, r).text + ";");
      }
      case Op::kWithRunner:
      case Op::kWithServer:
        return out + with_step(steps, index);
      case Op::kCreateTask:
      case Op::kCreateBackgroundTask: {
        const std::string key = cpp::task_key(s.task->name);
        if (defined_.count(s.task->name) == 0) forward_ = true;
        std::string options;
        if (s.name) options = "{.name = " + into(*s.name, Type::of(K::kStr)).text + "}, ";
        std::string call;
        if (s.op == Op::kCreateBackgroundTask) {
          call = var(server_name(s.path)) + ".create_background_task(";
        } else if (task) {
          call = "ta::create_task(";
        } else {
          call = thread_runner(s.path) + ".create_task(";
        }
        return out + line(assign(s.as) + call + options + ident(s.task->name) +
                          call_args(s.args, key, s.task->params) + ");");
      }
      case Op::kWait: {
        const std::string t = timeout_arg(s.timeout);
        if (s.second_kind) return out + line(t_member + "wait(" + t + ");");
        return out + line(result_assign(s) + t_member + "wait(" + t + ");");
      }
      case Op::kResult: {
        std::string t = timeout_arg(s.timeout);
        return out + line(result_assign(s) + t_member + "result(" + t + ");");
      }
      case Op::kResultWait:
        return out +
               line(result_assign(s) + t_member + "result_wait(" + timeout_arg(s.timeout) + ");");
      case Op::kCancel:
        return out + line(t_member + "cancel();");
      case Op::kSleep:
        if (task) return out + line("ta::sleep(" + duration(*s.seconds) + ");");
        headers_.insert("thread");
        return out + line("std::this_thread::sleep_for(" + duration(*s.seconds) + ");");
      case Op::kYield:
        return out + line("ta::yield();");
      case Op::kSpin:
        if (!s.seconds) return out + line("for (volatile bool spin = true; spin;) {") + line("}");
        headers_.insert("chrono");
        return out +
               line("for (auto end = std::chrono::steady_clock::now() + " + duration(*s.seconds) +
                    "; std::chrono::steady_clock::now() < end;) {") +
               line("}");
      case Op::kEvent:
        return out + make(s, "ta::Event", "");
      case Op::kQueue: {
        std::string maxsize;
        if (s.maxsize) maxsize = ", " + value(expr(*s.maxsize)).text;
        return out + make(s, spell_decl(type_of_var(s.as), s.path), maxsize);
      }
      case Op::kFuture:
        return out + make(s, spell_decl(type_of_var(s.as), s.path), "");
      case Op::kSetEvent:
        return out + line(t_member + "set();");
      case Op::kClearEvent:
        return out + line(t_member + "clear();");
      case Op::kWaitAsync:
        return out + line(t_member + "as_async_event().wait(" + timeout_arg(s.timeout) + ");");
      case Op::kPut:
      case Op::kPutWait: {
        const Type item = value_of_handle(s.target).item();
        std::string t = timeout_arg(s.timeout);
        return out + line(t_member + (s.op == Op::kPut ? "put(" : "put_wait(") +
                          into(*s.value, item).text + (t.empty() ? "" : ", " + t) + ");");
      }
      case Op::kGet:
      case Op::kGetWait: {
        const std::string t = timeout_arg(s.timeout);
        return out + line(result_assign(s) + t_member + (s.op == Op::kGet ? "get(" : "get_wait(") +
                          t + ");");
      }
      case Op::kTryGet:
        return out + line(assign(s.as) + t_member + "try_get();");
      case Op::kTryPut: {
        const Type item = value_of_handle(s.target).item();
        const std::string held = "item" + std::to_string(++items_);
        out +=
            line(spell_decl(item, s.path) + " " + held + " = " + into(*s.value, item).text + ";");
        return out + line((s.as.empty() ? "" : assign(s.as)) + t_member + "try_put(" + held + ");");
      }
      case Op::kSetResult: {
        const Type item = value_of_handle(s.target).item();
        if (!s.value || item.is(K::kNone)) return out + line(t_member + "set_result();");
        return out + line(t_member + "set_result(" + into(*s.value, item).text + ");");
      }
      case Op::kSetException: {
        const std::string message = s.message ? into(*s.message, Type::of(K::kStr)).text : "\"\"";
        return out + line(t_member + "set_exception(std::make_exception_ptr(" +
                          cpp_error(s.error_type, s.path + "/type") + "(" + message + ")));");
      }
      case Op::kWaitForNextIteration:
        return out + line(thread_runner(s.path) + ".wait_for_next_eventloop_iteration(" +
                          timeout_arg(s.timeout) + ");");
      case Op::kClient:
        fn_->declared.insert(s.as);
        return out + line("Stub " + var(s.as) + "(" + var(server_name(s.path)) + ");");
      case Op::kRequest: {
        const std::string key = cpp::handler_key(s.function);
        const auto& def = *p_.handlers.at(s.function);
        std::string args = call_args(s.args, key, def.params);
        if (!args.empty()) args = args.substr(2);
        return out + line(result_assign(s) + t_member + ident(s.function) + "(" + args + ");");
      }
      case Op::kProcess:
        return out + line(assign(s.as, true) + var(server_name(s.path)) + ".process(" +
                          timeout_arg(s.timeout) + ");");
      case Op::kStartThread:
        return out + start_thread(s);
      case Op::kJoin: {
        out += line(target + ".join();");
        const auto it = fn_->thread_results.find(s.target);
        if (it == fn_->thread_results.end()) {
          cannot(s.path, "C++ joins a thread where it was started with \"as\"");
        }
        return out + line(result_assign(s) + it->second + ".get();");
      }
    }
    cannot(s.path, "this step has no C++ form");
  }

  std::optional<std::string> doc_comment(const std::string& path) const {
    try {
      const auto& j = doc_.at(nlohmann::ordered_json::json_pointer(path));
      if (j.is_object() && j.contains("comment") && j["comment"].is_string()) {
        return j["comment"].get<std::string>();
      }
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }

  Type value_of_handle(const std::string& name) const {
    const Type t = type_of_var(name);
    return t.is(K::kOptional) ? t.item() : t;
  }

  // Keeps a result, if the step names a variable and the result is a value.
  std::string result_assign(const Step& s) {
    if (s.as.empty()) return "";
    const Type t = type_of_var(s.as);
    if (t.is(K::kUnknown) || t.is(K::kNone)) {
      const Decl* d = fn_->scoping.find(s.as);
      if (d == nullptr || d->first == d->last) return "";
      cannot(s.path + "/as",
             "this call returns nothing in C++ (void), so there is nothing to keep");
    }
    const bool scalar = t.is(K::kInt) || t.is(K::kBool) || t.is(K::kStr) || t.is(K::kOptional);
    return assign(s.as, scalar);
  }

  std::string make(const Step& s, const std::string& type, const std::string& extra) {
    if (fn_->task) {
      cannot(s.path,
             "a task has no runner to create this on in C++: create it on the main "
             "thread and pass it in");
    }
    const std::string runner = thread_runner(s.path);
    if (fn_->declared.count(s.as) != 0) {
      cannot(s.path + "/as", "C++ cannot assign a new " + type + " to " + s.as +
                                 "; give each one its own variable");
    }
    fn_->declared.insert(s.as);
    return line(type + " " + var(s.as) + "(" + runner + extra + ");");
  }

  std::string server_name(const std::string& path) {
    for (auto it = servers_.rbegin(); it != servers_.rend(); ++it) return *it;
    cannot(path, "this step needs a server");
  }

  void narrow_after_if(const Step& s) {
    // if x == None: ...; break / continue / return / raise  =>  x is not None afterwards.
    if (!s.orelse.empty() || s.body.empty() || !s.cond || s.cond->kind != ExprKind::kEq) return;
    const Op last = s.body.back().op;
    if (last != Op::kBreak && last != Op::kContinue && last != Op::kReturn && last != Op::kRaise) {
      return;
    }
    const Expr& a = s.cond->args[0];
    const Expr& b = s.cond->args[1];
    const Expr* v = a.kind == ExprKind::kVar ? &a : b.kind == ExprKind::kVar ? &b : nullptr;
    const Expr* none = a.kind == ExprKind::kLiteral && a.literal.is_none()   ? &a
                       : b.kind == ExprKind::kLiteral && b.literal.is_none() ? &b
                                                                             : nullptr;
    if (v != nullptr && none != nullptr) fn_->not_none.back().insert(v->name);
  }

  std::string try_step(const Step& s) {
    std::string out = line("try {");
    ++indent_;
    std::string body = block(s.body);
    if (!s.finally.empty()) {
      cannot(s.path + "/finally",
             "C++ has no finally; put the cleanup in a destructor, or "
             "after the try and in every catch");
    }
    out += body;
    --indent_;
    bool caught_exception = false;
    for (const auto& e : s.excepts) {
      std::vector<std::string> types = e.types;
      for (const auto& t : types) {
        if (t == "BaseException" && !caught_exception && types.size() == 1 && e.as.empty()) {
          out += pad() + "} catch (...) {\n";
          types.clear();
          break;
        }
      }
      const bool has_exception = std::find(types.begin(), types.end(), "Exception") != types.end();
      if (has_exception && std::find(types.begin(), types.end(), "CancelledError") == types.end()) {
        // Python's Exception is every error but CancelledError.
        out += pad() + "} catch (const ta::CancelledError&) {\n" + pad() + "  throw;\n";
      }
      if (!e.as.empty() && fn_->scoping.escapes(e.as)) {
        cannot(e.path + "/as", "the exception " + e.as +
                                   " is used outside its except clause; C++ names it only there");
      }
      if (types.size() > 1 && !e.as.empty()) {
        cannot(e.path + "/as", "C++ names a caught exception of one type only");
      }
      for (const auto& t : types) {
        caught_exception = caught_exception || t == "Exception" || t == "BaseException";
        const std::string name = e.as.empty() ? "" : " " + var(e.as);
        out += pad() + "} catch (const " + cpp_error(t, e.path + "/type") + "&" + name + ") {\n";
        ++indent_;
        fn_->catching.push_back(e.as);
        if (!e.as.empty()) fn_->declared.insert(e.as);
        out += block(e.body);
        if (!e.as.empty()) fn_->declared.erase(e.as);
        fn_->catching.pop_back();
        --indent_;
      }
      if (types.empty()) {
        ++indent_;
        fn_->catching.push_back("");
        out += block(e.body);
        fn_->catching.pop_back();
        --indent_;
      }
    }
    return out + line("}");
  }

  // The runner's (or server's) declaration, with its options first if it has any.
  std::string runner_declaration(const Step& s, const std::string& name) {
    const std::string options = var(name) + "_options";
    const auto fields = runner_options(s.runner, options);
    std::string out;
    if (!fields.empty()) {
      out += line("ta::RunnerOptions " + options + ";");
      for (const auto& f : fields) out += line(f);
    }
    if (s.op == Op::kWithServer) {
      std::string args;
      if (s.runner.queue_size != 10 || !fields.empty()) args = std::to_string(s.runner.queue_size);
      if (!fields.empty()) args += ", " + options;
      return out + line("MyServer " + var(name) + (args.empty() ? "" : "(" + args + ")") + ";");
    }
    return out +
           line("ta::AsyncRunner " + var(name) + (fields.empty() ? "" : "(" + options + ")") + ";");
  }

  std::string with_step(const Block& steps, std::size_t index) {
    const Step& s = steps[index];
    const bool server = s.op == Op::kWithServer;
    const std::string name = s.as.empty() ? (server ? "server" : "runner") : s.as;
    const Decl* d = s.as.empty() ? nullptr : fn_->scoping.find(s.as);
    const bool used_after = d != nullptr && (d->block != &steps || d->last > index);
    const bool hoisted = d != nullptr && d->block != &steps;
    std::string out;
    fn_->runners.push_back(server ? var(name) + ".runner()" : var(name));
    if (server) servers_.push_back(name);
    fn_->declared.insert(name);
    if (hoisted) {
      // Declared where it is used after its scope; leaving the scope closes it, error or not.
      out += line("try {");
      ++indent_;
      out += block(s.body);
      --indent_;
      out += line("} catch (...) {");
      out += line("  " + var(name) + ".close();  // leaving the scope leaves the runner");
      out += line("  throw;");
      out += line("}");
      out += line(var(name) + ".close();");
    } else if (used_after || index + 1 == steps.size()) {
      // The rest of this block is the scope: no braces.
      out += runner_declaration(s, name);
      out += block(s.body);
      if (used_after) {
        out += line(var(name) + ".close();  // leaves the runner, as the end of its scope would");
      }
    } else {
      out += line("{");
      ++indent_;
      out += runner_declaration(s, name);
      out += block(s.body);
      --indent_;
      out += line("}");
    }
    if (server) servers_.pop_back();
    fn_->runners.pop_back();
    return out;
  }

  std::string start_thread(const Step& s) {
    const std::string key = cpp::thread_key(s.task->name);
    if (s.as.empty()) {
      cannot(s.path,
             "C++ must join every std::thread it starts: name this one with \"as\" and "
             "join it");
    }
    if (fn_->declared.count(s.as) != 0) cannot(s.path + "/as", "give each thread its own variable");
    const Type r = types_.result(key);
    const std::string result = spell_result(r, s.path);
    std::string signature;
    for (const auto& param : s.task->params) {
      signature +=
          (signature.empty() ? "" : ", ") + spell_decl(types_.get(key + "/" + param), s.path);
    }
    headers_.insert("future");
    headers_.insert("thread");
    const std::string n = var(s.as);
    const std::string packaged = n + "_body", got = n + "_result";
    std::string out = line("// The future gives join() the body's result, or rethrows its error.");
    out += line("std::packaged_task<" + result + "(" + signature + ")> " + packaged + "(" +
                ident(s.task->name) + ");");
    out += line("auto " + got + " = " + packaged + ".get_future();");
    out += line("std::thread " + n + "(std::move(" + packaged + ")" +
                call_args(s.args, key, s.task->params) + ");");
    fn_->declared.insert(s.as);
    fn_->thread_results[s.as] = got;
    return out;
  }

  const Program& p_;
  const cpp::Types& types_;
  const nlohmann::ordered_json& doc_;
  Function* fn_ = nullptr;
  int indent_ = 1;
  int items_ = 0;
  bool uses_durations_ = false;
  bool forward_ = false;
  std::string prototypes_;
  std::set<std::string> headers_;
  std::set<std::string> error_classes_;
  std::set<std::string> defined_;
  std::vector<std::string> servers_;
};

}  // namespace

CppProgram emit_cpp(const std::string& json, const Limits& limits) {
  CppProgram result;
  try {
    std::unique_ptr<Program> program = compile(json, limits, result.errors);
    if (!program) {
      if (result.errors.empty()) result.errors.push_back({"", "invalid scenario"});
      return result;
    }
    const auto doc = nlohmann::ordered_json::parse(json);
    const cpp::Types types = cpp::infer_types(*program, result.errors);
    if (!result.errors.empty()) return result;
    result.code = Emitter(*program, types, doc).run();
    result.ok = true;
  } catch (const CannotExpress& e) {
    result.errors.push_back({e.path, "no C++ form: " + e.message});
  } catch (const std::exception& e) {
    result.errors.push_back({"", std::string("internal error while writing C++: ") + e.what()});
  }
  return result;
}

}  // namespace playground
