// Background tasks: wait, done, cancel, cancellation inside the task, tasks
// started from tasks, and each fiber's own exception state.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// Sets its flag when destroyed: shows that a fiber's stack was unwound.
struct SetOnDestroy {
  std::atomic<bool>& flag;
  ~SetOnDestroy() { flag = true; }
};

std::string message_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  }
}

}  // namespace

TEST_CASE("wait returns the task's result", "[task]") {
  ta::AsyncRunner runner;
  auto number = runner.create_task([] { return 10; });
  auto text = runner.create_task([] {
    ta::sleep(1ms);
    return std::string("text");
  });
  int side_effect = 0;
  auto nothing = runner.create_task([&] { side_effect = 3; });
  REQUIRE(number.wait() == 10);
  REQUIRE(text.wait() == "text");
  nothing.wait();
  REQUIRE(side_effect == 3);
}

TEST_CASE("wait rethrows the task's own exception", "[task]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([]() -> int {
    ta::sleep(1ms);
    throw std::invalid_argument("bad input 7");
  });
  REQUIRE_THROWS_MATCHES(task.wait(), std::invalid_argument, Catch::Message("bad input 7"));
  REQUIRE(task.done());
  REQUIRE_FALSE(task.cancelled());
  // Waiting again raises the same error again.
  REQUIRE_THROWS_AS(task.wait(), std::invalid_argument);
}

TEST_CASE("wait raises CancelledError for a cancelled task", "[task]") {
  ta::AsyncRunner runner;
  ta::Event never(runner);
  auto task = runner.create_task([never] {
    never.as_async_event().wait();
    return 1;
  });
  task.cancel();
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  REQUIRE(task.done());
  REQUIRE(task.cancelled());
}

TEST_CASE("wait raises CancelledError when the runner shut down before the task ended", "[task]") {
  ta::BackgroundTask<int> task;
  {
    ta::AsyncRunner runner;
    task = runner.create_task([] {
      ta::sleep(10s);
      return 1;
    });
  }
  REQUIRE(task.done());
  REQUIRE(task.cancelled());
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
}

TEST_CASE("a timed-out wait leaves the task running and can be called again", "[task]") {
  ta::AsyncRunner runner;
  ta::Event go(runner);
  auto task = runner.create_task([go] {
    go.as_async_event().wait();
    return 5;
  });
  REQUIRE_THROWS_AS(task.wait(20ms), ta::EventLoopTimeoutError);
  REQUIRE_FALSE(task.done());
  REQUIRE_THROWS_AS(task.wait(0ms), ta::EventLoopTimeoutError);
  go.set();
  REQUIRE(task.wait() == 5);
  REQUIRE(task.done());
  // And again once it is done, even with a zero timeout.
  REQUIRE(task.wait(0ms) == 5);
  REQUIRE(task.wait() == 5);
}

TEST_CASE("done is false while the task runs and true once it finished", "[task]") {
  ta::AsyncRunner runner;
  ta::Event go(runner);
  auto ok = runner.create_task([go] { go.as_async_event().wait(); });
  auto failing = runner.create_task([go] {
    go.as_async_event().wait();
    throw std::runtime_error("x");
  });
  runner.wait_for_next_eventloop_iteration();
  REQUIRE_FALSE(ok.done());
  REQUIRE_FALSE(failing.done());
  go.set();
  ok.wait();
  REQUIRE_THROWS(failing.wait());
  REQUIRE(ok.done());
  REQUIRE(failing.done());
}

TEST_CASE("cancel makes a wait that is already blocked return promptly", "[task]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    ta::sleep(10s);
    return 1;
  });
  std::atomic<bool> waiting{false};
  std::atomic<bool> got_cancelled{false};
  ta::Clock::time_point returned;
  std::thread waiter([&] {
    waiting = true;
    try {
      task.wait();
    } catch (const ta::CancelledError&) {
      got_cancelled = true;
    }
    returned = ta::Clock::now();
  });
  while (!waiting) std::this_thread::yield();
  std::this_thread::sleep_for(20ms);  // let the thread block in wait()
  const auto cancelled_at = ta::Clock::now();
  task.cancel();
  waiter.join();
  REQUIRE(got_cancelled);
  // The seed returns well under 0.1 s; the bound here only catches hangs.
  REQUIRE(returned - cancelled_at < 2s);
}

TEST_CASE("a task that raises CancelledError itself counts as cancelled", "[task]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([]() -> int { throw ta::CancelledError("gave up"); });
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  REQUIRE(task.cancelled());
  REQUIRE_NOTHROW(runner.close());  // and it is not an error for the exception group
}

TEST_CASE("cancellation arrives as CancelledError at the suspension point and unwinds the stack",
          "[task]") {
  ta::AsyncRunner runner;
  std::atomic<bool> saw_cancelled{false};
  std::atomic<bool> destroyed{false};
  std::atomic<bool> after_sleep{false};
  auto task = runner.create_task([&] {
    SetOnDestroy guard{destroyed};
    try {
      ta::sleep(10s);
    } catch (const ta::CancelledError&) {
      saw_cancelled = true;
      throw;
    }
    after_sleep = true;
  });
  runner.wait_for_next_eventloop_iteration();
  REQUIRE_FALSE(destroyed);
  task.cancel();
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  REQUIRE(saw_cancelled);
  REQUIRE(destroyed);
  REQUIRE_FALSE(after_sleep);
}

TEST_CASE("yield is a suspension point where cancellation arrives", "[task]") {
  ta::AsyncRunner runner;
  std::atomic<int> rounds{0};
  auto task = runner.create_task([&] {
    for (;;) {
      ta::yield();
      ++rounds;
    }
  });
  while (rounds < 10) std::this_thread::yield();
  task.cancel();
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  REQUIRE(task.cancelled());
}

TEST_CASE("a task cancelled before it started never runs its body", "[task]") {
  ta::AsyncRunner runner;
  std::atomic<bool> ran{false};
  // On the loop thread, so that the loop cannot run the task between the two calls.
  auto task = runner.call_in_loop([&] {
    auto created = runner.create_task([&] { ran = true; });
    created.cancel();
    return created;
  });
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  REQUIRE_FALSE(ran);
}

TEST_CASE("cancel leaves a finished task as it is", "[task]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] { return 4; });
  REQUIRE(task.wait() == 4);
  task.cancel();
  REQUIRE_FALSE(task.cancelled());
  REQUIRE(task.wait() == 4);
}

TEST_CASE("a task that catches its cancellation may go on and finish normally", "[task]") {
  ta::AsyncRunner runner;
  auto task = runner.create_task([] {
    try {
      ta::sleep(10s);
    } catch (const ta::CancelledError&) {
      ta::sleep(1ms);  // the cancellation was delivered once; this suspends normally
      return 7;
    }
    return 0;
  });
  runner.wait_for_next_eventloop_iteration();
  task.cancel();
  REQUIRE(task.wait() == 7);
  REQUIRE_FALSE(task.cancelled());
}

TEST_CASE("in_task and current_task_name tell tasks from threads", "[task]") {
  ta::AsyncRunner runner;
  REQUIRE_FALSE(ta::in_task());
  auto task = runner.create_task(ta::TaskOptions{"probe"}, [] {
    return std::string(ta::in_task() ? "in " : "out ") + ta::current_task_name();
  });
  REQUIRE(task.wait() == "in probe");
  REQUIRE_FALSE(runner.call_in_loop([] { return ta::in_task(); }));
}

TEST_CASE("tasks start tasks and wait for them with result()", "[task]") {
  ta::AsyncRunner runner;
  auto parent = runner.create_task([] {
    auto child = ta::create_task(
        [](int x) {
          ta::sleep(1ms);
          return x * 2;
        },
        21);
    auto named =
        ta::create_task(ta::TaskOptions{"grandchild"}, [] { return ta::current_task_name(); });
    return child.result() + static_cast<int>(named.result().size());
  });
  REQUIRE(parent.wait() == 42 + 10);
}

TEST_CASE("result() rethrows the awaited task's error and cancellation", "[task]") {
  ta::AsyncRunner runner;
  auto parent = runner.create_task([] {
    std::string seen;
    auto failing = ta::create_task([]() -> int { throw std::length_error("too long"); });
    try {
      failing.result();
    } catch (const std::length_error& e) {
      seen += e.what();
    }
    auto sleeper = ta::create_task([] { ta::sleep(10s); });
    sleeper.cancel();
    try {
      sleeper.result();
    } catch (const ta::CancelledError&) {
      seen += " + cancelled";
    }
    return seen;
  });
  REQUIRE(parent.wait() == "too long + cancelled");
}

TEST_CASE("result() with a timeout raises EventLoopTimeoutError and the task keeps running",
          "[task]") {
  ta::AsyncRunner runner;
  auto parent = runner.create_task([] {
    auto slow = ta::create_task([] {
      ta::sleep(50ms);
      return 3;
    });
    bool timed_out = false;
    try {
      slow.result(1ms);
    } catch (const ta::EventLoopTimeoutError&) {
      timed_out = !slow.done();
    }
    return timed_out ? slow.result() : -1;
  });
  REQUIRE(parent.wait() == 3);
}

TEST_CASE("cancelling a task that waits in result() leaves the awaited task running", "[task]") {
  ta::AsyncRunner runner;
  ta::Event go(runner);
  auto child = runner.create_task([go] {
    go.as_async_event().wait();
    return 9;
  });
  auto parent = runner.create_task([child] { return child.result(); });
  runner.wait_for_next_eventloop_iteration();
  parent.cancel();
  REQUIRE_THROWS_AS(parent.wait(), ta::CancelledError);
  REQUIRE_FALSE(child.done());
  go.set();
  REQUIRE(child.wait() == 9);
}

TEST_CASE("a task of one runner waits on another runner's task without blocking its loop",
          "[task]") {
  ta::AsyncRunner first;
  ta::AsyncRunner second;
  ta::Event go(first);
  auto slow = first.create_task([go] {
    go.as_async_event().wait();
    return 2;
  });
  // wait() is the thread-side call, but here it runs in a task of `second`:
  // it suspends that task, and `second`'s loop goes on running others.
  auto waiting = second.create_task([slow] { return slow.wait(); });
  auto other = second.create_task([go]() mutable {
    ta::sleep(1ms);
    go.set();
    return 1;
  });
  REQUIRE(other.wait(10s) == 1);
  REQUIRE(waiting.wait(10s) == 2);
}

TEST_CASE("yield lets every other ready task run once", "[task]") {
  ta::AsyncRunner runner;
  auto parent = runner.create_task([] {
    std::string order;
    auto a = ta::create_task([&] {
      for (int i = 0; i < 3; ++i) {
        order += 'a';
        ta::yield();
      }
    });
    auto b = ta::create_task([&] {
      for (int i = 0; i < 3; ++i) {
        order += 'b';
        ta::yield();
      }
    });
    a.result();
    b.result();
    return order;
  });
  REQUIRE(parent.wait() == "ababab");
}

TEST_CASE("sleeping tasks wake in the order of their deadlines", "[task]") {
  ta::AsyncRunner runner;
  auto parent = runner.create_task([] {
    std::vector<int> order;
    std::vector<ta::BackgroundTask<void>> sleepers;
    for (int ms : {300, 100, 200}) {
      sleepers.push_back(ta::create_task([&order, ms] {
        ta::sleep(std::chrono::milliseconds(ms));
        order.push_back(ms);
      }));
    }
    for (auto& s : sleepers) s.result();
    return order;
  });
  REQUIRE(parent.wait() == std::vector<int>{100, 200, 300});
}

TEST_CASE("each task keeps its own exception state across suspensions", "[task]") {
  ta::AsyncRunner runner;
  ta::Event a_inside(runner);
  ta::Event b_inside(runner);
  auto a = runner.create_task([a_inside, b_inside] {
    try {
      throw std::runtime_error("from a");
    } catch (...) {
      a_inside.as_async_event().set();
      b_inside.as_async_event().wait();  // b throws and catches meanwhile
      ta::sleep(1ms);
      const std::string current = message_of(std::current_exception());
      if (current != "from a") return "current_exception() was " + current;
      throw;
    }
  });
  auto b = runner.create_task([a_inside, b_inside] {
    a_inside.as_async_event().wait();
    std::string seen;
    try {
      throw std::logic_error("from b");
    } catch (...) {
      b_inside.as_async_event().set();
      ta::yield();  // a runs inside its own catch block now
      seen = message_of(std::current_exception());
    }
    try {
      throw std::out_of_range("b again");
    } catch (const std::out_of_range&) {
      ta::sleep(2ms);
    }
    return seen + " / " + std::to_string(std::uncaught_exceptions());
  });
  REQUIRE_THROWS_MATCHES(a.wait(), std::runtime_error, Catch::Message("from a"));
  REQUIRE(b.wait() == "from b / 0");
}

TEST_CASE("many tasks run to completion", "[task]") {
  ta::AsyncRunner runner;
  std::vector<ta::BackgroundTask<int>> tasks;
  for (int i = 0; i < 1000; ++i) {
    tasks.push_back(runner.create_task([i] {
      ta::yield();
      return i;
    }));
  }
  long sum = 0;
  for (auto& t : tasks) sum += t.wait();
  REQUIRE(sum == 999L * 1000 / 2);
}
