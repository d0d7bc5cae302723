// The C++ generator's expressions: literals, operators, conditions, the
// queries on handles (done(), qsize()...), what print shows of a value, and
// durations. Each gives its C++ text with its type; what C++ would compute
// differently (Python's //, str() of a float...) stops with a message.
#include <algorithm>
#include <map>
#include <utility>

#include "cpp_emitter.hpp"

namespace playground::cpp {

Code Emitter::literal(const Value& v, const std::string& path) {
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

Code Emitter::value(Code c) {
  if (c.type.is(K::kOptional)) {
    c.text = "*" + c.text;
    c.type = c.type.item();
  }
  return c;
}

std::string Emitter::member(const std::string& name) {
  const Type t = type_of_var(name);
  if (t.is(K::kServer)) return var(name) + ".runner().";
  return var(name) + (t.is(K::kOptional) ? "->" : ".");
}

Code Emitter::expr(const Expr& e) {
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
        if (std::find(fn_->catching.begin(), fn_->catching.end(), e.name) == fn_->catching.end()) {
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
      return binary(e.kind == ExprKind::kAdd ? "+" : e.kind == ExprKind::kSub ? "-" : "*", a, b, t);
    }
    case ExprKind::kDiv: {
      Code a = value(arg(0)), b = value(arg(1));
      if (a.type.is(K::kInt) && b.type.is(K::kInt)) a.text = "static_cast<double>(" + a.text + ")";
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
      static const std::map<ExprKind, const char*> ops = {
          {ExprKind::kLt, "<"}, {ExprKind::kLe, "<="}, {ExprKind::kGt, ">"}, {ExprKind::kGe, ">="}};
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
      cannot(e.path, "str() of a " + cpp::spell(a.type) + " has no C++ form that prints the same");
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

bool Emitter::leaf_error(const std::string& type) {
  return type == "EventLoopTimeoutError" || type == "TimeoutError" || type == "CancelledError" ||
         type == "WouldDeadlockError" || type == "NotInTaskError" || type == "RunnerStoppedError" ||
         type == "InvalidStateError" || type == "TypeMismatchError" ||
         (library_errors().count(type) == 0 && type != "Exception" && type != "BaseException" &&
          !type.empty());
}

std::string Emitter::negated(const Expr& e) {
  if (e.kind == ExprKind::kEq || e.kind == ExprKind::kNe) {
    Expr flipped = e;
    flipped.kind = e.kind == ExprKind::kEq ? ExprKind::kNe : ExprKind::kEq;
    return condition(flipped).text;
  }
  return "!" + operand(condition(e));
}

Code Emitter::condition(const Expr& e) {
  Code c = expr(e);
  if (c.type.is(K::kBool)) return c;
  if (c.type.is(K::kInt)) return Code{operand(c) + " != 0", Type::of(K::kBool), false};
  if (c.type.is(K::kStr)) return Code{"!" + operand(c) + ".empty()", Type::of(K::kBool)};
  cannot(e.path, "C++ has no truth value for a " + cpp::spell(c.type) + "; compare it instead");
}

Code Emitter::into(const Expr& e, const Type& want) {
  Code c = expr(e);
  if (c.type.is(K::kOptional) && !want.is(K::kOptional)) c = value(c);
  return c;
}

std::pair<std::string, bool> Emitter::printed(const Expr& e) {
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

std::string Emitter::timeout_arg(const std::optional<Expr>& t) {
  if (!t) return "";
  if (t->kind == ExprKind::kLiteral && t->literal.is_none()) return "ta::forever";
  return duration(*t);
}

std::string Emitter::duration(const Expr& e) {
  uses_durations_ = true;
  if (e.kind == ExprKind::kLiteral) {
    if (auto i = e.literal.get<std::int64_t>()) return duration_literal(static_cast<double>(*i));
    if (auto d = e.literal.get<double>()) return duration_literal(*d);
  }
  Code c = value(expr(e));
  if (!c.type.is(K::kInt) && !c.type.is(K::kFloat)) cannot(e.path, "expected seconds");
  return "std::chrono::duration<double>(" + c.text + ")";
}

}  // namespace playground::cpp
