// Future<T>: set from a thread or a task, set once, result / result_wait, exceptions, void.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <threaded_async/threaded_async.hpp>

namespace ta = threaded_async;
using namespace std::chrono_literals;

TEST_CASE("a future set by a thread is read by a waiting task", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<std::string> future(runner);
  auto task = runner.create_task([future] { return future.result() + "!"; });
  runner.wait_for_next_eventloop_iteration();
  REQUIRE_FALSE(task.done());
  future.set_result("hello");
  REQUIRE(task.wait() == "hello!");
}

TEST_CASE("a future set by a task is read by a waiting thread", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  runner.create_task([future]() mutable {
    ta::sleep(20ms);
    future.set_result(12);
  });
  REQUIRE(future.result_wait(10s) == 12);
  REQUIRE(future.done());
}

TEST_CASE("a future set by one thread is read by another thread", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  std::atomic<int> got{0};
  std::thread reader([&] { got = future.result_wait(10s); });
  std::this_thread::sleep_for(20ms);
  future.set_result(8);
  reader.join();
  REQUIRE(got == 8);
}

TEST_CASE("a future set by one task is read by another task", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  auto reader = runner.create_task([future] { return future.result() * 2; });
  runner.create_task([future]() mutable {
    ta::sleep(5ms);
    future.set_result(21);
  });
  REQUIRE(reader.wait() == 42);
}

TEST_CASE("done is true once the future is set", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> value(runner);
  ta::Future<int> error(runner);
  REQUIRE_FALSE(value.done());
  REQUIRE_FALSE(error.done());
  value.set_result(1);
  error.set_exception(std::make_exception_ptr(std::runtime_error("e")));
  REQUIRE(value.done());
  REQUIRE(error.done());
}

TEST_CASE("setting a future twice is an InvalidStateError and keeps the first value", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  future.set_result(1);
  REQUIRE_THROWS_AS(future.set_result(2), ta::InvalidStateError);
  REQUIRE_THROWS_WITH(future.set_exception(std::make_exception_ptr(std::runtime_error("late"))),
                      Catch::Contains("already set"));
  REQUIRE(future.result_wait() == 1);

  ta::Future<int> failed(runner);
  failed.set_exception(std::make_exception_ptr(std::runtime_error("first")));
  REQUIRE_THROWS_AS(failed.set_result(3), ta::InvalidStateError);
  REQUIRE_THROWS_WITH(failed.result_wait(), "first");

  // From a task too.
  auto task = runner.create_task([future]() mutable {
    try {
      future.set_result(5);
    } catch (const ta::InvalidStateError&) {
      return true;
    }
    return false;
  });
  REQUIRE(task.wait());
}

TEST_CASE("result and result_wait re-raise a set exception", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  auto task = runner.create_task([future] { return future.result(); });
  runner.wait_for_next_eventloop_iteration();
  future.set_exception(std::make_exception_ptr(std::overflow_error("too big")));
  REQUIRE_THROWS_MATCHES(task.wait(), std::overflow_error, Catch::Message("too big"));
  REQUIRE_THROWS_MATCHES(future.result_wait(), std::overflow_error, Catch::Message("too big"));
  // Every read re-raises it.
  REQUIRE_THROWS_AS(future.result_wait(), std::overflow_error);
}

TEST_CASE("an exception set by a task reaches a waiting thread", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  runner.create_task([future]() mutable {
    try {
      throw std::invalid_argument("computed badly");
    } catch (...) {
      future.set_exception(std::current_exception());
    }
  });
  REQUIRE_THROWS_MATCHES(future.result_wait(10s), std::invalid_argument,
                         Catch::Message("computed badly"));
}

TEST_CASE("result can be read many times", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<std::string> future(runner);
  future.set_result("same");
  REQUIRE(future.result_wait() == "same");
  REQUIRE(future.result_wait(0ms) == "same");
  auto task = runner.create_task([future] { return future.result() + future.result(0ms); });
  REQUIRE(task.wait() == "samesame");
}

TEST_CASE("a void future carries completion and exceptions", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<void> done(runner);
  auto task = runner.create_task([done] {
    done.result();
    return 1;
  });
  runner.wait_for_next_eventloop_iteration();
  REQUIRE_FALSE(task.done());
  done.set_result();
  REQUIRE(task.wait() == 1);
  REQUIRE_NOTHROW(done.result_wait());
  REQUIRE_THROWS_AS(done.set_result(), ta::InvalidStateError);

  ta::Future<void> failed(runner);
  failed.set_exception(std::make_exception_ptr(std::runtime_error("void failed")));
  REQUIRE_THROWS_WITH(failed.result_wait(), "void failed");
}

TEST_CASE("future waits time out and can be repeated", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  ta::Event timed_out(runner);
  REQUIRE_THROWS_AS(future.result_wait(10ms), ta::EventLoopTimeoutError);
  auto task = runner.create_task([future, timed_out] {
    try {
      future.result(10ms);
    } catch (const ta::EventLoopTimeoutError&) {
      timed_out.as_async_event().set();
      return future.result();
    }
    return -1;
  });
  timed_out.wait(10s);
  future.set_result(6);
  REQUIRE(task.wait() == 6);
  REQUIRE(future.result_wait(10ms) == 6);
}

TEST_CASE("a task waiting on a future can be cancelled", "[future]") {
  ta::AsyncRunner runner;
  ta::Future<int> future(runner);
  auto task = runner.create_task([future] { return future.result(); });
  runner.wait_for_next_eventloop_iteration();
  task.cancel();
  REQUIRE_THROWS_AS(task.wait(), ta::CancelledError);
  future.set_result(1);  // nobody waits any more; setting still works
  REQUIRE(future.result_wait() == 1);
}

TEST_CASE("copies of a future are the same future, and outlive the creator's scope", "[future]") {
  ta::AsyncRunner runner;
  ta::BackgroundTask<int> reader;
  {
    ta::Future<int> local(runner);
    reader = runner.create_task([local] { return local.result(); });
    ta::Future<int> copy = local;
    runner.create_task([copy]() mutable {
      ta::sleep(20ms);
      copy.set_result(31);
    });
    REQUIRE_FALSE(local.done());
  }
  REQUIRE(reader.wait(10s) == 31);
}
