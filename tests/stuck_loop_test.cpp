#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>

#include "thread_count.hpp"

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

ta::RunnerOptions quick_exit(const char* name) {
  ta::RunnerOptions options;
  options.exit_timeout = 200ms;
  options.name = name;
  options.report_forced_stop = false;
  return options;
}

void spin_forever() {
  for (volatile bool spin = true; spin;) {
  }
}

// Counts destructions, to show a task's stack unwound.
struct Unwound {
  std::atomic<int>* count;
  ~Unwound() { ++*count; }
};

// Closes `runner` while its tasks go on until `go_on` turns false, well after
// the stop (exit_timeout and its window).
void close_while_going_on(ta::AsyncRunner& runner, std::atomic<bool>& go_on) {
  std::thread stopper([&go_on] {
    std::this_thread::sleep_for(1500ms);
    go_on = false;
  });
  runner.close();
  stopper.join();
}

// Blocks until `flag` is set (by a task that is about to get stuck).
void await_flag(const std::atomic<bool>& flag) {
  while (!flag.load()) std::this_thread::sleep_for(1ms);
}

// Captures what the process writes to stderr while it lives.
class StderrCapture {
 public:
  StderrCapture() {
    std::fflush(stderr);
    file_ = std::tmpfile();
    saved_ = ::dup(STDERR_FILENO);
    ::dup2(::fileno(file_), STDERR_FILENO);
  }
  ~StderrCapture() { restore(); }
  std::string text() {
    restore();
    std::rewind(file_);
    std::string out;
    char buf[512];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, file_)) out.append(buf, n);
    return out;
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  std::FILE* file_;
  int saved_;
};

}  // namespace

TEST_CASE("a task that spins is forced down and reports CancelledError", "[stuck_loop]") {
  ta::AsyncRunner runner(quick_exit("spin"));
  auto task = runner.create_task(ta::TaskOptions{"spinner"}, [] {
    ta::sleep(1ms);
    spin_forever();
  });
  REQUIRE_THROWS_AS(task.wait(50ms), ta::EventLoopTimeoutError);
  runner.close();
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
  REQUIRE_FALSE(runner.is_running());
  REQUIRE(task.done());
  REQUIRE(task.cancelled());
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
}

TEST_CASE("a task stuck in a blocking sleep is forced down", "[stuck_loop]") {
  ta::AsyncRunner runner(quick_exit("sleeper"));
  std::atomic<bool> started{false};
  auto task = runner.create_task([&started] {
    started = true;
    std::this_thread::sleep_for(60s);
  });
  await_flag(started);
  const auto start = std::chrono::steady_clock::now();
  runner.close();
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
  REQUIRE(std::chrono::steady_clock::now() - start < 10s);  // loose: a hang would take 60 s
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
}

// Pipes and blocking reads on them are a POSIX matter; wasm has no kernel to interrupt.
TEST_CASE("a task stuck reading an empty pipe is forced down", "[stuck_loop][native-only]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  {
    ta::AsyncRunner runner(quick_exit("reader"));
    std::atomic<bool> started{false};
    auto task = runner.create_task([fd = fds[0], &started] {
      started = true;
      char c;
      return ::read(fd, &c, 1);
    });
    await_flag(started);
    runner.close();
    REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
    REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("a function stuck in call_in_loop is forced down", "[stuck_loop]") {
  ta::RunnerOptions options = quick_exit("stuck-call");
  options.call_in_loop_timeout = 50ms;
  ta::AsyncRunner runner(options);
  REQUIRE_THROWS_AS(runner.call_in_loop([] { spin_forever(); }), ta::EventLoopTimeoutError);
  runner.close();
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
}

TEST_CASE("unretrieved errors still arrive as an ExceptionGroup after a forced stop",
          "[stuck_loop]") {
  ta::AsyncRunner runner(quick_exit("errors-and-spin"));
  runner.create_task([] { throw std::invalid_argument("first"); });
  runner.create_task([] { throw std::out_of_range("second"); });
  runner.wait_for_next_eventloop_iteration();
  runner.create_task([] { spin_forever(); });
  try {
    runner.close();
    FAIL("expected an ExceptionGroup");
  } catch (const ta::ExceptionGroup& group) {
    REQUIRE(group.exceptions().size() == 2);
    REQUIRE(group.describe() == "(std::invalid_argument('first'), std::out_of_range('second'))");
  }
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
}

// In wasm a fiber may not move to another thread, so after a forced stop the other tasks are
// abandoned, not unwound (docs/wasm.md).
TEST_CASE("after a forced stop the other tasks unwind: their destructors run",
          "[stuck_loop][native-only]") {
  std::atomic<int> unwound{0};
  ta::AsyncRunner runner(quick_exit("unwind"));
  ta::Queue<int> queue(runner);
  auto sleeper = runner.create_task([&unwound] {
    Unwound guard{&unwound};
    ta::sleep(60s);
  });
  auto getter = runner.create_task([&unwound, queue]() mutable {
    Unwound guard{&unwound};
    return queue.get();
  });
  runner.wait_for_next_eventloop_iteration();
  runner.create_task([] { spin_forever(); });
  runner.close();
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
  REQUIRE(unwound == 2);
  REQUIRE_THROWS_AS(sleeper.wait(), ta::CancelledError);
  REQUIRE_THROWS_AS(getter.wait(), ta::CancelledError);
}

// Two tasks that swallow their cancellation and go on yielding to each other
// keep the loop from stopping. The forced stop's first signals land among the
// switches between them and must take the loop only in the tasks' own code,
// never half-way through a switch (the other task is resumed later); the next
// yield of each then takes its stop.
TEST_CASE("tasks that go on yielding to each other are forced down", "[stuck_loop][native-only]") {
  std::atomic<bool> go_on{true};
  auto yield_on = [&go_on] {
    long yields = 0;
    while (go_on.load(std::memory_order_relaxed)) {
      try {
        ta::yield();
        ++yields;
      } catch (const ta::CancelledError&) {
      }
    }
    return yields;
  };
  ta::AsyncRunner runner(quick_exit("yielders"));
  auto a = runner.create_task(yield_on);
  auto b = runner.create_task(yield_on);
  runner.wait_for_next_eventloop_iteration();
  close_while_going_on(runner, go_on);
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
  REQUIRE(a.done());
  REQUIRE(b.done());
  // Each is taken at a yield once a stop is under way (LoopThread::take_forced_stop), one
  // stop after the other, instead of waiting for a signal to land between two yields.
  REQUIRE(a.cancelled());
  REQUIRE(b.cancelled());
}

// Tasks that swallow the CancelledError of their waits and wait on: each such
// wait ends cancelled at once during the shutdown, so the loop spends its time
// in the library. Each is taken at a wait once a stop is under way.
TEST_CASE("tasks that swallow cancelled waits and wait on are forced down",
          "[stuck_loop][native-only]") {
  std::atomic<bool> go_on{true};
  ta::AsyncRunner runner(quick_exit("waiters"));
  ta::Queue<int> queue(runner);
  auto sleeper = runner.create_task([&go_on] {
    while (go_on.load(std::memory_order_relaxed)) {
      try {
        ta::sleep(10ms);
      } catch (const ta::CancelledError&) {
      }
    }
  });
  auto getter = runner.create_task([&go_on, queue]() mutable {
    while (go_on.load(std::memory_order_relaxed)) {
      try {
        queue.get();
      } catch (const ta::CancelledError&) {
      }
    }
  });
  runner.wait_for_next_eventloop_iteration();
  close_while_going_on(runner, go_on);
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
  REQUIRE(sleeper.cancelled());
  REQUIRE(getter.cancelled());
}

TEST_CASE("a stuck runner leaves other runners untouched", "[stuck_loop]") {
  ta::AsyncRunner healthy(quick_exit("healthy"));
  ta::Queue<int> queue(healthy);
  auto echo = healthy.create_task([queue]() mutable {
    int total = 0;
    for (int i = 0; i < 3; ++i) total += queue.get();
    return total;
  });
  queue.put_wait(1);
  {
    ta::AsyncRunner stuck(quick_exit("stuck"));
    stuck.create_task([] { spin_forever(); });
    queue.put_wait(2);
    stuck.close();
    REQUIRE(stuck.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
  }
  queue.put_wait(3);
  REQUIRE(echo.wait(5s) == 6);
  REQUIRE(healthy.run([] { return 5; }) == 5);
}

TEST_CASE("a new runner works after a forced stop", "[stuck_loop]") {
  {
    ta::AsyncRunner stuck(quick_exit("first"));
    stuck.create_task([] { spin_forever(); });
  }
  ta::AsyncRunner fresh(quick_exit("second"));
  auto task = fresh.create_task([] {
    ta::sleep(1ms);
    return 42;
  });
  REQUIRE(task.wait(5s) == 42);
  fresh.close();
  REQUIRE(fresh.shutdown_type() == ta::ShutdownType::STOPPED);
}

// Counts the threads of this process in /proc.
TEST_CASE("after a forced stop the thread count is back to what it was",
          "[stuck_loop][native-only]") {
  const int before = thread_count();
  {
    ta::AsyncRunner runner(quick_exit("counted"));
    runner.create_task([] { spin_forever(); });
    REQUIRE(thread_count() == before + 1);
  }
  REQUIRE(thread_count_settled(before) == before);
}

// Emscripten's dup2 reopens files by path, so stderr cannot be captured into a tmpfile there.
TEST_CASE("the forced-stop report names the stuck task and can be turned off",
          "[stuck_loop][native-only]") {
  std::string reported;
  {
    StderrCapture capture;
    ta::RunnerOptions options = quick_exit("reported");
    options.report_forced_stop = true;
    ta::AsyncRunner runner(options);
    runner.create_task(ta::TaskOptions{"hang_forever"}, [] { spin_forever(); });
    runner.close();
    reported = capture.text();
  }
  REQUIRE_THAT(reported, Catch::Contains("runner 'reported' is stuck"));
  REQUIRE_THAT(reported, Catch::Contains("task 'hang_forever' has held it for"));
  REQUIRE_THAT(reported, Catch::Contains("forcing the loop thread down\n  #0 "));  // the stack
  std::string silent;
  {
    StderrCapture capture;
    ta::AsyncRunner runner(quick_exit("silent"));
    runner.create_task([] { spin_forever(); });
    runner.close();
    silent = capture.text();
  }
  REQUIRE(silent.empty());
}

namespace {

// The watchdog's reports of a runner, and the flag its held task spins on,
// which the first report clears (letting the task go).
struct WatchedReports {
  std::atomic<bool> hold{true};
  std::mutex mutex;
  std::vector<ta::StuckLoopReport> reports;

  // A runner's options named `name`, whose watchdog reports here after 50 ms.
  ta::RunnerOptions options(const char* name) {
    ta::RunnerOptions options = quick_exit(name);
    options.watchdog_after = 50ms;
    options.on_stuck = [this](const ta::StuckLoopReport& report) {
      std::lock_guard<std::mutex> guard(mutex);
      reports.push_back(report);
      hold = false;  // let the task go once it has been reported
    };
    return options;
  }
};

}  // namespace

TEST_CASE("the watchdog names the task that holds the loop", "[stuck_loop]") {
  WatchedReports watched;
  std::atomic<bool>& hold = watched.hold;
  std::vector<ta::StuckLoopReport>& reports = watched.reports;
  ta::AsyncRunner runner(watched.options("watched"));
  auto holder = runner.create_task(ta::TaskOptions{"holder"}, [&hold] {
    while (hold.load()) {
    }
    return 1;
  });
  REQUIRE(holder.wait(10s) == 1);
  runner.close();
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
  std::lock_guard<std::mutex> guard(watched.mutex);
  REQUIRE(reports.size() == 1);
  REQUIRE(reports[0].task == "holder");
  REQUIRE(reports[0].runner == "watched");
  REQUIRE(reports[0].held_for >= 50ms);
  REQUIRE_THAT(reports[0].describe(), Catch::Contains("task 'holder' has held it for"));
}

// Tasks that yield to each other start batches of ready items that the loop
// does not stamp with the time (the first observer does): the report still
// says how long the loop has been held, at least.
TEST_CASE("the watchdog reports how long a task that yielded before holds the loop",
          "[stuck_loop]") {
  WatchedReports watched;
  std::atomic<bool>& hold = watched.hold;
  std::vector<ta::StuckLoopReport>& reports = watched.reports;
  ta::AsyncRunner runner(watched.options("yielded"));
  auto other = runner.create_task([&hold] {
    while (hold.load()) ta::yield();
  });
  auto holder = runner.create_task(ta::TaskOptions{"holder"}, [&hold] {
    for (int i = 0; i < 1000; ++i) ta::yield();
    while (hold.load()) {
    }
    return 1;
  });
  REQUIRE(holder.wait(10s) == 1);
  other.wait(10s);
  runner.close();
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
  std::lock_guard<std::mutex> guard(watched.mutex);
  REQUIRE(reports.size() == 1);
  REQUIRE(reports[0].task == "holder");
  REQUIRE(reports[0].held_for >= 50ms);
  REQUIRE(reports[0].held_for < 10s);
}

TEST_CASE("an idle loop is not reported by the watchdog", "[stuck_loop]") {
  std::atomic<int> reports{0};
  ta::RunnerOptions options = quick_exit("idle");
  options.watchdog_after = 20ms;
  options.on_stuck = [&](const ta::StuckLoopReport&) { ++reports; };
  ta::AsyncRunner runner(options);
  ta::Event never(runner);
  auto waiter = runner.create_task([never] { never.as_async_event().wait(); });
  std::this_thread::sleep_for(200ms);
  REQUIRE(reports == 0);
}

// Blocking every signal is the one way a native loop thread cannot be forced down.
TEST_CASE("a loop thread that blocks signals cannot be forced: FAILED_FORCE_STOPPED",
          "[stuck_loop][native-only]") {
  std::atomic<bool> hold{true};
  std::atomic<bool> released{false};
  ta::BackgroundTask<void> task;
  {
    ta::AsyncRunner runner(quick_exit("unstoppable"));
    std::atomic<bool> started{false};
    task = runner.create_task([&hold, &released, &started] {
      sigset_t all;
      sigfillset(&all);
      ::pthread_sigmask(SIG_BLOCK, &all, nullptr);
      started = true;
      while (hold.load()) {
      }
      released = true;
    });
    await_flag(started);
    runner.close();
    REQUIRE(runner.shutdown_type() == ta::ShutdownType::FAILED_FORCE_STOPPED);
    REQUIRE_FALSE(runner.is_running());
    REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  }
  hold = false;  // the abandoned thread comes unstuck, sees the shutdown request, and ends
  for (int i = 0; i < 500 && !released; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(released);
}

TEST_CASE("a queue of another runner that a forced-down task waited on stays sound",
          "[stuck_loop]") {
  ta::AsyncRunner healthy(quick_exit("keeps-queue"));
  ta::Queue<int> queue(healthy);
  {
    ta::AsyncRunner stuck(quick_exit("waits-then-stuck"));
    std::atomic<bool> waiting{false};
    auto getter = stuck.create_task([queue, &waiting]() mutable {
      waiting = true;
      return queue.get();  // suspends this task on the healthy runner's queue
    });
    await_flag(waiting);
    stuck.wait_for_next_eventloop_iteration();
    stuck.create_task([] { spin_forever(); });
    stuck.close();
    REQUIRE(stuck.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
    REQUIRE_THROWS_AS(getter.wait(), ta::CancelledError);
  }
  queue.put_wait(7);  // must not hand the item to the gone task's waiter
  REQUIRE(queue.qsize() == 1);
  REQUIRE(queue.get_wait(5s) == 7);
}
