// Run: one run of a compiled scenario on the real library.
//
// The main program runs on the thread that calls run(); task bodies run as
// real tasks on the runners' loops; handler bodies run on the server's thread
// inside process(). Everything shared between them (globals, output, trace,
// counters) is guarded here.
//
// interpreter.cpp runs the main program and the task, thread and handler
// bodies; run_steps.cpp runs blocks, control flow, try and the runners'
// scopes; run_library_steps.cpp the steps that call the library; evaluate.cpp
// evaluates expressions; run_limits.cpp keeps the run's bounds and timeouts,
// run_trace.cpp its output and trace, run_errors.cpp its errors.
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "handles.hpp"
#include "playground/engine.hpp"
#include "program.hpp"

namespace playground {

// The name the trace gives the calling thread when it is not in a task.
extern thread_local const char* tl_thread;
// A timeout of `s` seconds.
ta::Timeout seconds_timeout(double s);
// "1, 'a', None": the values' reprs, for the trace's calls.
std::string join_repr(const std::vector<Value>& values);
// The first LimitError among an ExceptionGroup's members, if any.
std::exception_ptr limit_member(const std::exception_ptr& error);

// Where a body runs and what it can see.
struct Frame {
  bool in_task = false;
  std::unordered_map<std::string, Value> locals;
  std::vector<RunnerHandle*> runners;        // innermost last; a task's is its own runner
  std::vector<std::exception_ptr> handling;  // errors being handled (for a bare raise)
  Value returned;
};

class Run : public std::enable_shared_from_this<Run> {
 public:
  Run(std::unique_ptr<Program> program, const Limits& limits);

  // Runs the main program on the calling thread. Never throws.
  Result run();

  // Runs a handler body for a request (the server's thread, inside process()).
  void handle(ta::ExecutionRequest& request, ta::Promise& future, RunnerHandle& server);
  // Runs a task body (the loop thread, inside the task).
  Value run_task(const TaskDef& def, std::vector<Value> args, RunnerHandle* runner);
  // Runs a thread body on its own thread, with the runners of the step that started it.
  void run_thread(ThreadHandle& thread, const TaskDef& def, std::vector<Value> args,
                  const std::vector<std::shared_ptr<RunnerHandle>>& runners);

 private:
  using Clock = std::chrono::steady_clock;
  enum class Flow { kNext, kBreak, kContinue, kReturn };

  // Steps (run_steps.cpp).
  Flow exec_block(const Block& block, Frame& frame);
  Flow exec_step(const Step& step, Frame& frame);
  Flow exec(const Step& step, Frame& frame);
  Flow exec_try(const Step& step, Frame& frame);
  void exec_with_runner(const Step& step, Frame& frame);
  // The steps that call the library (run_library_steps.cpp).
  Flow exec_library(const Step& step, Frame& frame);

  // Expressions (evaluate.cpp).
  Value eval(const Expr& expr, Frame& frame);
  Value arith(const Expr& expr, const Value& a, const Value& b);
  bool compare(const Expr& expr, const Value& a, const Value& b);

  // Variables and runners (interpreter.cpp).
  Value lookup(const std::string& name, const Frame& frame, const std::string& path);
  void assign(const std::string& name, Value value, Frame& frame);
  template <class H>
  std::shared_ptr<H> handle_of(const std::string& name, Frame& frame, const std::string& path,
                               const char* kind);
  RunnerHandle& current_runner(Frame& frame, const std::string& path);

  // Timeouts (run_limits.cpp): nullopt = the runner's default.
  std::optional<ta::Timeout> timeout_of(const Step& step, Frame& frame);
  // A thread-side timeout bounded by what is left of the run's wall time;
  // `clamped` says whether the bound replaced it.
  ta::Timeout bounded(std::optional<ta::Timeout> timeout, ta::Timeout fallback, bool& clamped);
  // The runner's call_in_loop_timeout, the default of thread-side waits on its primitives.
  static ta::Timeout default_timeout(RunnerHandle& runner);
  double seconds_of(const Value& value, const std::string& path, const char* what);
  [[noreturn]] void wall_time_exceeded(const std::string& path);

  // Bounds (run_limits.cpp).
  void count_step(const std::string& path);
  void check_abort(const std::string& path);
  [[noreturn]] void limit(const std::string& path, const std::string& message);
  std::string check_string(std::string s, const std::string& path);

  // Errors (run_errors.cpp).
  Value error_value(const std::exception_ptr& error);
  bool matches(const std::exception_ptr& error, const std::vector<std::string>& types);
  [[noreturn]] void raise(const std::string& type, const std::string& message,
                          const std::string& path);

  // Output (run_trace.cpp).
  void print(const std::string& line, const std::string& path);
  void trace(const char* event, std::string detail);
  // The step the calling thread or task runs, for the trace's paths: set on
  // entering a step (or body), given back to the enclosing one on leaving.
  const std::string* enter_step(const std::string* path);
  void leave_step(const std::string* previous) { enter_step(previous); }
  struct StepScope {
    Run& run;
    const std::string* previous;
    ~StepScope() { run.leave_step(previous); }
  };
  std::string unique_task_name(const std::string& base);

  std::unique_ptr<Program> program_;
  Limits limits_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point deadline_;

  std::mutex globals_mutex_;
  std::map<std::string, Value> globals_;

  std::mutex out_mutex_;
  std::vector<std::string> output_;
  std::vector<TraceEvent> trace_;
  bool trace_truncated_ = false;
  // By the address of the thread's or task's name, which is unique while it runs.
  std::map<const void*, const std::string*> current_step_;
  std::map<std::string, int> task_names_;
  std::optional<std::string> shutdown_type_;

  std::atomic<std::uint64_t> steps_{0};
  std::atomic<std::size_t> tasks_{0};
  std::atomic<std::size_t> runners_{0};
  std::mutex frames_mutex_;
  std::list<Frame> task_frames_;  // frames of running tasks
  std::mutex threads_mutex_;
  std::vector<std::shared_ptr<ThreadHandle>> threads_;  // started and not yet joined
  std::size_t threads_started_ = 0;
  std::atomic<bool> aborted_{false};
  std::mutex abort_mutex_;
  std::optional<Error> abort_error_;
};

// The handle a variable holds, or TypeError (used by steps and expressions alike).
template <class H>
std::shared_ptr<H> Run::handle_of(const std::string& name, Frame& frame, const std::string& path,
                                  const char* kind) {
  Value v = lookup(name, frame, path);
  if (const auto* h = v.get<std::shared_ptr<H>>()) return *h;
  raise("TypeError", "'" + name + "' is " + repr(v) + " (" + type_name(v) + "), expected a " + kind,
        path);
}

}  // namespace playground
