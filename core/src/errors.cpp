// Error types and how exceptions are described.
#include "threaded_async/errors.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>
#include <sstream>
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
  std::ostringstream out;
  out << "(";
  for (std::size_t i = 0; i < exceptions_.size(); ++i) {
    out << (i > 0 ? ", " : "") << describe_exception(exceptions_[i]);
  }
  out << (exceptions_.size() == 1 ? ",)" : ")");
  description_ = out.str();
  out.str("");
  out << exceptions_.size() << " unretrieved task error" << (exceptions_.size() == 1 ? "" : "s")
      << ": " << description_;
  what_ = out.str();
}

}  // namespace threaded_async
