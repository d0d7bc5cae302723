// AsyncRunner: entering, options, create_task, run, call_in_loop,
// wait_for_next_eventloop_iteration, in_runner_loop, is_running, shutdown_type.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <tuple>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// Holds the loop thread itself (not just one task) until release(): a loop
// that is busy for as long as the test wants, without spinning.
class LoopBlocker {
 public:
  // Returns once the loop thread is held.
  explicit LoopBlocker(ta::AsyncRunner& runner) {
    std::shared_future<void> gate = gate_.get_future().share();
    std::promise<void> holding;
    std::future<void> held = holding.get_future();
    runner.create_task([gate, holding = std::move(holding)]() mutable {
      holding.set_value();
      gate.wait();
    });
    held.wait();
  }
  ~LoopBlocker() { release(); }
  void release() {
    if (!released_) gate_.set_value();
    released_ = true;
  }

 private:
  std::promise<void> gate_;
  bool released_ = false;
};

}  // namespace

TEST_CASE("a task's result comes back to the thread", "[runner]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    ta::sleep(10ms);
    return 10;
  });
  REQUIRE(task.wait() == 10);
}

TEST_CASE("constructing a runner returns once its loop has completed an iteration", "[runner]") {
  ta::AsyncRunner runner;
  REQUIRE(runner.loop()->iteration() >= 1);
  REQUIRE(runner.is_running());
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::NOT_SHUT_DOWN);
}

TEST_CASE("runner options have the seed's defaults", "[runner]") {
  const ta::RunnerOptions defaults;
  REQUIRE(defaults.exit_timeout.kind() == ta::Timeout::Kind::kDuration);
  REQUIRE(defaults.exit_timeout.duration() == 1s);
  REQUIRE(defaults.call_in_loop_timeout.is_forever());

  ta::AsyncRunner runner;
  REQUIRE(runner.options().exit_timeout.duration() == 1s);
  REQUIRE(runner.options().call_in_loop_timeout.is_forever());
}

TEST_CASE("runner options given at construction are kept and timeouts can be changed", "[runner]") {
  ta::RunnerOptions options;
  options.name = "named-runner";
  options.exit_timeout = 2s;
  options.call_in_loop_timeout = 300ms;
  ta::AsyncRunner runner(options);
  REQUIRE(runner.options().name == "named-runner");
  REQUIRE(runner.options().exit_timeout.duration() == 2s);
  REQUIRE(runner.options().call_in_loop_timeout.duration() == 300ms);

  runner.set_call_in_loop_timeout(ta::forever);
  runner.set_exit_timeout(500ms);
  REQUIRE(runner.options().call_in_loop_timeout.is_forever());
  REQUIRE(runner.options().exit_timeout.duration() == 500ms);
  REQUIRE(runner.loop()->exit_timeout().duration() == 500ms);
}

TEST_CASE("create_task passes copies of its arguments and names the task", "[runner]") {
  ta::AsyncRunner runner;
  std::string text = "abc";
  auto task = runner.create_task(
      [](std::string s, int n) { return s + std::to_string(n) + ta::current_task_name(); }, text,
      7);
  text = "changed";
  auto named =
      runner.create_task(ta::TaskOptions{"worker"}, [] { return ta::current_task_name(); });
  REQUIRE(named.name() == "worker");
  REQUIRE(named.wait() == "worker");
  REQUIRE(task.name().rfind("task-", 0) == 0);
  REQUIRE(task.wait() == "abc7" + task.name());
  // Default names count up: "task-<n>", then "task-<n + 2>" (the named task took n + 1).
  const auto number = [](const std::string& name) { return std::stoull(name.substr(5)); };
  auto later = runner.create_task([] {});
  REQUIRE(later.name() == "task-" + std::to_string(number(task.name()) + 2));
  later.wait();
}

TEST_CASE("create_task accepts move-only arguments", "[runner]") {
  ta::AsyncRunner runner;
  auto task =
      runner.create_task([](std::unique_ptr<int> p) { return *p + 1; }, std::make_unique<int>(41));
  REQUIRE(task.wait() == 42);
}

TEST_CASE("create_task returns at once, even while the loop is busy", "[runner]") {
  ta::AsyncRunner runner;
  LoopBlocker blocker(runner);
  std::vector<ta::BackgroundTask<int>> tasks;
  for (int i = 0; i < 100; ++i) tasks.push_back(runner.create_task([i] { return i; }));
  for (const auto& task : tasks) REQUIRE_FALSE(task.done());
  blocker.release();
  for (int i = 0; i < 100; ++i) REQUIRE(tasks[i].wait() == i);
}

TEST_CASE("run creates a task and waits for its result", "[runner]") {
  ta::AsyncRunner runner;
  REQUIRE(runner.run([] {
    ta::sleep(5ms);
    return 5;
  }) == 5);
  REQUIRE_THROWS_AS(runner.run([]() -> int { throw std::out_of_range("run failed"); }),
                    std::out_of_range);
}

TEST_CASE("run raises EventLoopTimeoutError when its one deadline passes", "[runner]") {
  ta::AsyncRunner runner;
  std::atomic<bool> finished{false};
  const auto start = ta::Clock::now();
  REQUIRE_THROWS_AS(runner.run(
                        [&] {
                          ta::sleep(10s);
                          finished = true;
                        },
                        50ms),
                    ta::EventLoopTimeoutError);
  REQUIRE(ta::Clock::now() - start < 2s);
  REQUIRE_FALSE(finished);
}

TEST_CASE("call_in_loop runs the function on the loop thread and returns its result", "[runner]") {
  ta::AsyncRunner runner;
  const auto caller = std::this_thread::get_id();
  auto [value, loop_thread, in_loop] = runner.call_in_loop(
      [&] { return std::tuple(6 * 7, std::this_thread::get_id(), runner.in_runner_loop()); });
  REQUIRE(value == 42);
  REQUIRE(loop_thread != caller);
  REQUIRE(in_loop);

  int side_effect = 0;
  runner.call_in_loop([&] { side_effect = 1; });
  REQUIRE(side_effect == 1);
}

TEST_CASE("call_in_loop rethrows what the function threw", "[runner]") {
  ta::AsyncRunner runner;
  REQUIRE_THROWS_WITH(runner.call_in_loop([]() -> int { throw std::domain_error("in the loop"); }),
                      "in the loop");
  REQUIRE_THROWS_AS(runner.call_in_loop([] { throw std::domain_error("void"); }),
                    std::domain_error);
}

TEST_CASE("call_in_loop on the loop thread just calls the function", "[runner]") {
  ta::AsyncRunner runner;
  // From a task, and from a function already given to call_in_loop.
  auto from_task = runner.create_task([&] {
    const auto here = std::this_thread::get_id();
    return runner.call_in_loop([&] { return std::this_thread::get_id() == here; });
  });
  REQUIRE(from_task.wait());
  const int nested = runner.call_in_loop([&] { return runner.call_in_loop([] { return 3; }) + 1; });
  REQUIRE(nested == 4);
}

TEST_CASE("call_in_loop times out when the loop is busy, and the function still runs later",
          "[runner]") {
  ta::AsyncRunner runner;
  LoopBlocker blocker(runner);
  std::atomic<bool> ran{false};
  try {
    runner.call_in_loop([&] { ran = true; }, 50ms);
    FAIL("call_in_loop did not time out");
  } catch (const ta::EventLoopTimeoutError& e) {
    const std::string message = e.what();
    REQUIRE_THAT(message, Catch::Contains("call_in_loop timed out after 0.050 s"));
  }
  REQUIRE_FALSE(ran);
  blocker.release();
  runner.wait_for_next_eventloop_iteration();
  REQUIRE(ran);
}

TEST_CASE("call_in_loop uses the runner's default timeout when given none", "[runner]") {
  ta::RunnerOptions options;
  options.call_in_loop_timeout = 50ms;
  ta::AsyncRunner runner(options);
  LoopBlocker blocker(runner);
  REQUIRE_THROWS_AS(runner.call_in_loop([] {}), ta::EventLoopTimeoutError);
}

TEST_CASE("wait_for_next_eventloop_iteration returns after everything queued before it ran",
          "[runner]") {
  ta::AsyncRunner runner;
  LoopBlocker blocker(runner);
  std::atomic<int> ran{0};
  for (int i = 0; i < 20; ++i) runner.create_task([&] { ++ran; });
  REQUIRE(ran == 0);
  blocker.release();
  runner.wait_for_next_eventloop_iteration();
  REQUIRE(ran == 20);
}

TEST_CASE("wait_for_next_eventloop_iteration times out when the loop is busy", "[runner]") {
  ta::RunnerOptions options;
  options.name = "busy";
  ta::AsyncRunner runner(options);
  LoopBlocker blocker(runner);
  try {
    runner.wait_for_next_eventloop_iteration(50ms);
    FAIL("wait_for_next_eventloop_iteration did not time out");
  } catch (const ta::EventLoopTimeoutError& e) {
    const std::string message = e.what();
    REQUIRE_THAT(message, Catch::Contains("wait_for_next_eventloop_iteration timed out after "
                                          "0.050 s"));
    REQUIRE_THAT(message, Catch::Contains("'busy'"));
  }
  blocker.release();
  REQUIRE_NOTHROW(runner.wait_for_next_eventloop_iteration(10s));
}

TEST_CASE("in_runner_loop is true only on the runner's own loop thread", "[runner]") {
  ta::AsyncRunner runner;
  ta::AsyncRunner other;
  REQUIRE_FALSE(runner.in_runner_loop());
  REQUIRE(runner.call_in_loop([&] { return runner.in_runner_loop(); }));
  REQUIRE(runner.create_task([&] { return runner.in_runner_loop(); }).wait());
  REQUIRE_FALSE(other.call_in_loop([&] { return runner.in_runner_loop(); }));
  REQUIRE_FALSE(other.create_task([&] { return runner.in_runner_loop(); }).wait());
  bool on_plain_thread = true;
  std::thread([&] { on_plain_thread = runner.in_runner_loop(); }).join();
  REQUIRE_FALSE(on_plain_thread);
}

TEST_CASE("is_running and shutdown_type follow the runner from start to close", "[runner]") {
  ta::AsyncRunner runner;
  REQUIRE(runner.is_running());
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::NOT_SHUT_DOWN);
  runner.close();
  REQUIRE_FALSE(runner.is_running());
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
  runner.close();  // a second close does nothing
  REQUIRE(runner.shutdown_type() == ta::ShutdownType::STOPPED);
}

TEST_CASE("shutdown types print as their names", "[runner]") {
  std::ostringstream out;
  out << ta::ShutdownType::NOT_SHUT_DOWN << " " << ta::ShutdownType::STOPPED << " "
      << ta::ShutdownType::FORCE_STOPPED << " " << ta::ShutdownType::FAILED_FORCE_STOPPED << " "
      << ta::ShutdownType::UNKNOWN;
  REQUIRE(out.str() == "NOT_SHUT_DOWN STOPPED FORCE_STOPPED FAILED_FORCE_STOPPED UNKNOWN");
}

TEST_CASE("two runners run side by side on their own threads", "[runner]") {
  ta::AsyncRunner a;
  ta::AsyncRunner b;
  const auto thread_a = a.call_in_loop([] { return std::this_thread::get_id(); });
  const auto thread_b = b.call_in_loop([] { return std::this_thread::get_id(); });
  REQUIRE(thread_a != thread_b);
  auto task_a = a.create_task([] { return 1; });
  auto task_b = b.create_task([] { return 2; });
  REQUIRE(task_a.wait() + task_b.wait() == 3);
}
