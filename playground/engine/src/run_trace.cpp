// The run's output and trace: the printed lines, the trace's events, each with
// the thread or task it happened on and the step that thread or task runs,
// and the unique names of tasks and threads.
#include "interpreter.hpp"

namespace playground {

thread_local const char* tl_thread = "thread";

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

}  // namespace playground
