// Many threads creating, waiting on and cancelling tasks of one runner at once.
// Every outcome must be one the API promises for what the thread did.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "stress.hpp"

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// One round of thread `t`: a kind of task chosen by `i`, and the checks that go with it.
void round(ta::AsyncRunner& runner, int t, std::size_t i, stress::Failures& failures) {
  const auto value = static_cast<long>(i) * 10 + t;
  const std::string where = "thread " + std::to_string(t) + " round " + std::to_string(i) + ": ";
  switch (i % 5) {
    case 0: {  // yields, then returns a value
      auto task = runner.create_task([value] {
        ta::yield();
        return value;
      });
      if (task.wait() != value) failures.add(where + "wrong result");
      break;
    }
    case 1: {  // cancelled at once: either it finished first or it was cancelled
      auto task = runner.create_task([value] {
        ta::yield();
        ta::yield();
        return value;
      });
      task.cancel();
      try {
        if (task.wait() != value) failures.add(where + "wrong result after cancel");
        if (task.cancelled()) failures.add(where + "returned a value but says cancelled");
      } catch (const ta::CancelledError&) {
        if (!task.cancelled()) failures.add(where + "CancelledError but not cancelled()");
      }
      break;
    }
    case 2: {  // a task that waits for a child task it started
      auto task = runner.create_task([value] {
        auto child = ta::create_task([value] {
          ta::yield();
          return value;
        });
        return child.result() + 1;
      });
      if (task.wait() != value + 1) failures.add(where + "wrong result through a child task");
      break;
    }
    case 3: {  // never ends: a short wait times out, cancel ends it
      auto task = runner.create_task([] { ta::sleep(1h); });
      try {
        task.wait(1ms);
        failures.add(where + "wait on a sleeping task did not time out");
      } catch (const ta::EventLoopTimeoutError&) {
      }
      task.cancel();
      try {
        task.wait();
        failures.add(where + "a cancelled sleeping task returned");
      } catch (const ta::CancelledError&) {
      }
      if (!task.done() || !task.cancelled()) failures.add(where + "not done and cancelled");
      break;
    }
    default: {  // fails; wait() rethrows the task's own error and retrieves it
      auto task = runner.create_task([value]() -> long {
        ta::yield();
        throw std::runtime_error("failed " + std::to_string(value));
      });
      try {
        task.wait();
        failures.add(where + "a failing task returned");
      } catch (const std::runtime_error& e) {
        if (e.what() != "failed " + std::to_string(value)) failures.add(where + "wrong error");
      }
      break;
    }
  }
}

}  // namespace

TEST_CASE("threads create, wait on and cancel tasks at once", "[stress][tasks]") {
  const std::size_t rounds = stress::tasks();
  stress::Failures failures;
  ta::AsyncRunner runner(stress::runner_options("task-stress"));
  std::atomic<bool> done{false};
  std::atomic<long> loop_calls{0};
  // Meanwhile one more thread keeps calling into the loop.
  std::thread caller([&] {
    while (!done.load()) {
      if (!runner.call_in_loop([&] { return runner.in_runner_loop(); })) {
        failures.add("call_in_loop ran off the loop thread");
      }
      runner.wait_for_next_eventloop_iteration();
      loop_calls.fetch_add(1);
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < stress::kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < rounds; ++i) round(runner, t, i, failures);
    });
  }
  for (auto& thread : threads) thread.join();
  done.store(true);
  caller.join();
  INFO(failures.summary());
  REQUIRE(failures.count() == 0);
  REQUIRE(loop_calls.load() > 0);
  runner.close();  // every error was retrieved: no ExceptionGroup
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
}

TEST_CASE("unretrieved errors of tasks from many threads come back in one group",
          "[stress][tasks]") {
  const std::size_t per_thread = 50;
  ta::AsyncRunner runner(stress::runner_options("error-stress"));
  std::vector<std::thread> threads;
  for (int t = 0; t < stress::kThreads; ++t) {
    threads.emplace_back([&runner, per_thread] {
      for (std::size_t i = 0; i < per_thread; ++i) {
        runner.create_task([] { throw std::invalid_argument("This is an error"); });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  runner.wait_for_next_eventloop_iteration();
  try {
    runner.close();
    FAIL("close() did not throw the unretrieved errors");
  } catch (const ta::ExceptionGroup& group) {
    REQUIRE(group.exceptions().size() == stress::kThreads * per_thread);
  }
}

// With default options: guarded stacks up to their share of the kernel's
// mappings, slab stacks beyond (1,000,000 tasks under make stress).
TEST_CASE("as many tasks as items wait on one event with default options and all finish",
          "[stress]") {
  const std::size_t n = stress::items();
  ta::AsyncRunner runner;
  ta::Event event(runner);
  std::vector<ta::BackgroundTask<std::size_t>> tasks;
  tasks.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    tasks.push_back(runner.create_task([event, i]() mutable {
      event.as_async_event().wait();
      return i;
    }));
  }
  runner.wait_for_next_eventloop_iteration();
  event.set();
  std::size_t finished = 0;
  for (std::size_t i = 0; i < n; ++i) finished += tasks[i].wait() == i ? 1 : 0;
  REQUIRE(finished == n);
}
