// The run's bounds and timeouts: the step count, the wall time and the size of
// strings (the first limit reached aborts every body of the run), and the
// timeouts of waits, which the wall time bounds too.
#include <algorithm>
#include <sstream>

#include "interpreter.hpp"

namespace playground {

// --- Bounds ------------------------------------------------------------------

ta::Timeout seconds_timeout(double s) { return ta::Timeout(std::chrono::duration<double>(s)); }

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

}  // namespace playground
