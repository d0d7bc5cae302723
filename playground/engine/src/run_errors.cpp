// The run's errors: the library's exceptions as the errors scenarios name
// (EventLoopTimeoutError, ExceptionGroup...), which of them an except clause
// catches, and raising a scenario error.
#include <algorithm>
#include <functional>

#include "interpreter.hpp"

namespace playground {
namespace {

// The library's error types, under the names scenarios use.
std::optional<Value> library_error(const std::exception_ptr& error,
                                   const std::function<Value(const std::exception_ptr&)>& member) {
  try {
    std::rethrow_exception(error);
  } catch (const ScenarioError& e) {
    return e.value();
  } catch (const LimitError&) {
    return std::nullopt;
  } catch (const ta::CancelledError&) {
    return make_error("CancelledError", "");
  } catch (const ta::EventLoopTimeoutError& e) {
    return make_error("EventLoopTimeoutError", e.what());
  } catch (const ta::ExceptionGroup& g) {
    std::vector<Value> members;
    for (const auto& m : g.exceptions()) members.push_back(member(m));
    return make_error("ExceptionGroup", "unretrieved task errors", std::move(members));
  } catch (const ta::WouldDeadlockError& e) {
    return make_error("WouldDeadlockError", e.what());
  } catch (const ta::NotInTaskError& e) {
    return make_error("NotInTaskError", e.what());
  } catch (const ta::RunnerStoppedError& e) {
    return make_error("RunnerStoppedError", e.what());
  } catch (const ta::InvalidStateError& e) {
    return make_error("InvalidStateError", e.what());
  } catch (const ta::TypeMismatchError& e) {
    return make_error("TypeMismatchError", e.what());
  } catch (const ta::UsageError& e) {
    return make_error("UsageError", e.what());
  } catch (const std::exception& e) {
    return make_error("RuntimeError", e.what());
  } catch (...) {
    return make_error("RuntimeError", "an unknown C++ exception");
  }
}

const std::vector<std::string>& usage_errors() {
  static const std::vector<std::string> names = {"WouldDeadlockError", "NotInTaskError",
                                                 "RunnerStoppedError", "InvalidStateError",
                                                 "TypeMismatchError"};
  return names;
}

}  // namespace

std::exception_ptr limit_member(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ta::ExceptionGroup& g) {
    for (const auto& m : g.exceptions()) {
      try {
        std::rethrow_exception(m);
      } catch (const LimitError&) {
        return m;
      } catch (...) {
      }
    }
  } catch (...) {
  }
  return nullptr;
}

void Run::raise(const std::string& type, const std::string& message, const std::string& path) {
  throw ScenarioError(type, message, path);
}

Value Run::error_value(const std::exception_ptr& error) {
  auto v = library_error(error, [this](const std::exception_ptr& m) { return error_value(m); });
  return v ? *v : make_error("LimitError", "");
}

bool Run::matches(const std::exception_ptr& error, const std::vector<std::string>& types) {
  const std::string t = type_name(error_value(error));
  for (const auto& want : types) {
    if (want == "BaseException" || want == t) return true;
    if (want == "Exception" && t != "CancelledError") return true;
    if (want == "TimeoutError" && t == "EventLoopTimeoutError") return true;
    if (want == "UsageError" &&
        std::find(usage_errors().begin(), usage_errors().end(), t) != usage_errors().end()) {
      return true;
    }
  }
  return false;
}

}  // namespace playground
