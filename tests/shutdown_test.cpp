// Leaving a runner: every task is cancelled (tasks started from tasks too),
// cleanup code runs, and threads blocked on the runner wake with CancelledError.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <utility>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// Counts the stacks unwound by cancellation.
struct CountOnDestroy {
  std::atomic<int>& count;
  ~CountOnDestroy() { ++count; }
};

// Runs `call` on a new thread; records whether it ended with CancelledError.
class BlockedThread {
 public:
  explicit BlockedThread(std::function<void()> call)
      : thread_([this, call = std::move(call)] {
          try {
            calling_ = true;
            call();
            outcome_ = "returned";
          } catch (const ta::CancelledError&) {
            outcome_ = "cancelled";
          } catch (const std::exception& e) {
            outcome_ = e.what();
          }
        }) {}
  // True once the thread is about to make its call.
  bool calling() const { return calling_; }
  std::string join() {
    thread_.join();
    return outcome_;
  }

 private:
  std::atomic<bool> calling_{false};
  std::string outcome_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("leaving cancels every task, including tasks started from tasks", "[shutdown]") {
  std::atomic<int> unwound{0};
  std::atomic<int> started{0};
  {
    ta::AsyncRunner runner;
    for (int i = 0; i < 3; ++i) {
      runner.create_task([&] {
        CountOnDestroy guard{unwound};
        ++started;
        auto child = ta::create_task([&] {
          CountOnDestroy child_guard{unwound};
          ++started;
          ta::create_task([&] {
            CountOnDestroy grandchild_guard{unwound};
            ++started;
            ta::sleep(10s);
          });
          ta::Event(runner).as_async_event().wait();
        });
        child.result();
      });
    }
    while (started < 9) std::this_thread::sleep_for(1ms);
  }
  REQUIRE(unwound == 9);
}

TEST_CASE("leaving stops the runner in an orderly way, quickly", "[shutdown]") {
  ta::AsyncRunner runner;
  std::vector<ta::BackgroundTask<void>> tasks;
  tasks.push_back(runner.create_task([] { ta::sleep(10s); }));
  tasks.push_back(runner.create_task([] {
    for (;;) ta::yield();
  }));
  ta::Queue<int> queue(runner);
  tasks.push_back(runner.create_task([queue]() mutable { queue.get(); }));
  runner.wait_for_next_eventloop_iteration();
  const auto start = ta::Clock::now();
  runner.close();
  REQUIRE(ta::Clock::now() - start < 2s);
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
  REQUIRE_FALSE(runner.is_running());
  for (auto& t : tasks) REQUIRE(t.cancelled());
}

TEST_CASE("cleanup code in tasks runs when the runner is left", "[shutdown]") {
  std::atomic<bool> cleaned_up{false};
  ta::BackgroundTask<void> task;
  {
    ta::AsyncRunner runner;
    task = runner.create_task([&] {
      try {
        ta::sleep(10s);
      } catch (const ta::CancelledError&) {
        cleaned_up = true;
        throw;
      }
    });
    runner.wait_for_next_eventloop_iteration();
  }
  REQUIRE(cleaned_up);
  REQUIRE(task.cancelled());
}

TEST_CASE("during shutdown every suspension point throws CancelledError", "[shutdown]") {
  std::atomic<int> cancellations{0};
  std::atomic<bool> child_ran{false};
  ta::BackgroundTask<void> child;
  {
    ta::AsyncRunner runner;
    runner.create_task([&] {
      try {
        ta::sleep(10s);
      } catch (const ta::CancelledError&) {
        ++cancellations;
      }
      // Cleanup that tries to wait again is cancelled again, at once.
      try {
        ta::sleep(10s);
      } catch (const ta::CancelledError&) {
        ++cancellations;
      }
      try {
        ta::yield();
      } catch (const ta::CancelledError&) {
        ++cancellations;
      }
      // A task started now is cancelled before it runs.
      child = ta::create_task([&] { child_ran = true; });
    });
    runner.wait_for_next_eventloop_iteration();
  }
  REQUIRE(cancellations == 3);
  REQUIRE(child.cancelled());
  REQUIRE_FALSE(child_ran);
}

TEST_CASE("threads blocked on the runner wake with CancelledError when it shuts down",
          "[shutdown]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  ta::Queue<int> full(runner, 1);
  full.put_wait(0);
  ta::Event event(runner);
  ta::Future<int> future(runner);
  auto task = runner.create_task([event] { event.as_async_event().wait(); });

  std::vector<std::unique_ptr<BlockedThread>> threads;
  auto block = [&](std::function<void()> call) {
    threads.push_back(std::make_unique<BlockedThread>(std::move(call)));
  };
  block([queue]() mutable { queue.get_wait(ta::forever); });
  block([full]() mutable { full.put_wait(1, ta::forever); });
  block([event] { event.wait(ta::forever); });
  block([future] { future.result_wait(ta::forever); });
  block([task] { task.wait(ta::forever); });
  for (auto& t : threads) {
    while (!t->calling()) std::this_thread::yield();
  }
  std::this_thread::sleep_for(100ms);  // let them block in their calls

  const auto start = ta::Clock::now();
  runner.close();
  std::vector<std::string> outcomes;
  for (auto& t : threads) outcomes.push_back(t->join());
  REQUIRE(ta::Clock::now() - start < 2s);
  REQUIRE(outcomes == std::vector<std::string>(5, "cancelled"));
}

TEST_CASE("handles stay usable after the runner is gone", "[shutdown]") {
  ta::BackgroundTask<int> finished;
  ta::BackgroundTask<int> unfinished;
  {
    ta::AsyncRunner runner;
    finished = runner.create_task([] { return 3; });
    finished.wait();
    unfinished = runner.create_task([] {
      ta::sleep(10s);
      return 4;
    });
  }
  REQUIRE(finished.wait() == 3);
  REQUIRE_FALSE(finished.cancelled());
  REQUIRE_THROWS_AS(unfinished.wait(), ta::CancelledError);
  REQUIRE(unfinished.name().rfind("task-", 0) == 0);
}

TEST_CASE("a new runner works after another one was left", "[shutdown]") {
  for (int i = 0; i < 5; ++i) {
    ta::AsyncRunner runner;
    runner.create_task([] { ta::sleep(10s); });
    REQUIRE(runner.run([i] { return i; }) == i);
  }
}
