// Forced stops that leave the process whole: each kind of stuck code is forced
// down 20 times in a row, and after each stop the process must still print to
// the same stream, allocate on several threads, take the locks the stuck code
// held (where it was unwound) and run a new runner, with its thread count back.
// CTest runs every test case in a process of its own (catch_discover_tests), so
// a stop that harmed its process could not harm the rest of the suite.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <vector>

#include "thread_count.hpp"

namespace ta = threaded_async;
using namespace std::chrono_literals;

// Out of line and exported (the tests link with -rdynamic), so that stack
// reports can name them.
[[gnu::noinline]] void ta_test_spin_a_while() {
  for (int i = 0; i < 1000; ++i) asm volatile("");
}

// Called through a pointer the compiler cannot see through: a call that GCC
// proves cannot throw (it looks into functions of the same file) gets no entry
// in the caller's unwind table, and such a caller cannot be unwound.
void (*volatile ta_test_spin_step)() = &ta_test_spin_a_while;

[[gnu::noinline]] void ta_test_spin_forever() {
  for (;;) ta_test_spin_step();
}

namespace {

constexpr int kRounds = 20;

// Allocates for ever, inside operator new[] much of the time. A stop that is
// to unwind is taken at the return of a call into the runtime that may throw
// (operator new here); at other moments it waits for one, through a window of
// 100 ms and 50 looks, then abandons the stack. The stuck loops of these
// tests once built a std::string per round: then only about 3 % of the looks
// landed inside operator new (counted in the signal handler), and on a loaded
// machine the window passed without one in about one round in five, so that a
// test of unwinding saw the stack abandoned now and then (one run of the suite
// in five on a quiet machine). A bare new[] and delete[] leave the loop's own
// code little time.
[[gnu::noinline]] void allocate_forever(std::atomic<std::size_t>& sink, char fill) {
  for (;;) {
    char* block = new char[256];
    block[0] = fill;
    sink += static_cast<std::size_t>(block[0]);
    delete[] block;
  }
}

// Counts destructions, to show that a stuck task's stack was unwound.
struct Unwound {
  std::atomic<int>* count;
  ~Unwound() { ++*count; }
};

// What every forced stop must leave working.
void process_carries_on() {
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([] {
      for (int j = 0; j < 1000; ++j) {
        auto block = std::make_unique<std::string>(static_cast<std::size_t>(64 + j), 'y');
        REQUIRE(block->size() == static_cast<std::size_t>(64 + j));
      }
    });
  }
  for (auto& t : threads) t.join();
  ta::RunnerOptions options;
  options.name = "fresh";
  ta::AsyncRunner fresh(options);
  REQUIRE(fresh.create_task([] { return 42; }).wait(10s) == 42);
}

// Runs `stuck` as a task until it is surely stuck, then leaves the runner, 20
// times; `after` checks what the stuck code used. `unwinds`: the stuck code
// must have been unwound (its destructors ran) each time, not abandoned.
template <class Stuck, class After>
void force_down_repeatedly(Stuck stuck, After after, bool unwinds) {
  const int threads_before = thread_count();
  std::atomic<int> destroyed{0};
  for (int round = 0; round < kRounds; ++round) {
    std::atomic<bool> started{false};
    ta::BackgroundTask<void> task;
    {
      ta::RunnerOptions options;
      options.name = "stuck";
      options.exit_timeout = 50ms;
      options.report_forced_stop = false;
      ta::AsyncRunner runner(options);
      task = runner.create_task([&] {
        Unwound guard{&destroyed};
        started = true;
        stuck();
      });
      while (!started) std::this_thread::sleep_for(1ms);
      std::this_thread::sleep_for(5ms);
      runner.close();
      REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
    }
    REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
    if (unwinds) REQUIRE(destroyed == round + 1);
    after();
    process_carries_on();
    REQUIRE(thread_count_settled(threads_before) == threads_before);
  }
}

// Points a standard stream's descriptor at /dev/null for its scope.
class Silenced {
 public:
  explicit Silenced(int fd) : fd_(fd), saved_(::dup(fd)) {
    std::fflush(nullptr);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, fd_);
    ::close(null);
  }
  ~Silenced() {
    std::cout.flush();
    std::fflush(nullptr);
    ::dup2(saved_, fd_);
    ::close(saved_);
  }

 private:
  int fd_;
  int saved_;
};

}  // namespace

TEST_CASE("a task stuck printing to a FILE* is unwound and the stream stays usable",
          "[forced_stop][native-only]") {
  std::FILE* file = std::fopen("/dev/null", "w");
  REQUIRE(file != nullptr);
  force_down_repeatedly(
      [file] {
        for (int i = 0;; ++i) std::fprintf(file, "line %d of a stuck task\n", i);
      },
      [file] { REQUIRE(std::fprintf(file, "the main thread prints on\n") > 0); }, true);
  REQUIRE(std::fclose(file) == 0);
}

TEST_CASE("a task stuck writing std::cout is unwound and std::cout stays usable",
          "[forced_stop][native-only]") {
  Silenced silenced(STDOUT_FILENO);
  force_down_repeatedly(
      [] {
        for (int i = 0;; ++i) std::cout << "line " << i << " of a stuck task\n";
      },
      [] {
        std::cout << "the main thread writes on" << std::endl;
        REQUIRE(std::cout.good());
      },
      true);
}

TEST_CASE("a task stuck allocating is forced down and every thread can still allocate",
          "[forced_stop][native-only]") {
  static std::atomic<std::size_t> sink{0};
  force_down_repeatedly(
      [] {
        for (int i = 0;; ++i) {
          std::string text(100, 'x');
          text += std::to_string(i);
          auto block = std::make_unique<std::vector<int>>(static_cast<std::size_t>(i % 512));
          sink += text.size() + block->size();
        }
      },
      [] {}, false);
}

TEST_CASE("a task stuck holding a std::mutex is unwound: the lock_guard releases it",
          "[forced_stop][native-only]") {
  static std::mutex mutex;
  static std::atomic<std::size_t> sink{0};
  force_down_repeatedly(
      [] {
        std::lock_guard<std::mutex> hold(mutex);
        // Unwound at the return of a call into the runtime (operator new here);
        // a loop of the program's own code alone would be abandoned.
        allocate_forever(sink, 'm');
      },
      [] {
        REQUIRE(mutex.try_lock());
        mutex.unlock();
      },
      true);
}

// The unwinding takes longer than exit_timeout, so the runner forces the loop
// again while the first stop's exception is still propagating through the
// cleanup. That second stop must wait: rewriting a return address that the
// unwinder is about to read, or throwing a second exception, would crash.
TEST_CASE("a stuck task whose cleanup outlasts exit_timeout is unwound once",
          "[forced_stop][native-only]") {
  static std::atomic<std::size_t> sink{0};
  static std::atomic<int> cleanups_finished{0};
  struct SlowCleanup {
    ~SlowCleanup() {
      const auto end = std::chrono::steady_clock::now() + 150ms;
      while (std::chrono::steady_clock::now() < end) {
        sink += std::make_unique<std::string>(64, 'c')->size();
      }
      ++cleanups_finished;
    }
  };
  int round = 0;
  force_down_repeatedly(
      [] {
        SlowCleanup slow;
        allocate_forever(sink, 's');
      },
      [&round] { REQUIRE(cleanups_finished == ++round); }, true);
}

TEST_CASE("a task stuck in a blocking read is unwound and the pipe stays usable",
          "[forced_stop][native-only]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  force_down_repeatedly(
      [fd = fds[0]] {
        char c;
        for (;;) (void)::read(fd, &c, 1);
      },
      [&fds] {
        char c = 'p';
        REQUIRE(::write(fds[1], &c, 1) == 1);
        char back = 0;
        REQUIRE(::read(fds[0], &back, 1) == 1);
        REQUIRE(back == 'p');
      },
      true);
  ::close(fds[0]);
  ::close(fds[1]);
}

namespace {
std::atomic<int> noexcept_destroyed{0};
[[gnu::noinline]] void spin_in_noexcept() noexcept {
  Unwound guard{&noexcept_destroyed};
  ta_test_spin_forever();
}
}  // namespace

// A noexcept frame cannot be unwound (the C++ runtime would call std::terminate):
// the stop abandons its stack instead, and its destructors never run.
TEST_CASE("a task stuck in a noexcept function is forced down by abandoning its stack",
          "[forced_stop]") {
  force_down_repeatedly([] { spin_in_noexcept(); }, [] {}, false);
  REQUIRE(noexcept_destroyed == 0);
}

TEST_CASE("a pure spin is forced down", "[forced_stop]") {
  force_down_repeatedly([] { ta_test_spin_forever(); }, [] {}, false);
}

// A catch (...) in the stuck code is never unwound into (it could swallow the
// stop, or, as Clang builds noexcept, call std::terminate): the stack is abandoned.
TEST_CASE("stuck code inside a catch-all try block is abandoned and not unwound",
          "[forced_stop][native-only]") {
  static std::atomic<int> caught{0};
  force_down_repeatedly(
      [] {
        try {
          ta_test_spin_forever();
        } catch (...) {
          ++caught;
          throw;
        }
      },
      [] {}, false);
  REQUIRE(caught == 0);
}

TEST_CASE("the forced-stop report and the watchdog show the stuck code's stack",
          "[forced_stop][native-only]") {
  std::atomic<bool> started{false};
  std::mutex reports_mutex;
  std::vector<ta::StuckLoopReport> reports;
  ta::RunnerOptions options;
  options.name = "traced";
  options.exit_timeout = 50ms;
  options.report_forced_stop = false;
  options.watchdog_after = 50ms;
  options.on_stuck = [&](const ta::StuckLoopReport& report) {
    std::lock_guard<std::mutex> guard(reports_mutex);
    reports.push_back(report);
  };
  {
    ta::AsyncRunner runner(options);
    auto task = runner.create_task(ta::TaskOptions{"spinner"}, [&] {
      started = true;
      ta_test_spin_forever();
    });
    while (!started) std::this_thread::sleep_for(1ms);
    for (int i = 0; i < 500; ++i) {
      std::lock_guard<std::mutex> guard(reports_mutex);
      if (!reports.empty()) break;
      std::this_thread::sleep_for(10ms);
    }
  }
  std::lock_guard<std::mutex> guard(reports_mutex);
  REQUIRE(reports.size() == 1);
  const ta::StuckLoopReport& report = reports.front();
  REQUIRE(report.task == "spinner");
  REQUIRE_FALSE(report.stack.empty());
  bool named = false;
  for (const std::string& frame : report.stack) {
    named = named || frame.find("ta_test_spin_") != std::string::npos;
  }
  REQUIRE(named);
  REQUIRE(report.describe_stack().find("  #0 ") == 0);
}
