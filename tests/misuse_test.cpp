// Misuse: each wrong use gets a typed error whose message says what to do.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <threaded_async/threaded_async.hpp>
#include <vector>

namespace ta = threaded_async;
using namespace std::chrono_literals;

namespace {

// The message of the `Error` that `call` throws; "no error" or "other error" otherwise.
template <class Error, class Call>
std::string error_of(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  } catch (...) {
    return "other error";
  }
  return "no error";
}

}  // namespace

TEST_CASE("thread-side waits inside a task are WouldDeadlockError", "[misuse]") {
  ta::RunnerOptions options;
  options.name = "misused";
  ta::AsyncRunner runner(options);
  ta::Event event(runner);
  ta::Queue<int> queue(runner);
  ta::Future<int> future(runner);
  auto other = runner.create_task([] { ta::sleep(10s); });
  auto task = runner.create_task([&] {
    std::vector<std::string> errors;
    auto deadlock = [&](auto&& call) { errors.push_back(error_of<ta::WouldDeadlockError>(call)); };
    deadlock([&] { other.wait(); });
    deadlock([&] { event.wait(); });
    deadlock([&] { queue.get_wait(); });
    deadlock([&] { queue.put_wait(1); });
    deadlock([&] { future.result_wait(); });
    deadlock([&] { runner.run([] {}); });
    deadlock([&] { runner.wait_for_next_eventloop_iteration(); });
    deadlock([&] { runner.close(); });
    return errors;
  });
  const auto errors = task.wait();
  REQUIRE(errors.size() == 8);
  for (const auto& e : errors) {
    INFO(e);
    REQUIRE_THAT(e, Catch::Contains("was called on the loop thread of runner 'misused'"));
    REQUIRE_THAT(e, Catch::Contains("instead"));
  }
  REQUIRE_THAT(errors[0], Catch::StartsWith("BackgroundTask::wait") &&
                              Catch::Contains("use BackgroundTask::result instead"));
  REQUIRE_THAT(errors[2],
               Catch::StartsWith("Queue::get_wait") && Catch::Contains("use Queue::get instead"));
  REQUIRE(runner.is_running());  // nothing happened to the runner
  other.cancel();
}

TEST_CASE("thread-side waits inside call_in_loop are WouldDeadlockError", "[misuse]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  ta::Event event(runner);
  REQUIRE_THROWS_AS(runner.call_in_loop([&] { return queue.get_wait(); }), ta::WouldDeadlockError);
  REQUIRE_THROWS_AS(runner.call_in_loop([&] { event.wait(); }), ta::WouldDeadlockError);
  REQUIRE_THROWS_AS(runner.call_in_loop([&] { runner.wait_for_next_eventloop_iteration(); }),
                    ta::WouldDeadlockError);
  auto task = runner.create_task([] { return 1; });
  REQUIRE_THROWS_AS(runner.call_in_loop([&] { return task.wait(); }), ta::WouldDeadlockError);
  REQUIRE(task.wait() == 1);
}

TEST_CASE("task-side calls from a plain thread are NotInTaskError", "[misuse]") {
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  ta::Future<int> future(runner);
  ta::Event event(runner);
  auto task = runner.create_task([] { return 1; });
  REQUIRE(task.wait() == 1);

  const std::string hint = "can only be called inside a task";
  REQUIRE_THAT(error_of<ta::NotInTaskError>([] { ta::sleep(1ms); }),
               Catch::StartsWith("sleep " + hint) &&
                   Catch::Contains("use std::this_thread::sleep_for instead"));
  REQUIRE_THAT(error_of<ta::NotInTaskError>([] { ta::yield(); }), Catch::Contains(hint));
  REQUIRE_THAT(error_of<ta::NotInTaskError>([&] { queue.get(); }),
               Catch::Contains(hint) && Catch::Contains("use Queue::get_wait instead"));
  REQUIRE_THAT(error_of<ta::NotInTaskError>([&] { queue.put(1); }),
               Catch::Contains("use Queue::put_wait instead"));
  REQUIRE_THAT(error_of<ta::NotInTaskError>([&] { future.result(); }),
               Catch::Contains("use Future::result_wait instead"));
  REQUIRE_THAT(error_of<ta::NotInTaskError>([&] { task.result(); }),
               Catch::Contains("use BackgroundTask::wait instead"));
  REQUIRE_THAT(error_of<ta::NotInTaskError>([&] { event.as_async_event().wait(); }),
               Catch::Contains("use Event::wait instead"));
  REQUIRE_THAT(error_of<ta::NotInTaskError>([] { ta::create_task([] {}); }),
               Catch::Contains("use AsyncRunner::create_task instead"));
  REQUIRE_THAT(error_of<ta::NotInTaskError>([] { ta::current_task_name(); }),
               Catch::Contains(hint));
  REQUIRE(queue.empty());  // the refused put left nothing behind
}

TEST_CASE("task-side calls inside call_in_loop are NotInTaskError", "[misuse]") {
  // call_in_loop runs a plain function on the loop thread, not a task: it cannot suspend.
  ta::AsyncRunner runner;
  ta::Queue<int> queue(runner);
  REQUIRE_THROWS_AS(runner.call_in_loop([] { ta::sleep(1ms); }), ta::NotInTaskError);
  REQUIRE_THROWS_AS(runner.call_in_loop([&] { return queue.get(); }), ta::NotInTaskError);
}

TEST_CASE("primitives of a stopped runner raise RunnerStoppedError", "[misuse]") {
  ta::RunnerOptions options;
  options.name = "gone";
  ta::AsyncRunner runner(options);
  ta::Event event(runner);
  ta::Queue<int> queue(runner);
  ta::Future<int> future(runner);
  runner.close();

  const std::string what = "runner 'gone' has stopped";
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { runner.create_task([] {}); }),
               Catch::StartsWith("create_task: " + what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { runner.run([] {}); }), Catch::Contains(what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { runner.call_in_loop([] {}); }),
               Catch::Contains(what));
  REQUIRE_THAT(
      error_of<ta::RunnerStoppedError>([&] { runner.wait_for_next_eventloop_iteration(); }),
      Catch::Contains(what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { event.set(); }), Catch::Contains(what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { event.wait(); }), Catch::Contains(what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { queue.put_wait(1); }), Catch::Contains(what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { queue.get_wait(); }), Catch::Contains(what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { queue.try_get(); }), Catch::Contains(what));
  int item = 1;
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { queue.try_put(item); }),
               Catch::Contains(what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { future.set_result(1); }),
               Catch::Contains(what));
  REQUIRE_THAT(error_of<ta::RunnerStoppedError>([&] { future.result_wait(); }),
               Catch::Contains(what));
  // Reading state never fails.
  REQUIRE_FALSE(event.is_set());
  REQUIRE(queue.empty());
  REQUIRE_FALSE(future.done());
}

TEST_CASE("an empty BackgroundTask is a UsageError", "[misuse]") {
  ta::BackgroundTask<int> empty;
  REQUIRE_FALSE(empty);
  const std::string hint = "this BackgroundTask is empty: assign it from create_task first";
  REQUIRE(error_of<ta::UsageError>([&] { empty.wait(); }) == hint);
  REQUIRE(error_of<ta::UsageError>([&] { empty.done(); }) == hint);
  REQUIRE(error_of<ta::UsageError>([&] { empty.cancelled(); }) == hint);
  REQUIRE(error_of<ta::UsageError>([&] { empty.cancel(); }) == hint);
  REQUIRE(error_of<ta::UsageError>([&] { empty.name(); }) == hint);

  ta::AsyncRunner runner;
  empty = runner.create_task([] { return 2; });
  REQUIRE(empty);
  REQUIRE(empty.wait() == 2);
}

TEST_CASE("bad RunnerOptions are a UsageError that says what is allowed", "[misuse]") {
  ta::RunnerOptions no_exit_timeout;
  no_exit_timeout.exit_timeout = ta::Timeout::runner_default();
  REQUIRE_THAT(error_of<ta::UsageError>([&] { ta::AsyncRunner runner(no_exit_timeout); }),
               Catch::Contains("exit_timeout must be a duration or Timeout::forever()"));

  ta::RunnerOptions circular;
  circular.call_in_loop_timeout = ta::Timeout{};
  REQUIRE_THAT(error_of<ta::UsageError>([&] { ta::AsyncRunner runner(circular); }),
               Catch::Contains("call_in_loop_timeout must be a duration or Timeout::forever()"));

  ta::RunnerOptions tiny_stack;
  tiny_stack.stack_size = 1024;
  REQUIRE_THAT(error_of<ta::UsageError>([&] { ta::AsyncRunner runner(tiny_stack); }),
               Catch::Contains("at least 16 KiB (got 1024 bytes)"));

  ta::AsyncRunner runner;
  REQUIRE_THROWS_AS(runner.set_call_in_loop_timeout(ta::Timeout{}), ta::UsageError);
  REQUIRE_THROWS_AS(runner.set_exit_timeout(ta::Timeout{}), ta::UsageError);
  REQUIRE(runner.options().call_in_loop_timeout.is_forever());  // unchanged
}

TEST_CASE("setting a future to an empty exception is a UsageError", "[misuse]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  REQUIRE_THAT(error_of<ta::UsageError>([&] { future.set_exception(nullptr); }),
               Catch::Contains("needs an exception"));
  REQUIRE_FALSE(future.done());
}
