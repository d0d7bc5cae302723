// Run: the run as a whole and the bodies it runs. run() executes the main
// program on the calling thread, waits for the threads it started and hands
// back the output and the trace; run_task, run_thread and handle run a task,
// thread or handler body in a frame of its own, which holds its variables and
// its runners. interpreter.hpp says where the rest of the interpreter is.
#include "interpreter.hpp"

#include <algorithm>
#include <cmath>

namespace playground {

std::string join_repr(const std::vector<Value>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + repr(values[i]);
  return out;
}

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

RunnerHandle& Run::current_runner(Frame& frame, const std::string& path) {
  if (frame.runners.empty()) {
    raise("RuntimeError", "no runner here: put this step inside with_runner or with_server", path);
  }
  return *frame.runners.back();
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

}  // namespace playground
