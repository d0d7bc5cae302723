// Python-like formatting and comparison of scenario values.
#include "value.hpp"

#include "handles.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace playground {
namespace {

// repr() of a float, as Python writes it: the shortest digits that read back
// to the same double, positional for exponents in [-4, 16), else scientific.
std::string float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  // The fewest significant digits that read back as x ("%.16e" always does).
  char buf[64];
  for (int precision = 0; precision <= 16; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  std::string sci(buf);
  const bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  const auto e = sci.find('e');
  std::string digits = sci.substr(0, e);
  const int exponent = std::atoi(sci.c_str() + e + 1);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out;
  if (exponent >= -4 && exponent < 16) {
    if (exponent < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
      const auto int_len = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out = digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    const int mag = exponent < 0 ? -exponent : exponent;
    out +=
        std::string("e") + (exponent < 0 ? "-" : "+") + (mag < 10 ? "0" : "") + std::to_string(mag);
  }
  return negative ? "-" + out : out;
}

// repr() of a str: single quotes unless the text has ' and no ".
std::string string_repr(const std::string& s) {
  const bool double_quotes = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char quote = double_quotes ? '"' : '\'';
  std::string out(1, quote);
  for (const char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c == quote) {
          out += '\\';
          out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
          static const char* hex = "0123456789abcdef";
          out += "\\x";
          out += hex[(c >> 4) & 0xf];
          out += hex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  return out + quote;
}

std::string tuple_repr(const Tuple& items) {
  std::string out = "(";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + repr(items[i]);
  return out + (items.size() == 1 ? ",)" : ")");
}

std::string error_repr(const ErrorValue& e) {
  if (e.type == "ExceptionGroup") {
    return "ExceptionGroup(" + string_repr(e.message) + ", [" + [&] {
      std::string m;
      for (std::size_t i = 0; i < e.members.size(); ++i) {
        m += (i ? ", " : "") + repr(e.members[i]);
      }
      return m;
    }() + "])";
  }
  return e.type + "(" + (e.message.empty() ? "" : string_repr(e.message)) + ")";
}

}  // namespace

std::size_t weight(const Value& value) {
  if (const auto* t = value.get<std::shared_ptr<const TupleValue>>()) return (*t)->weight;
  if (const auto* s = value.get<std::string>()) return 1 + s->size();
  return 1;
}

Value make_tuple(Tuple items) {
  std::size_t total = 1;
  for (const auto& item : items) total += weight(item);
  return Value(std::make_shared<const TupleValue>(TupleValue{std::move(items), total}));
}

Value make_error(std::string type, std::string message, std::vector<Value> members) {
  return Value(std::make_shared<const ErrorValue>(
      ErrorValue{std::move(type), std::move(message), std::move(members)}));
}

std::string type_name(const Value& value) {
  static const char* names[] = {"NoneType", "bool",   "int",    "float",   "str",
                                "tuple",    "error",  "Task",   "Event",   "Queue",
                                "Future",   "Runner", "Client", "Promise", "Thread"};
  static_assert(sizeof(names) / sizeof(names[0]) == std::variant_size_v<Value::Storage>);
  if (const auto* e = value.get<std::shared_ptr<const ErrorValue>>()) return (*e)->type;
  return names[value.v.index()];
}

std::string str(const Value& value) {
  if (const auto* s = value.get<std::string>()) return *s;
  if (const auto* e = value.get<std::shared_ptr<const ErrorValue>>()) {
    return (*e)->type == "ExceptionGroup"
               ? (*e)->message + " (" + std::to_string((*e)->members.size()) + " sub-exception" +
                     ((*e)->members.size() == 1 ? "" : "s") + ")"
               : (*e)->message;
  }
  return repr(value);
}

std::string repr(const Value& value) {
  return std::visit(
      [&](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "None";
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "True" : "False";
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          return std::to_string(x);
        } else if constexpr (std::is_same_v<T, double>) {
          return float_repr(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return string_repr(x);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const TupleValue>>) {
          return tuple_repr(x->items);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const ErrorValue>>) {
          return error_repr(*x);
        } else {
          // Appended, not "<" + ...: g++ 12 warns falsely (-Wrestrict) about that at -O2.
          std::string text = "<";
          text += type_name(value);
          text += ' ';
          text += x->name;
          text += '>';
          return text;
        }
      },
      value.v);
}

bool truthy(const Value& value) {
  return std::visit(
      [](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return false;
        } else if constexpr (std::is_same_v<T, bool>) {
          return x;
        } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          return x != 0;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return !x.empty();
        } else if constexpr (std::is_same_v<T, std::shared_ptr<const TupleValue>>) {
          return !x->items.empty();
        } else {
          return true;
        }
      },
      value.v);
}

bool equal(const Value& a, const Value& b) {
  auto number = [](const Value& v, double& out) {
    if (const auto* i = v.get<std::int64_t>()) return out = static_cast<double>(*i), true;
    if (const auto* d = v.get<double>()) return out = *d, true;
    if (const auto* b = v.get<bool>()) return out = *b ? 1.0 : 0.0, true;
    return false;
  };
  if (const auto* x = a.get<std::int64_t>(), *y = b.get<std::int64_t>(); x && y) return *x == *y;
  double x = 0, y = 0;
  if (number(a, x) && number(b, y)) return x == y;
  if (a.v.index() != b.v.index()) return false;
  if (a.is_none()) return true;
  if (const auto* s = a.get<std::string>()) return *s == *b.get<std::string>();
  if (const auto* t = a.get<std::shared_ptr<const TupleValue>>()) {
    const auto& u = *b.get<std::shared_ptr<const TupleValue>>();
    if (*t == u) return true;
    if ((*t)->items.size() != u->items.size()) return false;
    for (std::size_t i = 0; i < u->items.size(); ++i) {
      if (!equal((*t)->items[i], u->items[i])) return false;
    }
    return true;
  }
  // Errors and handles: the same object.
  return std::visit(
      [&](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::shared_ptr<const ErrorValue>> ||
                      std::is_same_v<T, std::shared_ptr<TaskHandle>> ||
                      std::is_same_v<T, std::shared_ptr<EventHandle>> ||
                      std::is_same_v<T, std::shared_ptr<QueueHandle>> ||
                      std::is_same_v<T, std::shared_ptr<FutureHandle>> ||
                      std::is_same_v<T, std::shared_ptr<RunnerHandle>> ||
                      std::is_same_v<T, std::shared_ptr<ClientHandle>> ||
                      std::is_same_v<T, std::shared_ptr<PromiseHandle>> ||
                      std::is_same_v<T, std::shared_ptr<ThreadHandle>>) {
          return x == *b.get<T>();
        } else {
          return false;
        }
      },
      a.v);
}

ScenarioError::ScenarioError(std::string type, std::string message, std::string path,
                             std::vector<Value> members)
    : std::runtime_error(type + ": " + message),
      type_(std::move(type)),
      message_(std::move(message)),
      path_(std::move(path)),
      members_(std::move(members)) {}

Value ScenarioError::value() const { return make_error(type_, message_, members_); }

}  // namespace playground
