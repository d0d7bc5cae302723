// The C++ generator's names and declared types: a function or variable keeps
// its scenario name unless C++ or another function has it; a declared type
// brings the headers it needs; a scenario's exception type becomes the
// library's, std::exception, or a class of the program's own.
#include "cpp_emitter.hpp"

namespace playground::cpp {

std::string Emitter::ident(const std::string& name) {
  return reserved().count(name) != 0 ? name + "_" : name;
}

std::string Emitter::var(const std::string& name) const {
  if (fn_ != nullptr && fn_->handler && name == "future") return "future";
  if (p_.tasks.count(name) != 0 || p_.threads.count(name) != 0 || p_.handlers.count(name) != 0) {
    const Type t = fn_ == nullptr ? Type{} : type_of_var(name);
    return name + (t.is(K::kThread) ? "_thread" : t.is(K::kTask) ? "_task" : "_");
  }
  return ident(name);
}

std::string Emitter::spell_decl(const Type& t, const std::string& path) {
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

std::string Emitter::spell_result(const Type& t, const std::string& path) {
  if (t.is(K::kUnknown) || t.is(K::kNone)) return "void";
  return spell_decl(t, path);
}

std::string Emitter::cpp_error(const std::string& type, const std::string& path) {
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

}  // namespace playground::cpp
