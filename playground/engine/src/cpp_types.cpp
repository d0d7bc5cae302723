#include "cpp_types.hpp"

#include <optional>
#include <utility>

namespace playground::cpp {

using K = Type::Kind;

namespace {

Type literal_type(const Value& v) {
  if (v.is_none()) return Type::of(K::kNone);
  if (v.get<bool>()) return Type::of(K::kBool);
  if (v.get<std::int64_t>()) return Type::of(K::kInt);
  if (v.get<double>()) return Type::of(K::kFloat);
  if (v.get<std::string>()) return Type::of(K::kStr);
  return {};
}

// The one type that holds both, if there is one.
std::optional<Type> unify(const Type& a, const Type& b) {
  if (a.is(K::kUnknown)) return b;
  if (b.is(K::kUnknown) || a == b) return a;
  if (a.is(K::kNone) || b.is(K::kNone)) {
    const Type& other = a.is(K::kNone) ? b : a;
    if (other.is(K::kOptional)) return other;
    return Type::of(K::kOptional, {other});
  }
  if (a.is(K::kOptional) || b.is(K::kOptional)) {
    const Type x = a.is(K::kOptional) ? a.item() : a;
    const Type y = b.is(K::kOptional) ? b.item() : b;
    auto u = unify(x, y);
    if (!u || u->is(K::kOptional)) return u;
    return Type::of(K::kOptional, {*u});
  }
  if (a.kind != b.kind) return std::nullopt;
  if (a.is(K::kError)) return Type::of(K::kError);  // caught as different types
  Type out = a;
  for (std::size_t i = 0; i < a.args.size() && i < b.args.size(); ++i) {
    auto u = unify(a.args[i], b.args[i]);
    if (!u) return std::nullopt;
    out.args[i] = *u;
  }
  return out;
}

bool numeric(const Type& t) { return t.is(K::kInt) || t.is(K::kFloat); }

Type value_of(const Type& t) { return t.is(K::kOptional) ? t.item() : t; }

class Infer {
 public:
  Infer(const Program& program, std::vector<Error>& errors) : errors_(errors) {
    types_.program = &program;
  }

  Types run() {
    const Program& p = *types_.program;
    for (const auto& [name, value] : p.globals) merge("global/" + name, literal_type(value), "");
    for (const auto& [name, def] : p.handlers) {
      merge(handler_key(name) + "/future", Type::of(K::kPromise, {Type{}}), def->path);
    }
    // Types flow both ways (an argument into a parameter, a put into the
    // queue a task was handed): walk until nothing changes.
    for (int pass = 0; pass < 16; ++pass) {
      changed_ = false;
      block(p.main, "main");
      for (const auto& [name, def] : p.tasks) body(*def, task_key(name));
      for (const auto& [name, def] : p.handlers) body(*def, handler_key(name));
      for (const auto& [name, def] : p.threads) body(*def, thread_key(name));
      if (!changed_ || !errors_.empty()) break;
    }
    return std::move(types_);
  }

 private:
  void body(const TaskDef& def, const std::string& key) {
    block(def.body, key);
    const bool falls_off =
        def.body.empty() || (def.body.back().op != Op::kReturn &&
                             !(def.body.back().op == Op::kWhile && def.body.back().cond &&
                               def.body.back().cond->kind == ExprKind::kLiteral &&
                               def.body.back().cond->literal.get<bool>() &&
                               *def.body.back().cond->literal.get<bool>()));
    if (falls_off && !types_.get(key + "/return").is(K::kUnknown)) {
      merge(key + "/return", Type::of(K::kNone), def.path);
    }
  }

  // Unifies the slot with `t`; a conflict is reported at `path`.
  Type merge(const std::string& key, const Type& t, const std::string& path) {
    const Type old = types_.get(key);
    auto u = unify(old, t);
    if (!u) {
      fail(path, "C++ needs one type here, but the value is a " + spell(old) +
                     " in one place and a " + spell(t) + " in another");
      return old;
    }
    if (!(*u == old)) {
      types_.slots[key] = *u;
      changed_ = true;
    }
    return *u;
  }

  Type merge_var(const std::string& body, const std::string& name, const Type& t,
                 const std::string& path) {
    return merge(types_.var_key(body, name), t, path);
  }

  // An expression's value flows into something of type `t`: a variable takes it on.
  // A value that is never None keeps its own type when it flows into an optional.
  void flow(const Expr& e, const Type& t, const std::string& body) {
    if (e.kind != ExprKind::kVar || t.is(K::kUnknown)) return;
    const Type now = types_.var(body, e.name);
    const bool never_none = !now.is(K::kUnknown) && !now.is(K::kOptional) && !now.is(K::kNone);
    merge_var(body, e.name, t.is(K::kOptional) && never_none ? t.item() : t, e.path);
  }

  // Arguments flow into the parameters of `def` (whose slots live under `key`).
  void call(const TaskDef& def, const std::string& key, const std::vector<Expr>& args,
            const std::string& body) {
    for (std::size_t i = 0; i < args.size() && i < def.params.size(); ++i) {
      const Type t = merge(key + "/" + def.params[i], types_.of(args[i], body), args[i].path);
      flow(args[i], t, body);
    }
  }

  void fail(const std::string& path, const std::string& message) {
    for (const auto& e : errors_) {
      if (e.path == path) return;
    }
    errors_.push_back({path, message});
  }

  void block(const Block& steps, const std::string& body) {
    for (const auto& s : steps) step(s, body);
  }

  void step(const Step& s, const std::string& body) {
    const Program& p = *types_.program;
    auto as = [&](const Type& t) {
      if (!s.as.empty()) merge_var(body, s.as, t, s.path + "/as");
    };
    const Type target = s.target.empty() ? Type{} : types_.var(body, s.target);
    switch (s.op) {
      case Op::kSet: {
        const Type t = merge_var(body, s.var, types_.of(*s.value, body), s.path + "/value");
        flow(*s.value, t, body);
        break;
      }
      case Op::kFor:
        merge_var(body, s.var, Type::of(K::kInt), s.path + "/var");
        break;
      case Op::kTry:
        for (const auto& e : s.excepts) {
          if (!e.as.empty()) {
            Type t = Type::of(K::kError);
            if (e.types.size() == 1 && e.types[0] == "ExceptionGroup") t = Type::of(K::kGroup);
            if (e.types.size() == 1 && t.is(K::kError)) t.error = e.types[0];
            merge_var(body, e.as, t, e.path + "/as");
          }
          block(e.body, body);
        }
        break;
      case Op::kReturn:
        merge(body + "/return", s.value ? types_.of(*s.value, body) : Type::of(K::kNone), s.path);
        break;
      case Op::kWithRunner:
        as(Type::of(K::kRunner));
        break;
      case Op::kWithServer:
        as(Type::of(K::kServer));
        break;
      case Op::kCreateTask:
      case Op::kCreateBackgroundTask:
      case Op::kStartThread: {
        const bool thread = s.op == Op::kStartThread;
        const std::string key = thread ? thread_key(s.task->name) : task_key(s.task->name);
        call(*s.task, key, s.args, body);
        as(Type::of(thread ? K::kThread : K::kTask, {types_.result(key)}));
        break;
      }
      case Op::kWait:
      case Op::kResult:
      case Op::kResultWait:
      case Op::kJoin:
      case Op::kGet:
      case Op::kGetWait:
        if (!(s.op == Op::kWait && s.second_kind)) as(value_of(target).item());
        break;
      case Op::kTryGet:
        as(Type::of(K::kOptional, {value_of(target).item()}));
        break;
      case Op::kEvent:
        as(Type::of(K::kEvent));
        break;
      case Op::kQueue:
        as(Type::of(K::kQueue, {Type{}}));
        break;
      case Op::kFuture:
        as(Type::of(K::kFuture, {Type{}}));
        break;
      case Op::kPut:
      case Op::kPutWait:
      case Op::kTryPut: {
        const Type t = merge_var(body, s.target, Type::of(K::kQueue, {types_.of(*s.value, body)}),
                                 s.path + "/value");
        flow(*s.value, t.item(), body);
        if (s.op == Op::kTryPut) as(Type::of(K::kBool));
        break;
      }
      case Op::kSetResult: {
        const Type v = s.value ? types_.of(*s.value, body) : Type::of(K::kNone);
        const Type handle = value_of(target);
        if (handle.is(K::kFuture) || handle.is(K::kPromise)) {
          Type want = Type::of(handle.kind, {v});
          if (target.is(K::kOptional)) want = Type::of(K::kOptional, {want});
          const Type t = merge_var(body, s.target, want, s.path + "/value");
          if (s.value) flow(*s.value, value_of(t).item(), body);
        }
        break;
      }
      case Op::kClient:
        as(Type::of(K::kClient));
        break;
      case Op::kRequest: {
        const auto it = p.handlers.find(s.function);
        if (it == p.handlers.end()) break;
        call(*it->second, handler_key(s.function), s.args, body);
        as(types_.get(handler_key(s.function) + "/future").item());
        break;
      }
      case Op::kProcess:
        as(Type::of(K::kBool));
        break;
      default:
        break;
    }
    block(s.body, body);
    block(s.orelse, body);
    block(s.finally, body);
  }

  std::vector<Error>& errors_;
  Types types_;
  bool changed_ = false;
};

}  // namespace

std::string Types::var_key(const std::string& body, const std::string& name) const {
  if (program != nullptr && program->globals.count(name) != 0) return "global/" + name;
  return body + "/" + name;
}

Type Types::var(const std::string& body, const std::string& name) const {
  return get(var_key(body, name));
}

Type Types::get(const std::string& key) const {
  auto it = slots.find(key);
  return it == slots.end() ? Type{} : it->second;
}

Type Types::of(const Expr& e, const std::string& body) const {
  auto arg = [&](std::size_t i) { return i < e.args.size() ? of(e.args[i], body) : Type{}; };
  switch (e.kind) {
    case ExprKind::kLiteral:
      return literal_type(e.literal);
    case ExprKind::kVar:
      return var(body, e.name);
    case ExprKind::kAdd:
    case ExprKind::kSub:
    case ExprKind::kMul: {
      const Type a = value_of(arg(0)), b = value_of(arg(1));
      if (a.is(K::kStr) && b.is(K::kStr) && e.kind == ExprKind::kAdd) return a;
      if (!numeric(a) || !numeric(b)) return {};
      return a.is(K::kFloat) || b.is(K::kFloat) ? Type::of(K::kFloat) : Type::of(K::kInt);
    }
    case ExprKind::kDiv:
      return Type::of(K::kFloat);
    case ExprKind::kNeg:
      return value_of(arg(0));
    case ExprKind::kEq:
    case ExprKind::kNe:
    case ExprKind::kLt:
    case ExprKind::kLe:
    case ExprKind::kGt:
    case ExprKind::kGe:
    case ExprKind::kNot:
    case ExprKind::kDone:
    case ExprKind::kCancelled:
    case ExprKind::kIsSet:
    case ExprKind::kEmpty:
    case ExprKind::kFull:
    case ExprKind::kIsRunning:
    case ExprKind::kInTask:
      return Type::of(K::kBool);
    case ExprKind::kAnd:
    case ExprKind::kOr:
      return arg(0).is(K::kBool) && arg(1).is(K::kBool) ? Type::of(K::kBool) : Type{};
    case ExprKind::kStr:
    case ExprKind::kRepr:
    case ExprKind::kTypeName:
      return Type::of(K::kStr);
    case ExprKind::kQsize:
      return Type::of(K::kInt);
    case ExprKind::kShutdownType:
      return Type::of(K::kShutdown);
    case ExprKind::kExceptions:
      return Type::of(K::kErrors);
    default:
      return {};
  }
}

std::string spell(const Type& t) {
  auto inner = [&](const char* fallback) {
    const Type item = t.item();
    if (item.is(K::kUnknown) || item.is(K::kNone)) return std::string(fallback);
    return spell(item);
  };
  switch (t.kind) {
    case K::kUnknown:
      return "(unknown)";
    case K::kNone:
      return "None";
    case K::kBool:
      return "bool";
    case K::kInt:
      return "int";
    case K::kFloat:
      return "double";
    case K::kStr:
      return "std::string";
    case K::kOptional:
      return "std::optional<" + spell(t.item()) + ">";
    case K::kError:
      return "exception";
    case K::kGroup:
      return "ta::ExceptionGroup";
    case K::kErrors:
      return "exceptions";
    case K::kShutdown:
      return "ta::ShutdownType";
    case K::kTask:
      return "ta::BackgroundTask<" + inner("void") + ">";
    case K::kEvent:
      return "ta::Event";
    case K::kQueue:
      return "ta::Queue<" + inner("int") + ">";
    case K::kFuture:
      return "ta::Future<" + inner("void") + ">";
    case K::kPromise:
      return "ta::Promise";
    case K::kRunner:
      return "ta::AsyncRunner";
    case K::kServer:
      return "MyServer";
    case K::kClient:
      return "Stub";
    case K::kThread:
      return "std::thread";
  }
  return "(unknown)";
}

Types infer_types(const Program& program, std::vector<Error>& errors) {
  return Infer(program, errors).run();
}

}  // namespace playground::cpp
