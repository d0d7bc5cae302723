#include <atomic>
#include <catch2/catch.hpp>
#include <stdexcept>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {
// Counts destructions, to show a cancelled child unwound its stack.
struct Unwound {
  std::atomic<int>* count;
  ~Unwound() { ++*count; }
};

// Work that would sleep for 30 s; counts its unwinding in `unwound`.
auto endless_work(std::atomic<int>& unwound) {
  return [&unwound] {
    Unwound guard{&unwound};
    ta::sleep(30s);
    return 1;
  };
}
}  // namespace

TEST_CASE("wait_for_or_cancel returns the work's result", "[utilities]") {
  ta::AsyncRunner runner;
  ta::Event cancel(runner);
  auto task = runner.create_task([cancel] {
    return ta::wait_for_or_cancel(
        [] {
          ta::sleep(1ms);
          return 7;
        },
        cancel);
  });
  REQUIRE(task.wait(5s) == 7);
}

TEST_CASE("wait_for_or_cancel cancels the work when the event is set first", "[utilities]") {
  ta::AsyncRunner runner;
  ta::Event cancel(runner);
  std::atomic<int> unwound{0};
  auto task = runner.create_task(
      [cancel, &unwound] { return ta::wait_for_or_cancel(endless_work(unwound), cancel); });
  runner.wait_for_next_eventloop_iteration();
  cancel.set();
  REQUIRE_THROWS_AS(task.wait(5s), ta::CancelledError);
  REQUIRE(unwound == 1);
}

TEST_CASE("wait_for_or_cancel gives up after its timeout", "[utilities]") {
  ta::AsyncRunner runner;
  ta::Event cancel(runner);
  std::atomic<int> unwound{0};
  auto task = runner.create_task(
      [cancel, &unwound] { return ta::wait_for_or_cancel(endless_work(unwound), cancel, 20ms); });
  REQUIRE_THROWS_AS(task.wait(5s), ta::EventLoopTimeoutError);
  REQUIRE(unwound == 1);
}

TEST_CASE("run_or_raise cancels the work and raises when the watcher fails first", "[utilities]") {
  ta::AsyncRunner runner;
  std::atomic<int> unwound{0};
  auto task = runner.create_task([&unwound] {
    return ta::run_or_raise(endless_work(unwound), [] {
      ta::sleep(5ms);
      throw std::runtime_error("watcher saw a fault");
    });
  });
  REQUIRE_THROWS_MATCHES(task.wait(5s), std::runtime_error, Catch::Message("watcher saw a fault"));
  REQUIRE(unwound == 1);
}

TEST_CASE("run_or_raise returns the work's result and stops the watcher", "[utilities]") {
  ta::AsyncRunner runner;
  std::atomic<int> watcher_unwound{0};
  auto task = runner.create_task([&watcher_unwound] {
    return ta::run_or_raise([] { return 3; },
                            [&watcher_unwound] {
                              Unwound guard{&watcher_unwound};
                              ta::sleep(30s);
                            });
  });
  REQUIRE(task.wait(5s) == 3);
  REQUIRE(watcher_unwound == 1);
}

TEST_CASE("run_or_raise lets the work finish when the watcher ends without error", "[utilities]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    return ta::run_or_raise(
        [] {
          ta::sleep(20ms);
          return 9;
        },
        [] {});
  });
  REQUIRE(task.wait(5s) == 9);
}

TEST_CASE("wait_all returns every result in order", "[utilities]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    std::vector<ta::BackgroundTask<int>> tasks;
    for (int i = 0; i < 5; ++i) {
      tasks.push_back(ta::create_task([i] {
        ta::sleep(std::chrono::milliseconds(5 - i));
        return i * i;
      }));
    }
    return ta::wait_all(tasks);
  });
  REQUIRE(task.wait(5s) == std::vector<int>{0, 1, 4, 9, 16});
}

TEST_CASE("wait_all throws the first error after all finished, or times out", "[utilities]") {
  ta::AsyncRunner runner;
  std::atomic<bool> slow_finished{false};
  auto failing = runner.create_task([&slow_finished] {
    std::vector<ta::BackgroundTask<void>> tasks;
    tasks.push_back(ta::create_task([] { throw std::logic_error("first"); }));
    tasks.push_back(ta::create_task([&slow_finished] {
      ta::sleep(10ms);
      slow_finished = true;
    }));
    ta::wait_all(tasks);
  });
  REQUIRE_THROWS_MATCHES(failing.wait(5s), std::logic_error, Catch::Message("first"));
  REQUIRE(slow_finished);
  auto timing_out = runner.create_task([] {
    std::vector<ta::BackgroundTask<void>> tasks{ta::create_task([] { ta::sleep(30s); })};
    ta::wait_all(tasks, 10ms);
  });
  REQUIRE_THROWS_AS(timing_out.wait(5s), ta::EventLoopTimeoutError);
}

TEST_CASE("wait_first returns the index of the first task to finish", "[utilities]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    std::vector<ta::BackgroundTask<int>> tasks;
    tasks.push_back(ta::create_task([] {
      ta::sleep(30s);
      return 0;
    }));
    tasks.push_back(ta::create_task([] {
      ta::sleep(2ms);
      return 1;
    }));
    const std::size_t first = ta::wait_first(tasks);
    const bool other_still_running = !tasks[0].done();
    tasks[0].cancel();
    return std::make_pair(first, other_still_running);
  });
  auto [first, other_running] = task.wait(5s);
  REQUIRE(first == 1);
  REQUIRE(other_running);
}

TEST_CASE("wait_first times out and needs at least one task", "[utilities]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    std::vector<ta::BackgroundTask<void>> tasks{ta::create_task([] { ta::sleep(30s); })};
    ta::wait_first(tasks, 10ms);
  });
  REQUIRE_THROWS_AS(task.wait(5s), ta::EventLoopTimeoutError);
  auto empty = runner.create_task([] { ta::wait_first(std::vector<ta::BackgroundTask<int>>{}); });
  REQUIRE_THROWS_AS(empty.wait(5s), ta::UsageError);
}

TEST_CASE("with_timeout returns in time or cancels the work", "[utilities]") {
  ta::AsyncRunner runner;
  std::atomic<int> unwound{0};
  auto quick = runner.create_task([] { return ta::with_timeout(5s, [] { return 4; }); });
  REQUIRE(quick.wait(5s) == 4);
  auto slow = runner.create_task([&unwound] {
    return ta::with_timeout(10ms, [&unwound] {
      Unwound guard{&unwound};
      ta::sleep(30s);
      return 4;
    });
  });
  REQUIRE_THROWS_AS(slow.wait(5s), ta::EventLoopTimeoutError);
  REQUIRE(unwound == 1);
}

TEST_CASE("the utilities are for tasks only", "[utilities]") {
  ta::AsyncRunner runner;
  ta::Event cancel(runner);
  REQUIRE_THROWS_AS(ta::wait_for_or_cancel([] { return 1; }, cancel), ta::NotInTaskError);
  REQUIRE_THROWS_AS(ta::with_timeout(1s, [] { return 1; }), ta::NotInTaskError);
  REQUIRE_THROWS_AS(ta::run_or_raise([] {}, [] {}), ta::NotInTaskError);
}
