#include "cpp_text.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include "value.hpp"

namespace playground::cpp {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char octal[8];
      std::snprintf(octal, sizeof octal, "\\%03o", static_cast<unsigned>(c));
      out += octal;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string number(double x) { return repr(Value(x)); }

std::string duration_literal(double seconds) {
  const double ms = seconds * 1000;
  if (seconds == std::floor(seconds) && seconds < 1e9) {
    return std::to_string(static_cast<long long>(seconds)) + "s";
  }
  if (std::abs(ms - std::round(ms)) < 1e-9 && ms < 1e12) {
    return std::to_string(static_cast<long long>(std::round(ms))) + "ms";
  }
  return "std::chrono::duration<double>(" + number(seconds) + ")";
}

const std::set<std::string>& reserved() {
  static const std::set<std::string> words = {
      "alignas",  "alignof",  "and",      "asm",      "auto",     "bool",      "break",
      "case",     "catch",    "char",     "class",    "const",    "constexpr", "continue",
      "default",  "delete",   "do",       "double",   "else",     "enum",      "explicit",
      "export",   "extern",   "false",    "float",    "for",      "friend",    "goto",
      "if",       "inline",   "int",      "long",     "mutable",  "namespace", "new",
      "noexcept", "not",      "nullptr",  "operator", "or",       "private",   "protected",
      "public",   "register", "return",   "short",    "signed",   "sizeof",    "static",
      "struct",   "switch",   "template", "this",     "throw",    "true",      "try",
      "typedef",  "typeid",   "typename", "union",    "unsigned", "using",     "virtual",
      "void",     "volatile", "while",    "xor",      "std",      "ta",        "main",
      "Stub",     "MyServer", "assert",   "errno"};
  return words;
}

const std::map<std::string, std::string>& library_errors() {
  static const std::map<std::string, std::string> m = {
      {"EventLoopTimeoutError", "ta::EventLoopTimeoutError"},
      {"TimeoutError", "ta::EventLoopTimeoutError"},
      {"CancelledError", "ta::CancelledError"},
      {"ExceptionGroup", "ta::ExceptionGroup"},
      {"UsageError", "ta::UsageError"},
      {"WouldDeadlockError", "ta::WouldDeadlockError"},
      {"NotInTaskError", "ta::NotInTaskError"},
      {"RunnerStoppedError", "ta::RunnerStoppedError"},
      {"InvalidStateError", "ta::InvalidStateError"},
      {"TypeMismatchError", "ta::TypeMismatchError"},
  };
  return m;
}

bool raised_by_python_only(const std::string& type) {
  static const std::set<std::string> names = {
      "TypeError",       "NameError",   "ZeroDivisionError", "OverflowError",
      "ArithmeticError", "LookupError", "RuntimeError",      "RecursionError"};
  return names.count(type) != 0;
}

namespace {

// Splits at `sep` outside string literals and brackets.
std::vector<std::string> split_top(const std::string& text, const std::string& sep) {
  std::vector<std::string> parts;
  int depth = 0;
  bool quoted = false;
  std::size_t from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '\\') ++i;
      if (c == '"') quoted = false;
    } else if (c == '"') {
      quoted = true;
    } else if (c == '(' || (c == '<' && text.compare(i, 2, "<<") != 0)) {
      ++depth;
    } else if ((c == ')' || c == '>') && depth > 0) {
      --depth;
    } else if (depth == 0 && text.compare(i, sep.size(), sep) == 0) {
      parts.push_back(text.substr(from, i - from));
      i += sep.size() - 1;
      from = i + 1;
    }
  }
  parts.push_back(text.substr(from));
  return parts;
}

}  // namespace

std::string wrap(const std::string& pad, const std::string& text) {
  constexpr std::size_t kColumns = 100;
  if (pad.size() + text.size() <= kColumns || text.find('\n') != std::string::npos) {
    return pad + text + "\n";
  }
  if (text.rfind("std::cout << ", 0) == 0) {
    const auto parts = split_top(text.substr(13), " << ");
    const std::string more = pad + "          << ";
    std::string out = pad + "std::cout << " + parts[0], current = out;
    for (std::size_t i = 1; i < parts.size(); ++i) {
      if (current.size() + 4 + parts[i].size() <= kColumns) {
        current += " << " + parts[i];
        out += " << " + parts[i];
      } else {
        current = more + parts[i];
        out += "\n" + current;
      }
    }
    return out + "\n";
  }
  for (std::size_t at = text.rfind('('); at != std::string::npos && at > 0;
       at = text.rfind('(', at - 1)) {
    if (pad.size() + at + 1 <= kColumns) {
      return pad + text.substr(0, at + 1) + "\n" + pad + "    " + text.substr(at + 1) + "\n";
    }
  }
  return pad + text + "\n";
}

}  // namespace playground::cpp
