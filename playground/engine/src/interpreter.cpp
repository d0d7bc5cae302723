// Running a compiled scenario on the real library: steps of the main program
// on the calling thread, task bodies inside real tasks, handler bodies inside
// Server::process. Expressions are evaluated in evaluate.cpp.
#include "interpreter.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <thread>

namespace playground {
namespace {

using Clock = std::chrono::steady_clock;

// The name the trace gives the calling thread when it is not in a task.
thread_local const char* tl_thread = "thread";

ta::Timeout seconds_timeout(double s) { return ta::Timeout(std::chrono::duration<double>(s)); }

std::string join_repr(const std::vector<Value>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + repr(values[i]);
  return out;
}

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

// The first LimitError among an ExceptionGroup's members, if any.
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

const std::vector<std::string>& usage_errors() {
  static const std::vector<std::string> names = {"WouldDeadlockError", "NotInTaskError",
                                                 "RunnerStoppedError", "InvalidStateError",
                                                 "TypeMismatchError"};
  return names;
}

// What a task body is to the library: a plain callable run on a fiber.
struct TaskBody {
  std::shared_ptr<Run> run;
  const TaskDef* def;
  std::vector<Value> args;
  RunnerHandle* runner;
  Value operator()() { return run->run_task(*def, std::move(args), runner); }
};

}  // namespace

void ScenarioServer::handle_request(ta::ExecutionRequest& request, ta::Promise& future) {
  run_.handle(request, future, owner_);
}

Run::Run(std::unique_ptr<Program> program, const Limits& limits)
    : program_(std::move(program)), limits_(limits), globals_(program_->globals) {}

Result Run::run() {
  tl_thread = "main";
  start_ = Clock::now();
  const double wall =
      std::isfinite(limits_.wall_time_s) ? std::clamp(limits_.wall_time_s, 0.0, 86400.0) : 86400.0;
  deadline_ =
      start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wall));
  Result result;
  Frame frame;
  try {
    exec_block(program_->main, frame);
    result.ok = true;
  } catch (const LimitError& e) {
    result.error = Error{e.path(), e.what()};
  } catch (const ScenarioError& e) {
    trace("failed", repr(e.value()));
    // Python's last traceback line, with a group's members.
    std::string message = e.message().empty() ? e.type() : e.type() + ": " + e.message();
    if (!e.members().empty()) message += " " + repr(make_tuple(e.members()));
    result.error = Error{e.path(), message};
  } catch (const ta::CancelledError&) {
    result.error = Error{"", "CancelledError"};
  } catch (const std::exception& e) {
    result.error = Error{"", std::string("internal error: ") + e.what()};
  }
  // The run ends with its last thread. Their waits are bounded by the wall time too.
  for (;;) {
    std::vector<std::shared_ptr<ThreadHandle>> threads;
    {
      std::lock_guard<std::mutex> guard(threads_mutex_);
      threads.swap(threads_);
    }
    if (threads.empty()) break;
    for (const auto& t : threads) t->thread.join();
  }
  // Globals may hold task handles whose bodies hold this run: let them go now.
  std::map<std::string, Value> globals;
  {
    std::lock_guard<std::mutex> guard(globals_mutex_);
    globals.swap(globals_);
  }
  globals.clear();
  std::lock_guard<std::mutex> guard(out_mutex_);
  result.output = output_;
  result.trace = trace_;
  if (trace_truncated_) {
    result.trace.push_back(TraceEvent{
        std::chrono::duration<double, std::milli>(Clock::now() - start_).count(), "main",
        std::nullopt, "truncated",
        "the trace was cut at " + std::to_string(limits_.max_trace_events) + " events", ""});
  }
  result.shutdown_type = shutdown_type_;
  return result;
}

// --- Bounds ------------------------------------------------------------------

void Run::limit(const std::string& path, const std::string& message) {
  {
    std::lock_guard<std::mutex> guard(abort_mutex_);
    if (!abort_error_) abort_error_ = Error{path, message};
  }
  aborted_.store(true);
  throw LimitError(path, message);
}

void Run::check_abort(const std::string& path) {
  if (!aborted_.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> guard(abort_mutex_);
  throw LimitError(abort_error_ ? abort_error_->path : path,
                   abort_error_ ? abort_error_->message : "the run was aborted");
}

void Run::count_step(const std::string& path) {
  check_abort(path);
  if (steps_.fetch_add(1, std::memory_order_relaxed) >= limits_.max_steps) {
    limit(path, "step limit reached: the run executed " + std::to_string(limits_.max_steps) +
                    " steps and expressions; is a loop running for ever?");
  }
  if (Clock::now() > deadline_) wall_time_exceeded(path);
}

void Run::wall_time_exceeded(const std::string& path) {
  limit(
      path, "wall-time limit reached: the run took longer than " + [&] {
        std::ostringstream s;
        s << limits_.wall_time_s;
        return s.str();
      }() + " s; is something waiting for ever?");
}

std::string Run::check_string(std::string s, const std::string& path) {
  if (s.size() > limits_.max_string_bytes) {
    limit(path, "string limit reached: a string of " + std::to_string(s.size()) +
                    " bytes; the limit is " + std::to_string(limits_.max_string_bytes));
  }
  return s;
}

// --- Output ------------------------------------------------------------------

namespace {

const void* context_key() {
  return ta::in_task() ? static_cast<const void*>(&ta::current_task_name())
                       : static_cast<const void*>(tl_thread);
}

}  // namespace

const std::string* Run::enter_step(const std::string* path) {
  const void* key = context_key();
  std::lock_guard<std::mutex> guard(out_mutex_);
  const std::string*& current = current_step_[key];
  const std::string* previous = current;
  current = path;
  return previous;
}

void Run::trace(const char* event, std::string detail) {
  std::optional<std::string> task;
  if (ta::in_task()) task = ta::current_task_name();
  const void* key = context_key();
  std::lock_guard<std::mutex> guard(out_mutex_);
  const auto step = current_step_.find(key);
  std::string path = step != current_step_.end() && step->second ? *step->second : "";
  // Read under the lock, so that the trace's times never go backwards.
  const double t = std::chrono::duration<double, std::milli>(Clock::now() - start_).count();
  if (trace_.size() >= limits_.max_trace_events) {
    trace_truncated_ = true;
    return;
  }
  trace_.push_back(TraceEvent{t, task ? "loop" : tl_thread, std::move(task), event,
                              std::move(detail), std::move(path)});
}

void Run::print(const std::string& line, const std::string& path) {
  bool full = false;
  {
    std::lock_guard<std::mutex> guard(out_mutex_);
    full = output_.size() >= limits_.max_output_lines;
    if (!full) output_.push_back(line);
  }
  if (full) {
    limit(path, "output limit reached: more than " + std::to_string(limits_.max_output_lines) +
                    " printed lines");
  }
  trace("print", line);
}

std::string Run::unique_task_name(const std::string& base) {
  std::lock_guard<std::mutex> guard(out_mutex_);
  const int n = ++task_names_[base];
  return n == 1 ? base : base + "-" + std::to_string(n);
}

// --- Variables -----------------------------------------------------------------

Value Run::lookup(const std::string& name, const Frame& frame, const std::string& path) {
  if (auto it = frame.locals.find(name); it != frame.locals.end()) return it->second;
  {
    std::lock_guard<std::mutex> guard(globals_mutex_);
    if (auto it = globals_.find(name); it != globals_.end()) return it->second;
  }
  raise("NameError", "name '" + name + "' is not defined yet (it is assigned later)", path);
}

void Run::assign(const std::string& name, Value value, Frame& frame) {
  if (!frame.locals.count(name) && program_->globals.count(name)) {
    std::lock_guard<std::mutex> guard(globals_mutex_);
    globals_[name] = std::move(value);
    return;
  }
  frame.locals[name] = std::move(value);
}

void Run::raise(const std::string& type, const std::string& message, const std::string& path) {
  throw ScenarioError(type, message, path);
}

// --- Timeouts ------------------------------------------------------------------

double Run::seconds_of(const Value& v, const std::string& path, const char* what) {
  double s = 0;
  if (const auto* i = v.get<std::int64_t>()) {
    s = static_cast<double>(*i);
  } else if (const auto* d = v.get<double>()) {
    s = *d;
  } else {
    raise("TypeError", std::string(what) + " must be a number of seconds, not " + type_name(v),
          path);
  }
  if (!(s >= 0) || s > 1e9) {
    raise("ValueError",
          std::string(what) + " must be a number of seconds from 0 to 1e9, got " + repr(v), path);
  }
  return s;
}

std::optional<ta::Timeout> Run::timeout_of(const Step& step, Frame& frame) {
  if (!step.timeout) return std::nullopt;
  const Value v = eval(*step.timeout, frame);
  if (v.is_none()) return ta::Timeout::forever();
  return seconds_timeout(seconds_of(v, step.timeout->path, "timeout"));
}

ta::Timeout Run::default_timeout(RunnerHandle& runner) {
  return runner.runner().options().call_in_loop_timeout;
}

ta::Timeout Run::bounded(std::optional<ta::Timeout> timeout, ta::Timeout fallback, bool& clamped) {
  const ta::Timeout resolved = timeout ? *timeout : fallback;
  const auto left = std::max(deadline_ - Clock::now(), Clock::duration::zero());
  clamped = resolved.is_forever() || resolved.duration() > left;
  return clamped ? ta::Timeout(left) : resolved;
}

RunnerHandle& Run::current_runner(Frame& frame, const std::string& path) {
  if (frame.runners.empty()) {
    raise("RuntimeError", "no runner here: put this step inside with_runner or with_server", path);
  }
  return *frame.runners.back();
}

// --- Errors --------------------------------------------------------------------

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

// --- Tasks and handlers --------------------------------------------------------

Value Run::run_task(const TaskDef& def, std::vector<Value> args, RunnerHandle* runner) {
  // The frame lives in this run, not on the task's stack: a loop that is forced
  // down abandons that stack without unwinding it, and what the frame holds
  // must then still be freed with the run rather than leak.
  std::list<Frame>::iterator slot;
  {
    std::lock_guard<std::mutex> guard(frames_mutex_);
    slot = task_frames_.emplace(task_frames_.end());
  }
  Frame& frame = *slot;
  auto forget = [&] {
    std::lock_guard<std::mutex> guard(frames_mutex_);
    task_frames_.erase(slot);
  };
  frame.in_task = true;
  frame.runners.push_back(runner);
  enter_step(&def.path);
  trace("started", def.name + "(" + join_repr(args) + ")");
  for (std::size_t i = 0; i < def.params.size() && i < args.size(); ++i) {
    frame.locals[def.params[i]] = std::move(args[i]);
  }
  std::vector<Value>().swap(args);
  try {
    exec_block(def.body, frame);
  } catch (const ta::CancelledError&) {
    trace("cancelled", "");
    forget();
    throw;
  } catch (const LimitError& e) {
    trace("failed", e.what());
    forget();
    throw;
  } catch (...) {
    trace("failed", repr(error_value(std::current_exception())));
    forget();
    throw;
  }
  trace("finished", "returned " + repr(frame.returned));
  Value result = std::move(frame.returned);
  forget();
  return result;
}

void Run::run_thread(ThreadHandle& thread, const TaskDef& def, std::vector<Value> args,
                     const std::vector<std::shared_ptr<RunnerHandle>>& runners) {
  tl_thread = thread.name.c_str();
  enter_step(&def.path);
  Frame frame;
  for (const auto& r : runners) frame.runners.push_back(r.get());
  trace("started", def.name + "(" + join_repr(args) + ")");
  for (std::size_t i = 0; i < def.params.size() && i < args.size(); ++i) {
    frame.locals[def.params[i]] = std::move(args[i]);
  }
  std::exception_ptr error;
  try {
    exec_block(def.body, frame);
    trace("finished", "returned " + repr(frame.returned));
  } catch (const LimitError& e) {
    trace("failed", e.what());
    error = std::current_exception();
  } catch (...) {
    error = std::current_exception();
    trace("failed", repr(error_value(error)));
  }
  std::lock_guard<std::mutex> guard(thread.mutex);
  thread.done = true;
  thread.result = std::move(frame.returned);
  thread.error = error;
  thread.cv.notify_all();
}

void Run::handle(ta::ExecutionRequest& request, ta::Promise& future, RunnerHandle& server) {
  auto [function, args] = request.args<std::string, std::vector<Value>>();
  const std::string call = function + "(" + join_repr(args) + ")";
  auto it = program_->handlers.find(function);
  if (it == program_->handlers.end()) {
    raise("RuntimeError", "Unknown function " + function, "/handlers");
  }
  const TaskDef& def = *it->second;
  if (args.size() != def.params.size()) {
    raise("TypeError",
          function + "() takes " + std::to_string(def.params.size()) + " argument(s), got " +
              std::to_string(args.size()),
          def.path);
  }
  const StepScope scope{*this, enter_step(&def.path)};
  trace("handle", call);
  Frame frame;
  frame.runners.push_back(&server);
  for (std::size_t i = 0; i < args.size(); ++i) frame.locals[def.params[i]] = std::move(args[i]);
  frame.locals["future"] = Value(std::make_shared<PromiseHandle>(PromiseHandle{call, future}));
  try {
    exec_block(def.body, frame);
  } catch (...) {
    // Server::process hands the error to the client as the request's answer.
    trace("failed", call + " raised " + repr(error_value(std::current_exception())));
    throw;
  }
}

// --- Steps ---------------------------------------------------------------------

Run::Flow Run::exec_block(const Block& block, Frame& frame) {
  for (const Step& step : block) {
    const Flow flow = exec_step(step, frame);
    if (flow != Flow::kNext) return flow;
  }
  return Flow::kNext;
}

Run::Flow Run::exec_step(const Step& step, Frame& frame) {
  count_step(step.path);
  const StepScope scope{*this, enter_step(&step.path)};
  try {
    return exec(step, frame);
  } catch (const ScenarioError&) {
    throw;
  } catch (const LimitError&) {
    throw;
  } catch (const ta::CancelledError&) {
    if (frame.in_task) throw;
    raise("CancelledError", "", step.path);
  } catch (...) {
    const auto error = std::current_exception();
    if (auto limit_error = limit_member(error)) std::rethrow_exception(limit_error);
    const Value v = error_value(error);
    const auto& e = **v.get<std::shared_ptr<const ErrorValue>>();
    throw ScenarioError(e.type, e.message, step.path, e.members);
  }
}

Run::Flow Run::exec_try(const Step& step, Frame& frame) {
  Flow flow = Flow::kNext;
  std::exception_ptr pending;
  try {
    flow = exec_block(step.body, frame);
  } catch (const LimitError&) {
    throw;
  } catch (...) {
    pending = std::current_exception();
  }
  if (pending) {
    const Except* handler = nullptr;
    for (const Except& e : step.excepts) {
      if (matches(pending, e.types)) {
        handler = &e;
        break;
      }
    }
    if (handler) {
      const Value error = error_value(pending);
      trace("caught", repr(error));
      if (!handler->as.empty()) assign(handler->as, error, frame);
      frame.handling.push_back(pending);
      try {
        flow = exec_block(handler->body, frame);
        pending = nullptr;
      } catch (const LimitError&) {
        frame.handling.pop_back();
        throw;
      } catch (...) {
        pending = std::current_exception();
      }
      frame.handling.pop_back();
    }
  }
  if (!step.finally.empty()) {
    const Flow after = exec_block(step.finally, frame);
    if (after != Flow::kNext) return after;
  }
  if (pending) std::rethrow_exception(pending);
  return flow;
}

void Run::exec_with_runner(const Step& step, Frame& frame) {
  if (runners_.fetch_add(1) >= limits_.max_runners) {
    limit(step.path, "runner limit reached: at most " + std::to_string(limits_.max_runners) +
                         " runners and servers per run");
  }
  const bool server = step.op == Op::kWithServer;
  ta::RunnerOptions options;
  options.report_forced_stop = false;
  options.name = step.runner.name.empty() ? (server ? "server" : "runner") : step.runner.name;
  if (const auto& t = step.runner.exit_timeout) {
    options.exit_timeout = t->forever ? ta::Timeout::forever() : seconds_timeout(t->seconds);
  }
  if (const auto& t = step.runner.call_in_loop_timeout) {
    options.call_in_loop_timeout =
        t->forever ? ta::Timeout::forever() : seconds_timeout(t->seconds);
  }
  const ta::Timeout exit_timeout = options.exit_timeout;
  auto handle = std::make_shared<RunnerHandle>();
  handle->name = options.name;
  if (server) {
    handle->server =
        std::make_unique<ScenarioServer>(*this, *handle, step.runner.queue_size, options);
  } else {
    handle->own = std::make_unique<ta::AsyncRunner>(options);
  }
  trace(server ? "server" : "runner", "started " + handle->name);
  if (!step.as.empty()) assign(step.as, Value(handle), frame);
  frame.runners.push_back(handle.get());

  // Leaving: exit_timeout, but never much past the run's wall time.
  auto leave = [&] {
    frame.runners.pop_back();
    const auto left = std::max(deadline_ - Clock::now(), Clock::duration::zero()) +
                      std::chrono::milliseconds(500);
    if (exit_timeout.is_forever() || exit_timeout.duration() > left) {
      handle->runner().set_exit_timeout(ta::Timeout(left));
    }
    auto record = [&] {
      std::string type(ta::to_string(handle->runner().shutdown_type()));
      trace(server ? "server" : "runner", "left " + handle->name + ": " + type);
      std::lock_guard<std::mutex> guard(out_mutex_);
      shutdown_type_ = type;
    };
    try {
      handle->runner().close();
    } catch (...) {
      record();
      throw;
    }
    record();
  };
  try {
    exec_block(step.body, frame);
  } catch (...) {
    try {
      leave();
    } catch (...) {
      // An error is already on its way out (Python drops the group too).
    }
    throw;
  }
  leave();
}

Run::Flow Run::exec(const Step& step, Frame& frame) {
  const std::string& path = step.path;
  auto eval_as = [&](const Value& v) {
    if (!step.as.empty()) assign(step.as, v, frame);
  };
  // Task side: records a suspension around `fn` when `will_wait` says it will wait.
  auto suspending = [&](bool will_wait, const std::string& what, auto&& fn) {
    if (will_wait) trace("suspended", what);
    try {
      fn();
    } catch (const ta::EventLoopTimeoutError&) {
      trace("timed_out", what);
      throw;
    }
    if (will_wait) trace("resumed", what);
  };
  // Thread side: blocks in `fn(timeout)`, bounded by the run's wall time; records
  // the blocking when `will_block` says it will block.
  auto blocking = [&](ta::Timeout fallback, bool will_block, const std::string& what, auto&& fn) {
    bool clamped = false;
    const ta::Timeout t = bounded(timeout_of(step, frame), fallback, clamped);
    if (will_block) trace("blocked", what);
    try {
      fn(t);
    } catch (const ta::EventLoopTimeoutError&) {
      if (clamped) wall_time_exceeded(path);
      trace("timed_out", what);
      throw;
    } catch (...) {
      if (will_block) trace("unblocked", what + ", raising");
      throw;
    }
    if (will_block) trace("unblocked", what);
  };
  auto task_timeout = [&] {
    auto t = timeout_of(step, frame);
    return t ? *t : ta::Timeout::forever();
  };

  switch (step.op) {
    case Op::kSet:
      assign(step.var, eval(*step.value, frame), frame);
      return Flow::kNext;
    case Op::kPrint: {
      std::string line;
      for (std::size_t i = 0; i < step.args.size(); ++i) {
        line += (i ? " " : "") + str(eval(step.args[i], frame));
        line = check_string(std::move(line), path);
      }
      print(line, path);
      return Flow::kNext;
    }
    case Op::kIf:
      return exec_block(truthy(eval(*step.cond, frame)) ? step.body : step.orelse, frame);
    case Op::kWhile:
      while (truthy(eval(*step.cond, frame))) {
        const Flow flow = exec_block(step.body, frame);
        if (flow == Flow::kBreak) break;
        if (flow == Flow::kReturn) return flow;
      }
      return Flow::kNext;
    case Op::kFor: {
      std::int64_t bounds[3] = {0, 0, 1};
      for (std::size_t i = 0; i < step.args.size(); ++i) {
        Value v = eval(step.args[i], frame);
        const auto* n = v.get<std::int64_t>();
        if (!n) {
          raise("TypeError", "range() takes integers, not " + type_name(v), step.args[i].path);
        }
        bounds[step.args.size() == 1 ? 1 : i] = *n;
      }
      if (bounds[2] == 0) raise("ValueError", "range() step must not be zero", path);
      for (std::int64_t i = bounds[0]; bounds[2] > 0 ? i < bounds[1] : i > bounds[1];
           i += bounds[2]) {
        assign(step.var, Value(i), frame);
        const Flow flow = exec_block(step.body, frame);
        if (flow == Flow::kBreak) break;
        if (flow == Flow::kReturn) return flow;
        if ((bounds[2] > 0 && i > INT64_MAX - bounds[2]) ||
            (bounds[2] < 0 && i < INT64_MIN - bounds[2])) {
          break;
        }
      }
      return Flow::kNext;
    }
    case Op::kBreak:
      return Flow::kBreak;
    case Op::kContinue:
      return Flow::kContinue;
    case Op::kPass:
      return Flow::kNext;
    case Op::kTry:
      return exec_try(step, frame);
    case Op::kRaise: {
      if (!step.error_type.empty()) {
        const std::string message = step.message ? str(eval(*step.message, frame)) : "";
        trace("raised", step.error_type + (message.empty() ? "" : ": " + message));
        if (step.error_type == "CancelledError" && frame.in_task) throw ta::CancelledError();
        raise(step.error_type, message, path);
      }
      if (step.error) {
        Value v = eval(*step.error, frame);
        const auto* e = v.get<std::shared_ptr<const ErrorValue>>();
        if (!e) raise("TypeError", "exceptions must be errors, not " + type_name(v), path);
        trace("raised", repr(v));
        if ((*e)->type == "CancelledError" && frame.in_task) throw ta::CancelledError();
        throw ScenarioError((*e)->type, (*e)->message, path, (*e)->members);
      }
      std::rethrow_exception(frame.handling.back());
    }
    case Op::kAssert:
      if (!truthy(eval(*step.cond, frame))) {
        raise("AssertionError", step.message ? str(eval(*step.message, frame)) : "", path);
      }
      return Flow::kNext;
    case Op::kReturn:
      frame.returned = step.value ? eval(*step.value, frame) : Value();
      return Flow::kReturn;
    case Op::kWithRunner:
    case Op::kWithServer:
      exec_with_runner(step, frame);
      return Flow::kNext;
    case Op::kCreateTask:
    case Op::kCreateBackgroundTask: {
      if (tasks_.fetch_add(1) >= limits_.max_tasks) {
        limit(path, "task limit reached: at most " + std::to_string(limits_.max_tasks) +
                        " tasks per run");
      }
      RunnerHandle& runner = current_runner(frame, path);
      std::vector<Value> args;
      for (const Expr& a : step.args) args.push_back(eval(a, frame));
      const std::string name =
          step.name ? str(eval(*step.name, frame)) : unique_task_name(step.task->name);
      TaskBody body{shared_from_this(), step.task, std::move(args), &runner};
      auto handle = std::make_shared<TaskHandle>();
      handle->name = name;
      handle->default_timeout = default_timeout(runner);
      trace("created", name);
      if (frame.in_task) {
        handle->task = ta::create_task(ta::TaskOptions{name}, std::move(body));
      } else {
        handle->task = runner.runner().create_task(ta::TaskOptions{name}, std::move(body));
      }
      if (step.op == Op::kCreateBackgroundTask) {
        blocking(default_timeout(runner), true, "the loop to catch up with " + name,
                 [&](ta::Timeout t) { runner.runner().wait_for_next_eventloop_iteration(t); });
      }
      eval_as(Value(handle));
      return Flow::kNext;
    }
    case Op::kWait: {
      if (step.second_kind) {
        auto h = handle_of<EventHandle>(step.target, frame, path, "Event");
        blocking(h->default_timeout, !h->event.is_set(), "wait " + h->name,
                 [&](ta::Timeout t) { h->event.wait(t); });
        return Flow::kNext;
      }
      auto h = handle_of<TaskHandle>(step.target, frame, path, "Task");
      Value result;
      blocking(h->default_timeout, !h->task.done(), "wait " + h->name,
               [&](ta::Timeout t) { result = h->task.wait(t); });
      eval_as(result);
      return Flow::kNext;
    }
    case Op::kResult: {
      Value result;
      if (step.second_kind) {
        auto h = handle_of<FutureHandle>(step.target, frame, path, "Future");
        suspending(!h->future.done(), "result of " + h->name,
                   [&] { result = h->future.result(task_timeout()); });
      } else {
        auto h = handle_of<TaskHandle>(step.target, frame, path, "Task");
        suspending(!h->task.done(), "result of " + h->name,
                   [&] { result = h->task.result(task_timeout()); });
      }
      eval_as(result);
      return Flow::kNext;
    }
    case Op::kCancel: {
      auto h = handle_of<TaskHandle>(step.target, frame, path, "Task");
      trace("cancel", h->name);
      h->task.cancel();
      return Flow::kNext;
    }
    case Op::kSleep: {
      const double s = seconds_of(eval(*step.seconds, frame), step.seconds->path, "seconds");
      const std::string what = "sleep " + repr(Value(s));
      if (frame.in_task) {
        suspending(true, what, [&] { ta::sleep(std::chrono::duration<double>(s)); });
        return Flow::kNext;
      }
      const auto wake = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(s));
      trace("blocked", what);
      std::this_thread::sleep_until(std::min(wake, deadline_));
      if (wake > deadline_) wall_time_exceeded(path);
      trace("unblocked", what);
      return Flow::kNext;
    }
    case Op::kYield:
      suspending(true, "yield", [] { ta::yield(); });
      return Flow::kNext;
    case Op::kSpin: {
      // Never suspends: only the wall-time bound (or a forced stop of the loop) ends it.
      // Nothing allocated stays on the stack while spinning (see run_task).
      auto until = Clock::time_point::max();
      if (step.seconds) {
        const double s = seconds_of(eval(*step.seconds, frame), step.seconds->path, "seconds");
        until = Clock::now() +
                std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
        trace("spin", "for " + repr(Value(s)) + " s, never suspending");
      } else {
        trace("spin", "for ever, never suspending");
      }
      for (;;) {
        const auto now = Clock::now();
        if (now >= until) break;
        if (now > deadline_) wall_time_exceeded(path);
      }
      return Flow::kNext;
    }
    case Op::kEvent: {
      RunnerHandle& runner = current_runner(frame, path);
      auto h = std::make_shared<EventHandle>(
          EventHandle{step.as, default_timeout(runner), ta::Event(runner.runner())});
      eval_as(Value(h));
      return Flow::kNext;
    }
    case Op::kSetEvent: {
      auto h = handle_of<EventHandle>(step.target, frame, path, "Event");
      trace("set", h->name);
      h->event.set();
      return Flow::kNext;
    }
    case Op::kClearEvent: {
      auto h = handle_of<EventHandle>(step.target, frame, path, "Event");
      h->event.clear();
      trace("clear", h->name);
      return Flow::kNext;
    }
    case Op::kWaitAsync: {
      auto h = handle_of<EventHandle>(step.target, frame, path, "Event");
      suspending(!h->event.is_set(), "wait " + h->name,
                 [&] { h->event.as_async_event().wait(task_timeout()); });
      return Flow::kNext;
    }
    case Op::kQueue: {
      std::int64_t maxsize = 0;
      if (step.maxsize) {
        Value v = eval(*step.maxsize, frame);
        const auto* n = v.get<std::int64_t>();
        if (!n || *n < 0) {
          raise("ValueError", "maxsize must be a non-negative integer, got " + repr(v),
                step.maxsize->path);
        }
        if (static_cast<std::uint64_t>(*n) > limits_.max_queue_items) {
          limit(step.maxsize->path, "queue limit reached: maxsize " + std::to_string(*n) +
                                        " is above the limit of " +
                                        std::to_string(limits_.max_queue_items));
        }
        maxsize = *n;
      }
      RunnerHandle& runner = current_runner(frame, path);
      auto h = std::make_shared<QueueHandle>(
          QueueHandle{step.as, default_timeout(runner),
                      ta::Queue<Value>(runner.runner(), static_cast<std::size_t>(maxsize))});
      eval_as(Value(h));
      return Flow::kNext;
    }
    case Op::kGet:
    case Op::kGetWait:
    case Op::kTryGet: {
      auto h = handle_of<QueueHandle>(step.target, frame, path, "Queue");
      Value item;
      if (step.op == Op::kGet) {
        suspending(h->queue.empty(), "get " + h->name,
                   [&] { item = h->queue.get(task_timeout()); });
      } else if (step.op == Op::kGetWait) {
        blocking(h->default_timeout, h->queue.empty(), "get_wait " + h->name,
                 [&](ta::Timeout t) { item = h->queue.get_wait(t); });
      } else if (auto got = h->queue.try_get()) {
        item = std::move(*got);
      } else {
        trace("get", h->name + " is empty");
        eval_as(Value());
        return Flow::kNext;
      }
      trace("get", h->name + " -> " + repr(item));
      eval_as(item);
      return Flow::kNext;
    }
    case Op::kPut:
    case Op::kPutWait:
    case Op::kTryPut: {
      auto h = handle_of<QueueHandle>(step.target, frame, path, "Queue");
      Value item = eval(*step.value, frame);
      if (h->queue.maxsize() == 0 && h->queue.qsize() >= limits_.max_queue_items) {
        limit(path, "queue limit reached: " + h->name + " holds " +
                        std::to_string(limits_.max_queue_items) + " items; give it a maxsize");
      }
      const std::string what = h->name + " <- " + repr(item);
      if (step.op == Op::kTryPut) {
        const bool put = h->queue.try_put(item);
        trace("put", put ? what : h->name + " is full");
        eval_as(Value(put));
        return Flow::kNext;
      }
      // Recorded before a put that will not wait, so that it comes before the getter's "get".
      const bool full = h->queue.full();
      if (!full) trace("put", what);
      if (step.op == Op::kPut) {
        suspending(full, "put " + h->name, [&] { h->queue.put(item, task_timeout()); });
      } else {
        blocking(h->default_timeout, full, "put_wait " + h->name,
                 [&](ta::Timeout t) { h->queue.put_wait(item, t); });
      }
      if (full) trace("put", what);
      return Flow::kNext;
    }
    case Op::kFuture: {
      RunnerHandle& runner = current_runner(frame, path);
      auto h = std::make_shared<FutureHandle>(
          FutureHandle{step.as, default_timeout(runner), ta::Future<Value>(runner.runner())});
      eval_as(Value(h));
      return Flow::kNext;
    }
    case Op::kSetResult:
    case Op::kSetException: {
      Value target = lookup(step.target, frame, path);
      std::exception_ptr error;
      Value value;
      if (step.op == Op::kSetException) {
        const std::string message = step.message ? str(eval(*step.message, frame)) : "";
        error = step.error_type == "CancelledError"
                    ? std::make_exception_ptr(ta::CancelledError())
                    : std::make_exception_ptr(ScenarioError(step.error_type, message, path));
        value = make_error(step.error_type, message);
      } else if (step.value) {
        value = eval(*step.value, frame);
      }
      if (const auto* f = target.get<std::shared_ptr<FutureHandle>>()) {
        trace("set", (*f)->name + " = " + repr(value));
        if (error) {
          (*f)->future.set_exception(error);
        } else {
          (*f)->future.set_result(value);
        }
      } else if (const auto* p = target.get<std::shared_ptr<PromiseHandle>>()) {
        trace("answer", (*p)->name + " -> " + repr(value));
        if (error) {
          (*p)->promise.set_exception(error);
        } else {
          (*p)->promise.set_result(value);
        }
      } else {
        raise("TypeError",
              "'" + step.target + "' is " + type_name(target) + ", expected a Future or Promise",
              path);
      }
      return Flow::kNext;
    }
    case Op::kResultWait: {
      auto h = handle_of<FutureHandle>(step.target, frame, path, "Future");
      Value result;
      blocking(h->default_timeout, !h->future.done(), "result_wait " + h->name,
               [&](ta::Timeout t) { result = h->future.result_wait(t); });
      eval_as(result);
      return Flow::kNext;
    }
    case Op::kWaitForNextIteration: {
      auto& runner = current_runner(frame, path).runner();
      blocking(runner.options().call_in_loop_timeout, true, "the next loop iteration",
               [&](ta::Timeout t) { runner.wait_for_next_eventloop_iteration(t); });
      return Flow::kNext;
    }
    case Op::kClient: {
      ScenarioServer* server = nullptr;
      for (auto it = frame.runners.rbegin(); it != frame.runners.rend() && !server; ++it) {
        server = (*it)->server.get();
      }
      if (!server) raise("RuntimeError", "client needs an enclosing with_server", path);
      eval_as(
          Value(std::make_shared<ClientHandle>(ClientHandle{step.as, ScenarioClient(*server)})));
      return Flow::kNext;
    }
    case Op::kRequest: {
      auto h = handle_of<ClientHandle>(step.target, frame, path, "Client");
      std::vector<Value> args;
      for (const Expr& a : step.args) args.push_back(eval(a, frame));
      const std::string call = step.function + "(" + join_repr(args) + ")";
      trace("request", call);
      trace("suspended", "waiting for the answer to " + call);
      Value answer;
      try {
        answer = h->client.request(step.function, std::move(args));
      } catch (const ta::CancelledError&) {
        throw;
      } catch (...) {
        trace("resumed", call + " raised " + repr(error_value(std::current_exception())));
        throw;
      }
      trace("resumed", call + " -> " + repr(answer));
      eval_as(answer);
      return Flow::kNext;
    }
    case Op::kStartThread: {
      std::vector<Value> args;
      for (const Expr& a : step.args) args.push_back(eval(a, frame));
      const std::string name =
          step.name ? str(eval(*step.name, frame)) : unique_task_name(step.task->name);
      std::vector<std::shared_ptr<RunnerHandle>> runners;
      for (RunnerHandle* r : frame.runners) runners.push_back(r->shared_from_this());
      auto handle = std::make_shared<ThreadHandle>();
      handle->name = name;
      std::lock_guard<std::mutex> guard(threads_mutex_);
      if (threads_started_ >= limits_.max_threads) {
        limit(path, "thread limit reached: at most " + std::to_string(limits_.max_threads) +
                        " threads per run");
      }
      ++threads_started_;
      trace("created", "thread " + name);
      handle->thread =
          std::thread([self = shared_from_this(), handle, def = step.task, args = std::move(args),
                       runners = std::move(runners)]() mutable {
            self->run_thread(*handle, *def, std::move(args), runners);
          });
      threads_.push_back(handle);
      eval_as(Value(handle));
      return Flow::kNext;
    }
    case Op::kJoin: {
      auto h = handle_of<ThreadHandle>(step.target, frame, path, "Thread");
      std::unique_lock<std::mutex> lock(h->mutex);
      if (!h->done) {
        lock.unlock();
        trace("blocked", "join " + h->name);
        lock.lock();
        if (!h->cv.wait_until(lock, deadline_, [&] { return h->done; })) {
          lock.unlock();
          wall_time_exceeded(path);
        }
        lock.unlock();
        trace("unblocked", "join " + h->name);
        lock.lock();
      }
      if (h->error) std::rethrow_exception(h->error);
      const Value result = h->result;
      lock.unlock();
      eval_as(result);
      return Flow::kNext;
    }
    case Op::kProcess: {
      RunnerHandle& runner = current_runner(frame, path);
      ScenarioServer* server = runner.server.get();
      if (!server) raise("RuntimeError", "process needs the enclosing with_server's body", path);
      bool handled = false;
      blocking(default_timeout(runner), true, "process",
               [&](ta::Timeout t) { handled = server->process(t); });
      trace("process", handled ? "handled a request" : "no request queued");
      eval_as(Value(handled));
      return Flow::kNext;
    }
  }
  return Flow::kNext;
}

}  // namespace playground
