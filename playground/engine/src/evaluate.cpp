// The scenario's expressions, evaluated as Python evaluates them: arithmetic
// (64-bit, raising OverflowError where Python's integers would grow),
// comparisons, and the queries on handles (done, qsize, shutdown_type, ...).
#include <cmath>
#include <string>

#include "interpreter.hpp"

namespace playground {

Value Run::arith(const Expr& expr, const Value& a, const Value& b) {
  const auto* ai = a.get<std::int64_t>();
  const auto* bi = b.get<std::int64_t>();
  auto as_double = [](const Value& v, double& out) {
    if (const auto* i = v.get<std::int64_t>()) return out = static_cast<double>(*i), true;
    if (const auto* d = v.get<double>()) return out = *d, true;
    return false;
  };
  const char* symbol = "";
  switch (expr.kind) {
    case ExprKind::kAdd:
      symbol = "+";
      break;
    case ExprKind::kSub:
      symbol = "-";
      break;
    case ExprKind::kMul:
      symbol = "*";
      break;
    case ExprKind::kDiv:
      symbol = "/";
      break;
    case ExprKind::kFloorDiv:
      symbol = "//";
      break;
    default:
      symbol = "%";
      break;
  }
  auto unsupported = [&]() -> Value {
    raise("TypeError",
          std::string("unsupported operand type(s) for ") + symbol + ": '" + type_name(a) +
              "' and '" + type_name(b) + "'",
          expr.path);
  };
  if (ai && bi) {
    std::int64_t r = 0;
    bool overflow = false;
    switch (expr.kind) {
      case ExprKind::kAdd:
        overflow = __builtin_add_overflow(*ai, *bi, &r);
        break;
      case ExprKind::kSub:
        overflow = __builtin_sub_overflow(*ai, *bi, &r);
        break;
      case ExprKind::kMul:
        overflow = __builtin_mul_overflow(*ai, *bi, &r);
        break;
      case ExprKind::kDiv:
        if (*bi == 0) raise("ZeroDivisionError", "division by zero", expr.path);
        return Value(static_cast<double>(*ai) / static_cast<double>(*bi));
      default:
        if (*bi == 0) raise("ZeroDivisionError", "integer division or modulo by zero", expr.path);
        if (*ai == INT64_MIN && *bi == -1) {
          overflow = true;
          break;
        }
        r = expr.kind == ExprKind::kFloorDiv ? *ai / *bi : *ai % *bi;
        if (expr.kind == ExprKind::kFloorDiv && (*ai % *bi != 0) && ((*ai < 0) != (*bi < 0))) --r;
        if (expr.kind == ExprKind::kMod && r != 0 && ((r < 0) != (*bi < 0))) r += *bi;
    }
    if (overflow) raise("OverflowError", "integer result out of the 64-bit range", expr.path);
    return Value(r);
  }
  double x = 0, y = 0;
  if (as_double(a, x) && as_double(b, y)) {
    switch (expr.kind) {
      case ExprKind::kAdd:
        return Value(x + y);
      case ExprKind::kSub:
        return Value(x - y);
      case ExprKind::kMul:
        return Value(x * y);
      default:
        if (y == 0) raise("ZeroDivisionError", "float division by zero", expr.path);
        if (expr.kind == ExprKind::kDiv) return Value(x / y);
        if (expr.kind == ExprKind::kFloorDiv) return Value(std::floor(x / y));
        {
          double m = std::fmod(x, y);
          if (m != 0 && ((m < 0) != (y < 0))) m += y;
          return Value(m);
        }
    }
  }
  const auto* as = a.get<std::string>();
  const auto* bs = b.get<std::string>();
  if (expr.kind == ExprKind::kAdd && as && bs) return Value(check_string(*as + *bs, expr.path));
  if (expr.kind == ExprKind::kMul && (as || bs) && (ai || bi)) {
    const std::string& s = as ? *as : *bs;
    const std::int64_t n = ai ? *ai : *bi;
    if (n > 0 && s.size() * static_cast<std::uint64_t>(n) > limits_.max_string_bytes) {
      check_string(std::string(limits_.max_string_bytes + 1, ' '), expr.path);
    }
    std::string out;
    for (std::int64_t i = 0; i < n; ++i) out += s;
    return Value(out);
  }
  const auto* at = a.get<std::shared_ptr<const TupleValue>>();
  const auto* bt = b.get<std::shared_ptr<const TupleValue>>();
  if (expr.kind == ExprKind::kAdd && at && bt) {
    if ((*at)->weight + (*bt)->weight > limits_.max_string_bytes) {
      limit(expr.path, "tuple limit reached: the tuple would be too large to print");
    }
    Tuple items = (*at)->items;
    items.insert(items.end(), (*bt)->items.begin(), (*bt)->items.end());
    return make_tuple(std::move(items));
  }
  return unsupported();
}

bool Run::compare(const Expr& expr, const Value& a, const Value& b) {
  if (expr.kind == ExprKind::kEq) return equal(a, b);
  if (expr.kind == ExprKind::kNe) return !equal(a, b);
  int order = 0;
  double x = 0, y = 0;
  auto as_double = [](const Value& v, double& out) {
    if (const auto* i = v.get<std::int64_t>()) return out = static_cast<double>(*i), true;
    if (const auto* d = v.get<double>()) return out = *d, true;
    return false;
  };
  const auto* ai = a.get<std::int64_t>();
  const auto* bi = b.get<std::int64_t>();
  if (ai && bi) {
    order = *ai < *bi ? -1 : *ai > *bi ? 1 : 0;
  } else if (as_double(a, x) && as_double(b, y)) {
    if (std::isnan(x) || std::isnan(y)) return false;
    order = x < y ? -1 : x > y ? 1 : 0;
  } else if (a.get<std::string>() && b.get<std::string>()) {
    const int c = a.get<std::string>()->compare(*b.get<std::string>());
    order = c < 0 ? -1 : c > 0 ? 1 : 0;
  } else {
    raise(
        "TypeError",
        "'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'",
        expr.path);
  }
  switch (expr.kind) {
    case ExprKind::kLt:
      return order < 0;
    case ExprKind::kLe:
      return order <= 0;
    case ExprKind::kGt:
      return order > 0;
    default:
      return order >= 0;
  }
}

Value Run::eval(const Expr& expr, Frame& frame) {
  count_step(expr.path);
  switch (expr.kind) {
    case ExprKind::kLiteral:
      return expr.literal;
    case ExprKind::kVar:
      return lookup(expr.name, frame, expr.path);
    case ExprKind::kTuple: {
      Tuple items;
      std::size_t total = 0;
      for (const Expr& e : expr.args) {
        items.push_back(eval(e, frame));
        total += weight(items.back());
      }
      if (total > limits_.max_string_bytes) {
        limit(expr.path, "tuple limit reached: the tuple would be too large to print");
      }
      return make_tuple(std::move(items));
    }
    case ExprKind::kAdd:
    case ExprKind::kSub:
    case ExprKind::kMul:
    case ExprKind::kDiv:
    case ExprKind::kFloorDiv:
    case ExprKind::kMod:
      return arith(expr, eval(expr.args[0], frame), eval(expr.args[1], frame));
    case ExprKind::kEq:
    case ExprKind::kNe:
    case ExprKind::kLt:
    case ExprKind::kLe:
    case ExprKind::kGt:
    case ExprKind::kGe:
      return Value(compare(expr, eval(expr.args[0], frame), eval(expr.args[1], frame)));
    case ExprKind::kAnd: {
      Value a = eval(expr.args[0], frame);
      return truthy(a) ? eval(expr.args[1], frame) : a;
    }
    case ExprKind::kOr: {
      Value a = eval(expr.args[0], frame);
      return truthy(a) ? a : eval(expr.args[1], frame);
    }
    case ExprKind::kNot:
      return Value(!truthy(eval(expr.args[0], frame)));
    case ExprKind::kNeg: {
      Value a = eval(expr.args[0], frame);
      if (const auto* i = a.get<std::int64_t>()) {
        if (*i == INT64_MIN)
          raise("OverflowError", "integer result out of the 64-bit range", expr.path);
        return Value(-*i);
      }
      if (const auto* d = a.get<double>()) return Value(-*d);
      raise("TypeError", "bad operand type for unary -: '" + type_name(a) + "'", expr.path);
    }
    case ExprKind::kStr:
      return Value(check_string(str(eval(expr.args[0], frame)), expr.path));
    case ExprKind::kRepr:
      return Value(check_string(repr(eval(expr.args[0], frame)), expr.path));
    case ExprKind::kTypeName:
      return Value(type_name(eval(expr.args[0], frame)));
    case ExprKind::kExceptions: {
      Value v = eval(expr.args[0], frame);
      const auto* e = v.get<std::shared_ptr<const ErrorValue>>();
      if (!e) raise("TypeError", "exceptions takes an error, not " + type_name(v), expr.path);
      return make_tuple((*e)->members);
    }
    case ExprKind::kDone: {
      Value v = lookup(expr.name, frame, expr.path);
      if (const auto* t = v.get<std::shared_ptr<TaskHandle>>()) return Value((*t)->task.done());
      if (const auto* f = v.get<std::shared_ptr<FutureHandle>>()) return Value((*f)->future.done());
      if (const auto* p = v.get<std::shared_ptr<PromiseHandle>>()) {
        return Value((*p)->promise.done());
      }
      raise("TypeError", "done takes a Task, Future or Promise, not " + type_name(v), expr.path);
    }
    case ExprKind::kCancelled:
      return Value(handle_of<TaskHandle>(expr.name, frame, expr.path, "Task")->task.cancelled());
    case ExprKind::kIsSet:
      return Value(handle_of<EventHandle>(expr.name, frame, expr.path, "Event")->event.is_set());
    case ExprKind::kQsize:
      return Value(static_cast<std::int64_t>(
          handle_of<QueueHandle>(expr.name, frame, expr.path, "Queue")->queue.qsize()));
    case ExprKind::kEmpty:
      return Value(handle_of<QueueHandle>(expr.name, frame, expr.path, "Queue")->queue.empty());
    case ExprKind::kFull:
      return Value(handle_of<QueueHandle>(expr.name, frame, expr.path, "Queue")->queue.full());
    case ExprKind::kShutdownType:
      return Value(
          std::string(ta::to_string(handle_of<RunnerHandle>(expr.name, frame, expr.path, "Runner")
                                        ->runner()
                                        .shutdown_type())));
    case ExprKind::kIsRunning:
      return Value(
          handle_of<RunnerHandle>(expr.name, frame, expr.path, "Runner")->runner().is_running());
    case ExprKind::kInTask:
      return Value(ta::in_task());
  }
  return Value();
}

}  // namespace playground
