// The C++ generator's statements: one scenario step as the library call,
// control statement or declaration a user would write, with the step's
// comment above it; the handles it makes and the threads it starts.
#include <nlohmann/json.hpp>

#include "cpp_emitter.hpp"

namespace playground::cpp {

std::string Emitter::step(const Block& steps, std::size_t index) {
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
        const std::string inc = step_by.empty() || step_by == "1" ? "++" + n : n + " += " + step_by;
        out += line("for (int " + n + " = " + start + "; " + n + " < " + stop + "; " + inc + ") {");
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
      out += line(spell_decl(item, s.path) + " " + held + " = " + into(*s.value, item).text + ";");
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

std::string Emitter::assign(const std::string& name, bool spelled_type) {
  if (name.empty()) return "";
  const Type t = type_of_var(name);
  fn_->not_none.back().erase(name);
  if (fn_->declared.count(name) != 0 || fn_->outside.count(name) != 0) return var(name) + " = ";
  fn_->declared.insert(name);
  return (spelled_type ? spell_decl(t, "") : std::string("auto")) + " " + var(name) + " = ";
}

std::string Emitter::thread_runner(const std::string& path) {
  if (fn_->handler) return "runner()";
  if (fn_->runners.empty()) {
    cannot(path,
           "a thread body has no runner in C++: create what it needs on the main thread "
           "and pass it in");
  }
  return fn_->runners.back();
}

std::string Emitter::call_args(const std::vector<Expr>& args, const std::string& key,
                               const std::vector<std::string>& params) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    out += ", " + into(args[i], types_.get(key + "/" + params[i])).text;
  }
  return out;
}

std::optional<std::string> Emitter::doc_comment(const std::string& path) const {
  try {
    const auto& j = doc_.at(nlohmann::ordered_json::json_pointer(path));
    if (j.is_object() && j.contains("comment") && j["comment"].is_string()) {
      return j["comment"].get<std::string>();
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

Type Emitter::value_of_handle(const std::string& name) const {
  const Type t = type_of_var(name);
  return t.is(K::kOptional) ? t.item() : t;
}

std::string Emitter::result_assign(const Step& s) {
  if (s.as.empty()) return "";
  const Type t = type_of_var(s.as);
  if (t.is(K::kUnknown) || t.is(K::kNone)) {
    const Decl* d = fn_->scoping.find(s.as);
    if (d == nullptr || d->first == d->last) return "";
    cannot(s.path + "/as", "this call returns nothing in C++ (void), so there is nothing to keep");
  }
  const bool scalar = t.is(K::kInt) || t.is(K::kBool) || t.is(K::kStr) || t.is(K::kOptional);
  return assign(s.as, scalar);
}

std::string Emitter::make(const Step& s, const std::string& type, const std::string& extra) {
  if (fn_->task) {
    cannot(s.path,
           "a task has no runner to create this on in C++: create it on the main "
           "thread and pass it in");
  }
  const std::string runner = thread_runner(s.path);
  if (fn_->declared.count(s.as) != 0) {
    cannot(s.path + "/as",
           "C++ cannot assign a new " + type + " to " + s.as + "; give each one its own variable");
  }
  fn_->declared.insert(s.as);
  return line(type + " " + var(s.as) + "(" + runner + extra + ");");
}

std::string Emitter::server_name(const std::string& path) {
  for (auto it = servers_.rbegin(); it != servers_.rend(); ++it) return *it;
  cannot(path, "this step needs a server");
}

std::string Emitter::start_thread(const Step& s) {
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

}  // namespace playground::cpp
