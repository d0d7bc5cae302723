// Leaving a runner while thousands of tasks are pending and threads are
// blocked in every kind of wait: everything wakes with CancelledError, the
// tasks' cleanup runs, and nothing is left behind.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "stress.hpp"

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// Counts its live copies, so a test can see that tasks and their captures were freed.
struct Tracked {
  static inline std::atomic<long> live{0};
  Tracked() { live.fetch_add(1); }
  Tracked(const Tracked&) { live.fetch_add(1); }
  Tracked& operator=(const Tracked&) = default;
  ~Tracked() { live.fetch_sub(1); }
};

// Primitives that never come true, for tasks and threads to block on.
struct Never {
  ta::Event event;
  ta::Queue<int> queue;
  ta::Queue<int> full;
  ta::Future<int> future;
  explicit Never(ta::AsyncRunner& runner)
      : event(runner), queue(runner), full(runner, 1), future(runner) {
    int item = 0;
    full.try_put(item);
  }
};

// A task body that blocks for ever in the way `kind` (0 to 5) picks, counting
// its cleanup (which runs only when cancellation unwinds its stack).
void block_in_task(int kind, Never never, Tracked, std::atomic<long>& started,
                   std::atomic<long>& cleaned) {
  struct Cleanup {
    std::atomic<long>& cleaned;
    ~Cleanup() { cleaned.fetch_add(1); }
  } cleanup{cleaned};
  started.fetch_add(1);
  switch (kind) {
    case 0:
      never.event.as_async_event().wait();
      break;
    case 1:
      never.queue.get();
      break;
    case 2:
      never.full.put(1);
      break;
    case 3:
      never.future.result();
      break;
    case 4:
      ta::sleep(1h);
      break;
    default:
      ta::create_task([queue = never.queue]() mutable { queue.get(); }).result();
      break;
  }
}

// A thread blocked in the way `kind` picks; returns what ended its wait.
std::string block_in_thread(int kind, Never never, ta::BackgroundTask<void> task) {
  try {
    switch (kind % 5) {
      case 0:
        never.event.wait();
        break;
      case 1:
        never.queue.get_wait();
        break;
      case 2:
        never.full.put_wait(1);
        break;
      case 3:
        never.future.result_wait();
        break;
      default:
        task.wait();
        break;
    }
    return "returned";
  } catch (const ta::CancelledError&) {
    return "CancelledError";
  } catch (const std::exception& e) {
    return std::string("unexpected: ") + e.what();
  }
}

}  // namespace

TEST_CASE("leaving with thousands of pending tasks and blocked threads", "[stress][shutdown]") {
  const std::size_t n = stress::tasks();
  const int blocked_threads = 10;
  std::atomic<long> started{0};
  std::atomic<long> cleaned{0};
  std::vector<std::string> woke(blocked_threads);
  std::vector<ta::BackgroundTask<void>> tasks;
  {
    ta::AsyncRunner runner(stress::runner_options("shutdown-stress"));
    Never never(runner);
    // Half the tasks get to block before leaving starts...
    for (std::size_t i = 0; i < n / 2; ++i) {
      tasks.push_back(runner.create_task(block_in_task, static_cast<int>(i % 6), never, Tracked{},
                                         std::ref(started), std::ref(cleaned)));
    }
    runner.wait_for_next_eventloop_iteration();
    REQUIRE(started.load() == static_cast<long>(n / 2));

    std::atomic<int> about_to_block{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < blocked_threads; ++t) {
      threads.emplace_back([&, t] {
        about_to_block.fetch_add(1);
        woke[t] = block_in_thread(t, never, tasks[static_cast<std::size_t>(t)]);
      });
    }
    while (about_to_block.load() < blocked_threads) std::this_thread::yield();
    // Set-up only, not an assertion: give the threads time to reach their waits.
    std::this_thread::sleep_for(100ms);

    // ...the other half are still in the loop's inbox when it begins.
    for (std::size_t i = n / 2; i < n; ++i) {
      tasks.push_back(runner.create_task(block_in_task, static_cast<int>(i % 6), never, Tracked{},
                                         std::ref(started), std::ref(cleaned)));
    }
    runner.close();
    REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
    for (auto& thread : threads) thread.join();
  }
  for (int t = 0; t < blocked_threads; ++t) {
    INFO("thread " << t);
    REQUIRE(woke[static_cast<std::size_t>(t)] == "CancelledError");
  }
  for (auto& task : tasks) {
    REQUIRE(task.done());
    REQUIRE(task.cancelled());
    REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  }
  // Every task that started was unwound; those that never started never ran.
  REQUIRE(cleaned.load() == started.load());
  tasks.clear();
  REQUIRE(Tracked::live.load() == 0);
}

TEST_CASE("a stuck loop is forced down with tasks pending and threads blocked",
          "[stress][shutdown]") {
  std::vector<std::string> woke(5);
  std::atomic<long> started{0};
  std::atomic<long> cleaned{0};
  {
    ta::RunnerOptions options = stress::runner_options("stuck-stress");
    options.exit_timeout = 500ms;
    options.report_forced_stop = false;
    ta::AsyncRunner runner(options);
    Never never(runner);
    std::vector<ta::BackgroundTask<void>> blocked;
    for (int i = 0; i < 100; ++i) {
      blocked.push_back(runner.create_task(block_in_task, i % 6, never, Tracked{},
                                           std::ref(started), std::ref(cleaned)));
    }
    runner.wait_for_next_eventloop_iteration();
    std::atomic<bool> spinning{false};
    // It holds the loop without suspending. Under ThreadSanitizer it sleeps in
    // a loop instead of spinning: TSan holds an asynchronous signal back until
    // the thread calls a function it intercepts, so a pure spin never sees
    // the signal that forces it down (docs/reliability.md).
    auto stuck = runner.create_task(ta::TaskOptions{"spinner"}, [&spinning] {
      spinning.store(true);
      for (volatile bool spin = true; spin;) {
        if constexpr (stress::kThreadSanitizer) std::this_thread::sleep_for(1ms);
      }
    });
    while (!spinning.load()) std::this_thread::yield();
    std::vector<std::thread> threads;
    for (int t = 0; t < 5; ++t) {
      threads.emplace_back([&, t] { woke[t] = block_in_thread(t, never, stuck); });
    }
    runner.close();
    REQUIRE(runner.shutdown_type() == ta::ShutdownType::FORCE_STOPPED);
    for (auto& thread : threads) thread.join();
    REQUIRE(stuck.cancelled());
    for (auto& task : blocked) REQUIRE(task.cancelled());
  }
  for (int t = 0; t < 5; ++t) {
    INFO("thread " << t);
    REQUIRE(woke[static_cast<std::size_t>(t)] == "CancelledError");
  }
  // Only the stuck task's stack is abandoned; the others still unwind.
  REQUIRE(started.load() == 100);
  REQUIRE(cleaned.load() == 100);
  REQUIRE(Tracked::live.load() == 0);
}
