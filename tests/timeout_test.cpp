// Timeouts: the three kinds, the runner's default, and what timed-out calls say.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

ta::RunnerOptions default_timeout(ta::Timeout timeout) {
  ta::RunnerOptions options;
  options.call_in_loop_timeout = timeout;
  return options;
}

// The message of the EventLoopTimeoutError that `call` throws, or "" if it throws none.
template <class Call>
std::string timeout_message(Call&& call) {
  try {
    call();
  } catch (const ta::EventLoopTimeoutError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a timeout is a duration, for ever, or the runner's default", "[timeout]") {
  const ta::Timeout duration = 250ms;
  REQUIRE(duration.kind() == ta::Timeout::Kind::kDuration);
  REQUIRE(duration.duration() == 250ms);

  REQUIRE(ta::Timeout::forever().kind() == ta::Timeout::Kind::kForever);
  REQUIRE(ta::forever.is_forever());

  const ta::Timeout nothing_given{};
  REQUIRE(nothing_given.is_runner_default());
  REQUIRE(ta::Timeout::runner_default().is_runner_default());

  const ta::Timeout fractional = std::chrono::duration<double>(0.5);
  REQUIRE(fractional.duration() == 500ms);
  const ta::Timeout negative = -5s;
  REQUIRE(negative.duration() == ta::Clock::duration::zero());
}

TEST_CASE("a timeout describes itself and gives its deadline", "[timeout]") {
  REQUIRE(ta::Timeout(1500ms).describe() == "1.500 s");
  REQUIRE(ta::forever.describe() == "for ever");
  REQUIRE(ta::Timeout{}.describe() == "the runner's default");

  const auto now = ta::Clock::now();
  REQUIRE(ta::Timeout(2s).deadline(now) == now + 2s);
  REQUIRE(ta::forever.deadline(now) == ta::Clock::time_point::max());
  REQUIRE(ta::Timeout(std::chrono::hours::max()).deadline(now) == ta::Clock::time_point::max());
}

TEST_CASE("a duration too long for the clock waits like for ever", "[timeout]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  std::thread setter([event]() mutable {
    std::this_thread::sleep_for(20ms);
    event.set();
  });
  REQUIRE_NOTHROW(event.wait(std::chrono::seconds::max()));
  setter.join();
  event.clear();
  auto task = runner.create_task([event] {
    event.as_async_event().wait(std::chrono::hours::max());
    return true;
  });
  runner.wait_for_next_eventloop_iteration();
  event.set();
  REQUIRE(task.wait(std::chrono::hours::max()));
}

TEST_CASE("only 'the runner's default' is replaced by the fallback", "[timeout]") {
  REQUIRE(ta::Timeout{}.or_default(3s).duration() == 3s);
  REQUIRE(ta::Timeout(1s).or_default(3s).duration() == 1s);
  REQUIRE(ta::forever.or_default(3s).is_forever());
}

TEST_CASE("thread-side calls given no timeout use the runner's default", "[timeout]") {
  ta::AsyncRunner runner(default_timeout(50ms));
  ta::Event event(runner);
  ta::Queue<int> queue(runner, 1);
  ta::Future<int> future(runner);
  auto task = runner.create_task([event] { event.as_async_event().wait(); });

  const std::string after = "timed out after 0.050 s";
  REQUIRE_THAT(timeout_message([&] { event.wait(); }), Catch::Contains(after));
  REQUIRE_THAT(timeout_message([&] { task.wait(); }), Catch::Contains(after));
  REQUIRE_THAT(timeout_message([&] { queue.get_wait(); }), Catch::Contains(after));
  queue.put_wait(1);
  REQUIRE_THAT(timeout_message([&] { queue.put_wait(2); }), Catch::Contains(after));
  REQUIRE_THAT(timeout_message([&] { future.result_wait(); }), Catch::Contains(after));
  event.set();
  task.wait();
}

TEST_CASE("an explicit timeout overrides the runner's default", "[timeout]") {
  ta::AsyncRunner runner(default_timeout(20ms));
  ta::Event event(runner);
  REQUIRE_THAT(timeout_message([&] { event.wait(60ms); }),
               Catch::Contains("timed out after 0.060 s"));
  std::thread setter([event]() mutable {
    std::this_thread::sleep_for(100ms);
    event.set();
  });
  REQUIRE_NOTHROW(event.wait(ta::forever));  // the 20 ms default would have expired
  setter.join();
}

TEST_CASE("changing the runner's default affects later calls", "[timeout]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  runner.set_call_in_loop_timeout(30ms);
  REQUIRE_THAT(timeout_message([&] { event.wait(); }), Catch::Contains("0.030 s"));
  runner.set_call_in_loop_timeout(40ms);
  REQUIRE_THAT(timeout_message([&] { event.wait(); }), Catch::Contains("0.040 s"));
}

TEST_CASE("task-side waits given no timeout wait for ever, whatever the runner's default",
          "[timeout]") {
  ta::AsyncRunner runner(default_timeout(20ms));
  ta::Event event(runner);
  ta::Queue<int> queue(runner);
  ta::Future<int> future(runner);
  auto task = runner.create_task([event, queue, future]() mutable {
    event.as_async_event().wait();
    return queue.get() + future.result();
  });
  std::this_thread::sleep_for(100ms);  // well past the runner's 20 ms default
  event.set();
  queue.put_wait(1);
  future.set_result(2);
  REQUIRE(task.wait(ta::forever) == 3);
}

TEST_CASE("task-side timeouts say what timed out and after how long", "[timeout]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  ta::Queue<int> queue(runner, 1);
  ta::Future<int> future(runner);
  auto task = runner.create_task([event, queue, future]() mutable {
    std::string messages;
    auto collect = [&](auto&& call) { messages += timeout_message(call) + "\n"; };
    collect([&] { event.as_async_event().wait(10ms); });
    collect([&] { queue.get(10ms); });
    queue.put(1);
    collect([&] { queue.put(2, 10ms); });
    collect([&] { future.result(10ms); });
    auto sleeper = ta::create_task(ta::TaskOptions{"sleeper"}, [] { ta::sleep(10s); });
    collect([&] { sleeper.result(10ms); });
    sleeper.cancel();
    return messages;
  });
  REQUIRE(task.wait() ==
          "Event::as_async_event().wait timed out after 0.010 s\n"
          "Queue::get timed out after 0.010 s\n"
          "Queue::put timed out after 0.010 s\n"
          "Future::result timed out after 0.010 s\n"
          "waiting for task 'sleeper' timed out after 0.010 s\n");
}

TEST_CASE("thread-side timeouts name the call and the duration", "[timeout]") {
  ta::AsyncRunner runner;
  ta::Event event(runner);
  ta::Queue<int> queue(runner);
  ta::Future<void> future(runner);
  auto task = runner.create_task(ta::TaskOptions{"slow"}, [] { ta::sleep(10s); });
  REQUIRE(timeout_message([&] { event.wait(10ms); }) == "Event::wait timed out after 0.010 s");
  REQUIRE(timeout_message([&] { queue.get_wait(10ms); }) ==
          "Queue::get_wait timed out after 0.010 s");
  REQUIRE(timeout_message([&] { future.result_wait(10ms); }) ==
          "Future::result_wait timed out after 0.010 s");
  REQUIRE(timeout_message([&] { task.wait(10ms); }) ==
          "waiting for task 'slow' timed out after 0.010 s");
  task.cancel();
}

TEST_CASE("a zero timeout fails at once only when the call would have to wait", "[timeout]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  const auto start = ta::Clock::now();
  REQUIRE_THROWS_AS(queue.get_wait(0ms), ta::EventLoopTimeoutError);
  REQUIRE(ta::Clock::now() - start < 2s);
  queue.put_wait(9, 0ms);
  REQUIRE(queue.get_wait(0ms) == 9);
}

TEST_CASE("a timed-out wait does not disturb later ones", "[timeout]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  for (int i = 0; i < 5; ++i) REQUIRE_THROWS_AS(queue.get_wait(1ms), ta::EventLoopTimeoutError);
  queue.put_wait(4);
  REQUIRE(queue.get_wait() == 4);
  REQUIRE(queue.empty());
}
