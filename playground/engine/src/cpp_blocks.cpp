// The C++ generator's blocks and the scopes that open them: a block's steps
// with the variables declared before them where cpp_scoping.hpp places them,
// try/catch for try, and the AsyncRunner or Server scope of with_runner and
// with_server (with its options, and closed where a variable outlives it).
#include <algorithm>

#include "cpp_emitter.hpp"

namespace playground::cpp {

std::string Emitter::block(const Block& steps) {
  std::string out;
  fn_->not_none.push_back(fn_->not_none.back());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    for (const auto& name : fn_->scoping.before(&steps, i)) out += predeclare(name, steps[i]);
    out += step(steps, i);
  }
  fn_->not_none.pop_back();
  return out;
}

const Step* Emitter::find_with(const Step& s, const std::string& name) {
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

std::string Emitter::predeclare(const std::string& name, const Step& at) {
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

void Emitter::narrow_after_if(const Step& s) {
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

std::string Emitter::try_step(const Step& s) {
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

std::vector<std::string> Emitter::runner_options(const RunnerSpec& spec,
                                                 const std::string& options) {
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

std::string Emitter::runner_declaration(const Step& s, const std::string& name) {
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

std::string Emitter::with_step(const Block& steps, std::size_t index) {
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

}  // namespace playground::cpp
