// The playground's scenario engine: checks and runs scenario documents (JSON,
// see docs/scenarios.md) on the real threaded_async library.
//
// validate() compiles a document and reports every problem with the JSON
// Pointer of the place it belongs to. run_scenario() validates, then runs the
// main program on the calling thread and the task bodies as real tasks on a
// runner's loop, within the bounds of Limits. Neither throws nor crashes on
// any input: every problem ends up in the returned value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace playground {

// Bounds on one run; hitting one ends the run with an error that names it.
struct Limits {
  std::size_t max_document_bytes = 1 << 20;  // size of the JSON text
  std::size_t max_depth = 48;                // nesting of arrays and objects (at most 64)
  std::size_t max_tasks = 1000;              // tasks created over the whole run
  std::size_t max_runners = 8;               // runners and servers over the whole run
  std::size_t max_threads = 16;              // threads started over the whole run
  std::uint64_t max_steps = 1'000'000;       // steps and expressions executed, all threads
  std::size_t max_queue_items = 10'000;      // items held by one queue, and any maxsize
  std::size_t max_output_lines = 10'000;     // printed lines
  std::size_t max_trace_events = 20'000;     // trace events kept (later ones are dropped)
  std::size_t max_string_bytes = 1 << 16;    // length of one string value
  double wall_time_s = 10.0;                 // the whole run, leaving runners included
};

// A problem with the document, or the error that ended a run.
struct Error {
  std::string path;  // JSON Pointer into the document; "" for the whole document
  std::string message;
};

// One thing that happened during a run.
struct TraceEvent {
  double t_ms = 0;                  // since the run started
  std::string thread;               // "main", "loop", or a thread's name
  std::optional<std::string> task;  // the task it happened in, if any
  std::string event;  // started, suspended, resumed, finished, cancelled, failed, set, ...
  std::string detail;
  std::string path;  // JSON Pointer of the step (or body) that was running; "" if none
};

struct Result {
  bool ok = false;
  std::vector<std::string> output;  // printed lines, in order
  std::vector<TraceEvent> trace;
  std::optional<Error> error;                // why the run failed (ok == false)
  std::optional<std::string> shutdown_type;  // how the last runner ended, if one ran
};

// Compiles the document without running it. Empty when it is valid. Never throws.
std::vector<Error> validate(const std::string& json, const Limits& limits = {});

// Validates and runs the document on the calling thread. Blocks until the run
// ended (bounded by limits.wall_time_s plus runner shutdown). Never throws.
Result run_scenario(const std::string& json, const Limits& limits = {});

// The scenario as the C++ program a user of threaded_async would write: tasks
// as functions, with_runner / with_server as AsyncRunner / Server scopes, the
// library's Event, Queue, Future and Client. A scenario with no faithful C++
// form gets errors (path and message) instead of code. Never throws.
struct CppProgram {
  bool ok = false;
  std::string code;
  std::vector<Error> errors;
};
CppProgram emit_cpp(const std::string& json, const Limits& limits = {});

// The contract's JSON forms: {"ok", "output", "trace", "error", "shutdown_type"}
// and {"ok", "errors": [{"path", "message"}]}.
std::string result_to_json(const Result& result);
std::string validation_to_json(const std::vector<Error>& errors);
// {"ok", "code", "errors": [{"path", "message"}]}.
std::string cpp_to_json(const CppProgram& program);

}  // namespace playground
