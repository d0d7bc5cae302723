// Event: thread to loop, loop to thread, thread to thread, clear, timeouts, handles.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// Starts a task that waits for its own event, which a second task sets
// later; only the handle of the first task leaves this function.
ta::BackgroundTask<int> start_with_local_event(ta::AsyncRunner& runner) {
  ta::Event local(runner);
  runner.create_task([local] {
    ta::sleep(20ms);
    local.as_async_event().set();
  });
  return runner.create_task([local] {
    local.as_async_event().wait();
    return 1;
  });
}

}  // namespace

TEST_CASE("an event set by a thread wakes a task (the cookbook's example)", "[event]") {
  ta::AsyncRunner runner;
  std::optional<int> global_var;
  ta::Event global_initialized(runner);
  auto task = runner.create_task(
      [&global_var](ta::Event initialized) {
        initialized.as_async_event().wait();
        return *global_var + 1;
      },
      global_initialized);
  runner.wait_for_next_eventloop_iteration();
  REQUIRE_FALSE(task.done());
  global_var = 10;
  global_initialized.set();
  REQUIRE(task.wait() == 11);
}

TEST_CASE("an event set by a task wakes a waiting thread", "[event]") {
  ta::AsyncRunner runner;
  ta::Event ready(runner);
  runner.create_task([ready] {
    ta::sleep(20ms);
    ready.as_async_event().set();
  });
  REQUIRE_NOTHROW(ready.wait(10s));
  REQUIRE(ready.is_set());
}

TEST_CASE("an event set by one thread wakes another thread", "[event]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    event.wait(10s);
    woke = true;
  });
  std::this_thread::sleep_for(20ms);
  REQUIRE_FALSE(woke);
  event.set();
  waiter.join();
  REQUIRE(woke);
}

TEST_CASE("one set wakes every waiting task and thread", "[event]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  std::vector<ta::BackgroundTask<int>> tasks;
  for (int i = 0; i < 5; ++i) {
    tasks.push_back(runner.create_task([event, i] {
      event.as_async_event().wait();
      return i;
    }));
  }
  std::atomic<int> threads_woken{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&] {
      event.wait(10s);
      ++threads_woken;
    });
  }
  runner.wait_for_next_eventloop_iteration();
  for (auto& t : tasks) REQUIRE_FALSE(t.done());
  event.set();
  for (auto& t : threads) t.join();
  REQUIRE(threads_woken == 3);
  int sum = 0;
  for (auto& t : tasks) sum += t.wait();
  REQUIRE(sum == 0 + 1 + 2 + 3 + 4);
}

TEST_CASE("waiting on an event that is already set returns at once", "[event]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  event.set();
  REQUIRE_NOTHROW(event.wait(0ms));
  auto task = runner.create_task([event] {
    event.as_async_event().wait(0ms);
    return event.as_async_event().is_set();
  });
  REQUIRE(task.wait());
}

TEST_CASE("clear resets the flag so that waits block again", "[event]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  REQUIRE_FALSE(event.is_set());
  event.set();
  REQUIRE(event.is_set());
  event.clear();
  REQUIRE_FALSE(event.is_set());
  REQUIRE_THROWS_AS(event.wait(10ms), ta::EventLoopTimeoutError);
  auto task = runner.create_task([event] { event.as_async_event().wait(10ms); });
  REQUIRE_THROWS_AS(task.wait(), ta::EventLoopTimeoutError);
}

TEST_CASE("event waits time out with EventLoopTimeoutError on both sides", "[event]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  REQUIRE_THROWS_AS(event.wait(30ms), ta::EventLoopTimeoutError);
  REQUIRE_FALSE(event.is_set());
  auto task = runner.create_task([event] {
    try {
      event.as_async_event().wait(30ms);
    } catch (const ta::EventLoopTimeoutError&) {
      return true;
    }
    return false;
  });
  REQUIRE(task.wait());
}

TEST_CASE("a task waiting on an event can be cancelled", "[event]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  auto task = runner.create_task([event] { event.as_async_event().wait(); });
  runner.wait_for_next_eventloop_iteration();
  task.cancel();
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  // The event is unaffected and still works for others.
  event.set();
  REQUIRE_NOTHROW(event.wait(0ms));
}

TEST_CASE("copies of an event are the same event", "[event]") {
  ta::AsyncRunner runner;
  ta::Event original(runner);
  ta::Event copy = original;
  copy.set();
  REQUIRE(original.is_set());
  REQUIRE(original.as_async_event().is_set());
  original.clear();
  REQUIRE_FALSE(copy.is_set());
}

TEST_CASE("a task keeps its copy of an event after the creator's scope ended", "[event]") {
  ta::AsyncRunner runner;
  auto task = start_with_local_event(runner);
  REQUIRE(task.wait(10s) == 1);
}
