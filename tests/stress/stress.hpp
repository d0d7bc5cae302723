// Shared pieces of the stress tests: their sizes, and failure collection on
// worker threads (Catch2 v2 assertions may only be used on the main thread).
//
// THREADED_ASYNC_STRESS_ITEMS sets the size: the number of items that cross a
// queue in each unbounded-queue test (default 20000; `make stress` uses
// 1000000). Other sizes follow from it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <threaded_async/threaded_async.hpp>

namespace stress {

// True in a ThreadSanitizer build (g++ says so with a macro, clang with __has_feature).
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
inline constexpr bool kThreadSanitizer = __has_feature(thread_sanitizer);
#else
inline constexpr bool kThreadSanitizer = false;
#endif

// Items that cross an unbounded queue in one test.
inline std::size_t items() {
  const char* text = std::getenv("THREADED_ASYNC_STRESS_ITEMS");
  if (text == nullptr || *text == '\0') return 20000;
  char* end = nullptr;
  const unsigned long long n = std::strtoull(text, &end, 10);
  if (*end != '\0' || n < 100) {
    throw std::invalid_argument(
        "THREADED_ASYNC_STRESS_ITEMS must be a whole number of at least 100, not '" +
        std::string(text) + "'");
  }
  return static_cast<std::size_t>(n);
}

// Items through a queue of maxsize 1, where every item is a hand-over.
inline std::size_t handover_items() { return items() / 10; }

// Tasks pending at shutdown, and tasks created per thread: 10000 at 1000000 items.
inline std::size_t tasks() { return std::max<std::size_t>(1000, items() / 100); }

// Threads on each side of a queue, and threads creating tasks at once.
constexpr int kThreads = 4;

// A runner whose timeouts only catch hangs: a stress run under a sanitizer is
// slow, and leaving must end STOPPED, not forced.
inline threaded_async::RunnerOptions runner_options(std::string name) {
  threaded_async::RunnerOptions options;
  options.name = std::move(name);
  options.exit_timeout = std::chrono::seconds(120);
  options.call_in_loop_timeout = std::chrono::seconds(120);
  return options;
}

// Failures seen on worker threads and tasks, checked on the main thread.
class Failures {
 public:
  void add(std::string what) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (list_.size() < 20) list_.push_back(std::move(what));
    ++count_;
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return count_;
  }
  std::string summary() const {
    std::lock_guard<std::mutex> guard(mutex_);
    std::string text = std::to_string(count_) + " failures";
    for (const auto& f : list_) text += "\n  " + f;
    return text;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> list_;
  std::size_t count_ = 0;
};

}  // namespace stress
