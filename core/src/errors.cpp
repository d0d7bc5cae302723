// Error types and how exceptions are described.
#include "threaded_async/errors.hpp"

#include "threaded_async/detail/value_slot.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <typeinfo>

namespace threaded_async {
namespace {

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                             std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(name);
}

}  // namespace

namespace detail {
const std::runtime_error& cancelled_error_prototype() {
  static const std::runtime_error prototype("the task was cancelled");
  return prototype;
}
}  // namespace detail

std::string describe_exception(const std::exception_ptr& e) {
  if (!e) return "None";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return demangle(typeid(ex).name()) + "('" + ex.what() + "')";
  } catch (...) {
    const std::type_info* type = abi::__cxa_current_exception_type();
    return (type != nullptr ? demangle(type->name()) : std::string("unknown exception")) + "()";
  }
}

ExceptionGroup::ExceptionGroup(std::vector<std::exception_ptr> exceptions)
    : exceptions_(std::move(exceptions)) {
  // Strings, not a std::ostringstream: iostreams would bring libc++'s locales
  // into every program (in the WebAssembly demo, 0.29 MB of its 0.67 MB .wasm).
  description_.push_back('(');
  for (std::size_t i = 0; i < exceptions_.size(); ++i) {
    if (i > 0) description_ += ", ";
    description_ += describe_exception(exceptions_[i]);
  }
  description_ += exceptions_.size() == 1 ? ",)" : ")";
  what_ = std::to_string(exceptions_.size());
  what_ += exceptions_.size() == 1 ? " unretrieved task error: " : " unretrieved task errors: ";
  what_ += description_;
}

namespace detail {

void throw_value_taken(const char* what, std::string_view whose, std::string_view name,
                       const std::type_info& type, bool copyable) {
  std::string message = std::string(what) + ": " + std::string(whose);
  if (!name.empty()) message += " '" + std::string(name) + "'";
  message += " was already moved out by an earlier read";
  if (copyable) {
    message +=
        " from an rvalue (std::move(x) or a temporary), which takes the value without a copy; "
        "read a copyable value from an lvalue to keep it readable, as with "
        "std::shared_future::get";
  } else {
    message += ": " + demangle(type.name()) +
               " is move-only, so it is read once, as with std::future::get; keep what the "
               "first read returned, or make the value copyable (e.g. a std::shared_ptr) to "
               "read it many times, as with std::shared_future";
  }
  throw InvalidStateError(message);
}

}  // namespace detail
}  // namespace threaded_async
